/**
 * Mistral Document AI in batch mode: the same OCR request bodies as realtime, sent as batch jobs on
 * `/v1/ocr`; results matched back to items by custom_id (the item's index). Large files are
 * uploaded first and referenced by file id; they are deleted once their job's results are read (in
 * "Submit Only" mode, by the "Collect Results" node, from the reference).
 */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { type ItemOutcomes, newBatchRunner, settle, submitAndReference } from '../../shared/batch/glue';
import { planJobs } from '../../shared/batch/jobs';
import { metadataFor, readBatchSettings } from '../../shared/batch/parameters';
import { type BatchReference, collectJobs, readReference, requestFailure } from '../../shared/batch/results';
import { readTransportOptions } from '../../shared/commonOptions';
import { readOcrAnswer } from '../../shared/documents/ocrAnswer';
import { deleteUploads, executionFiles } from '../../shared/files/glue';
import { collectOutput, stopError } from '../../shared/itemResults';
import { DEFAULT_DOCUMENT_CONCURRENCY, DEFAULT_DOCUMENT_TIMEOUT_S } from '../description';
import { type DocumentInfo, inputProblem, type PreparedRequest, prepareRequest, resultItems, uploadThresholdBytes } from './documents';
import { answerProblem, readsPerPage } from './execute';

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
			const references = items.map((item) => readReference(item.json, settings.referenceField));
			const firstBad = references.findIndex((reference) => typeof reference === 'string');
			if (firstBad !== -1 && !continueOnFail) {
				throw stopError(this, new NodeOperationError(this.getNode(), references[firstBad] as string, { itemIndex: firstBad }), firstBad);
			}
			for (const reference of references) {
				if (typeof reference === 'string') continue;
				for (const id of Array.isArray(reference.fileIds) ? reference.fileIds : []) if (typeof id === 'string') files.uploads.track({ id, bytes: 0, filename: '', purpose: 'ocr' });
			}
			const jobIds = [...new Set(references.flatMap((reference) => (typeof reference === 'string' ? [] : reference.jobIds)))];
			const results = await collectJobs(runner, jobIds, { maxWaitMs: settings.maxWaitMs, cancelOnGiveUp: false });
			for (const [itemIndex, reference] of references.entries()) {
				if (typeof reference === 'string') {
					outcomes[itemIndex] = { ok: false, error: new NodeOperationError(this.getNode(), reference, { itemIndex }) };
					continue;
				}
				const part = reference.parts[0];
				const result = results.get(part);
				if (!result.ok) {
					outcomes[itemIndex] = { ok: false, error: requestFailure(this, result, part, itemIndex, typeof reference.model === 'string' ? reference.model : undefined) };
					continue;
				}
				outcomes[itemIndex] = await settleAsync(async () => await resultItems(this, readOcrAnswer(result.body), { itemIndex, info: (reference.document ?? { source: 'binary' }) as DocumentInfo }, perPage), this, itemIndex);
			}
			return [collectOutput(this, outcomes)];
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
		const jobs = planJobs(requests).map((job) => ({
			model: job.model,
			requests: job.requests.map((request) => ({ custom_id: String(request.itemIndex), body: request.body })),
			items: job.requests,
		}));
		const submitted = await submitAndReference(runner, '/v1/ocr', jobs, metadataFor(this), settings.timeoutHours);
		this.logger.info(`${LABEL}: ${requests.length} document(s) in ${submitted.length} batch job(s)`);

		if (settings.mode === 'submit') {
			keepUploads = true;
			const jobIds = submitted.map((job) => job.id);
			jobs.forEach((job, jobIndex) => {
				for (const request of job.items) {
					const reference: BatchReference = {
						jobIds,
						parts: [{ jobId: submitted[jobIndex].id, customId: String(request.itemIndex) }],
						model: request.model,
						document: request.info,
						...(request.fileId ? { fileIds: [request.fileId] } : {}),
					};
					outcomes[request.itemIndex] = {
						ok: true,
						value: [{ json: { ...items[request.itemIndex].json, [settings.referenceField]: reference }, pairedItem: { item: request.itemIndex } }],
					};
				}
			});
			return [collectOutput(this, outcomes)];
		}

		const results = await collectJobs(runner, submitted.map((job) => job.id), { maxWaitMs: settings.maxWaitMs, cancelOnGiveUp: true });
		for (const [jobIndex, job] of jobs.entries()) {
			for (const request of job.items) {
				const part = { jobId: submitted[jobIndex].id, customId: String(request.itemIndex) };
				const result = results.get(part);
				if (!result.ok) {
					outcomes[request.itemIndex] = settle(() => {
						throw requestFailure(this, result, part, request.itemIndex, request.model);
					});
					continue;
				}
				outcomes[request.itemIndex] = await settleAsync(async () => await resultItems(this, readOcrAnswer(result.body), request, perPage), this, request.itemIndex);
			}
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
