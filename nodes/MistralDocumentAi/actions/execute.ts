import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { isBatchProcessing } from '../../shared/batch/parameters';
import { readTransportOptions } from '../../shared/commonOptions';
import { settleWithConcurrency } from '../../shared/concurrency';
import { OcrAnswerError, readOcrAnswer } from '../../shared/documents/ocrAnswer';
import { DocumentInputError } from '../../shared/documents/ocrRequest';
import { deleteUploads, executionFiles } from '../../shared/files/glue';
import { collectOutput } from '../../shared/itemResults';
import { BATCH_PARAMETERS, checkNodeOptions, TRANSPORT_OPTIONS } from '../../shared/nodeOptions';
import { describeStats, MistralClient } from '../../shared/transport/client';
import { DEFAULT_DOCUMENT_CONCURRENCY, DEFAULT_DOCUMENT_TIMEOUT_S } from '../description';
import { executeDocumentBatch } from './batch';
import { inputProblem, prepareRequest, resultItems, uploadThresholdBytes } from './documents';

export function readsPerPage(context: IExecuteFunctions): boolean {
	const output = context.getNodeParameter('output', 0, 'document') as string;
	if (output !== 'document' && output !== 'page') throw new NodeOperationError(context.getNode(), `"Output" is ${JSON.stringify(output)}; use "document" or "page"`);
	return output === 'page';
}

export function answerProblem(context: IExecuteFunctions, error: unknown, itemIndex: number): unknown {
	if (error instanceof OcrAnswerError) return new NodeOperationError(context.getNode(), error.message, { itemIndex });
	return error;
}

export async function executeDocumentAi(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	// The batch settings and transport options as typed (expressions arrive unchecked): one clear error before any request.
	checkNodeOptions(this, 0, BATCH_PARAMETERS, TRANSPORT_OPTIONS);
	if (isBatchProcessing(this)) return await executeDocumentBatch.call(this);
	const items = this.getInputData();
	const firstOptions = (this.getNodeParameter('options', 0, {}) as IDataObject) ?? {};
	const transport = readTransportOptions(firstOptions, DEFAULT_DOCUMENT_CONCURRENCY, DEFAULT_DOCUMENT_TIMEOUT_S);
	const client = new MistralClient(this, transport);
	const files = executionFiles(this, transport);
	const perPage = readsPerPage(this);
	let uploadAbove: number;
	try {
		uploadAbove = uploadThresholdBytes(this);
	} catch (error) {
		throw new NodeOperationError(this.getNode(), (error as DocumentInputError).message);
	}

	try {
		const outcomes = await settleWithConcurrency(
			items,
			transport.maxConcurrency,
			async (_item, itemIndex): Promise<INodeExecutionData[]> => {
				let request;
				try {
					request = await prepareRequest(this, itemIndex, uploadAbove, files);
				} catch (error) {
					throw inputProblem(this, error, itemIndex);
				}
				let answer: unknown;
				try {
					answer = await client.post<unknown>('/ocr', request.body, { model: request.model }, itemIndex);
				} finally {
					if (request.fileId) await files.uploads.release(request.fileId);
				}
				try {
					return await resultItems(this, readOcrAnswer(answer), request, perPage);
				} catch (error) {
					throw answerProblem(this, error, itemIndex);
				}
			},
			!this.continueOnFail(),
		);
		this.logger.debug(`Mistral Document AI: ${items.length} item(s), ${describeStats(client.stats)}`);
		return [collectOutput(this, outcomes)];
	} finally {
		await deleteUploads(this, files, 'Mistral Document AI');
	}
}
