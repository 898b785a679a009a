/**
 * Mistral Document AI in batch mode: the same OCR request bodies as realtime, sent as batch jobs on
 * `/v1/ocr`; results matched back to items by custom_id (the item's index). Large files are
 * uploaded first and referenced by file id; they are deleted once their job's results are read (in
 * "Submit Only" mode, by the "Collect Results" node, from the reference).
 */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { newBatchRunner, submitAndReference } from '../../shared/batch/newBatchRunner';
import { planItemJobs } from '../../shared/batch/jobs';
import { metadataFor, readBatchSettings } from '../../shared/batch/parameters';
import { type BatchReference, collectJobs, collectReferencedJobs, partAnswer, referencedItem, referencedOutcomes, submittedRequests } from '../../shared/batch/results';
import { readTransportOptions } from '../../shared/commonOptions';
import { readOcrAnswer } from '../../shared/documents/ocrAnswer';
import { deleteUploads, executionFiles } from '../../shared/files/glue';
import { collectOutput, type ItemOutcomes, stopError } from '../../shared/itemResults';
import { DEFAULT_DOCUMENT_CONCURRENCY, DEFAULT_DOCUMENT_TIMEOUT_S } from '../description';
import { answerProblem, type DocumentInfo, inputProblem, type PreparedRequest, prepareRequest, readsPerPage, resultItems, uploadThresholdBytes } from './documents';

const LABEL = 'Mistral Document AI';

export async function executeDocumentBatch(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const settings = readBatchSettings(this);
	const runner = newBatchRunner(this, LABEL);
	const continueOnFail = this.continueOnFail();
	const outcomes: ItemOutcomes = new Array(items.length);
	const perPage = readsPerPage(this);
	const options = (this.getNodeParameter('options', 0, {}) ?? {}) as Record<string, unknown>;
	const files = executionFiles(this, readTransportOptions(options, DEFAULT_DOCUMENT_CONCURRENCY, DEFAULT_DOCUMENT_TIMEOUT_S));
	// In "Submit Only" mode the uploads must outlive this node: the collecting node deletes them.
	let keepUploads = false;

	try {
		if (settings.mode === 'collect') {
			const collected = await collectReferencedJobs(this, runner, { ...settings, endpoints: ['/v1/ocr'] });
			for (const reference of collected.references) {
				for (const id of Array.isArray(reference?.fileIds) ? reference.fileIds : []) if (typeof id === 'string') files.uploads.track({ id, bytes: 0, filename: '', purpose: 'ocr' });
			}
			const collectedOutcomes = await referencedOutcomes(this, collected, settings.referenceField, async (answer, itemIndex) => {
				const info = (answer.reference.document ?? { source: 'binary' }) as DocumentInfo;
				return await settleAsync(async () => await resultItems(this, readOcrAnswer(answer.body), { itemIndex, info }, perPage), this, itemIndex);
			});
			return [collectOutput(this, collectedOutcomes)];
		}

		const uploadAbove = uploadThresholdBytes(this);
		const requests: PreparedRequest[] = [];
		for (const itemIndex of items.keys()) {
			try {
				requests.push(await prepareRequest(this, itemIndex, uploadAbove, files));
			} catch (error) {
				const failure = inputProblem(this, error, itemIndex);
				if (!continueOnFail) throw stopError(this, failure, itemIndex);
				outcomes[itemIndex] = { ok: false, error: failure };
			}
		}
		const jobs = planItemJobs(requests);
		const submitted = await submitAndReference(runner, '/v1/ocr', jobs, metadataFor(this), settings.timeoutHours);
		this.logger.info(`${LABEL}: ${requests.length} document(s) in ${submitted.length} batch job(s)`);

		if (settings.mode === 'submit') {
			keepUploads = true;
			const jobIds = submitted.map((job) => job.id);
			for (const { request, part } of submittedRequests(jobs, submitted)) {
				const reference: BatchReference = { jobIds, parts: [part], model: request.model, document: request.info, ...(request.fileId ? { fileIds: [request.fileId] } : {}) };
				outcomes[request.itemIndex] = { ok: true, value: referencedItem(items[request.itemIndex], request.itemIndex, settings.referenceField, reference) };
			}
			return [collectOutput(this, outcomes)];
		}

		const results = await collectJobs(runner, submitted.map((job) => job.id), { maxWaitMs: settings.maxWaitMs, cancelOnGiveUp: true });
		for (const { request, part } of submittedRequests(jobs, submitted)) {
			const answer = partAnswer(this, results, part, request.itemIndex, request.model);
			outcomes[request.itemIndex] = answer.ok ? await settleAsync(async () => await resultItems(this, readOcrAnswer(answer.body), request, perPage), this, request.itemIndex) : answer;
		}
		this.logger.debug(`${LABEL} (batch): ${items.length} item(s), ${runner.describeStats()}`);
		return [collectOutput(this, outcomes)];
	} finally {
		if (!keepUploads) await deleteUploads(this, files, LABEL);
	}
}

async function settleAsync(produce: () => Promise<INodeExecutionData[]>, context: IExecuteFunctions, itemIndex: number): Promise<ItemOutcomes[number]> {
	try {
		return { ok: true, value: await produce() };
	} catch (error) {
		return { ok: false, error: answerProblem(context, error, itemIndex) };
	}
}
