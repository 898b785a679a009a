import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { isBatchProcessing } from '../../shared/batch/parameters';
import { readTransportOptions } from '../../shared/commonOptions';
import { settleWithConcurrency } from '../../shared/concurrency';
import { readOcrAnswer } from '../../shared/documents/ocrAnswer';

import { deleteUploads, executionFiles } from '../../shared/files/glue';
import { collectOutput } from '../../shared/itemResults';
import { BATCH_PARAMETERS, checkNodeOptions, TRANSPORT_OPTIONS } from '../../shared/nodeOptions';
import { describeStats, MistralClient } from '../../shared/transport/client';
import { DEFAULT_DOCUMENT_CONCURRENCY, DEFAULT_DOCUMENT_TIMEOUT_S } from '../description';
import { executeDocumentBatch } from './batch';
import { answerProblem, inputProblem, prepareRequest, readsPerPage, resultItems, uploadThresholdBytes } from './documents';
import { InputError } from '../../shared/errors';

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
		throw new NodeOperationError(this.getNode(), (error as InputError).message);
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
