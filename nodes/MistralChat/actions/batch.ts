/**
 * Mistral Chat in batch mode: the same request bodies as realtime (buildRequest), sent as batch
 * jobs; results matched back to items by custom_id (the item's index).
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { planJobs } from '../../shared/batch/jobs';
import { type ItemOutcomes, newBatchRunner, reportBatchRun, settle, submitAndReference } from '../../shared/batch/glue';
import { metadataFor, readBatchSettings, withoutReference } from '../../shared/batch/parameters';
import { type BatchReference, collectJobs, readReference, requestFailure } from '../../shared/batch/results';
import { collectOutput, stopError } from '../../shared/itemResults';
import { answerItems, buildRequest, inputFieldsKept, problem } from './execute';

interface ChatBatchRequest {
	itemIndex: number;
	model: string;
	body: IDataObject;
	expectJson: boolean;
}

export async function executeChatBatch(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const settings = readBatchSettings(this);
	const runner = newBatchRunner(this, 'Mistral Chat');
	const continueOnFail = this.continueOnFail();
	const outcomes: ItemOutcomes = new Array(items.length);
	const simplify = this.getNodeParameter('simplify', 0, true) as boolean;
	const keepInputFields = inputFieldsKept(this);

	if (settings.mode === 'collect') {
		const references = items.map((item) => readReference(item.json, settings.referenceField));
		const jobIds = [...new Set(references.flatMap((reference) => (typeof reference === 'string' ? [] : reference.jobIds)))];
		const firstBad = references.findIndex((reference) => typeof reference === 'string');
		if (firstBad !== -1 && !continueOnFail) {
			throw stopError(this, new NodeOperationError(this.getNode(), references[firstBad] as string, { itemIndex: firstBad }), firstBad);
		}
		const results = await collectJobs(runner, jobIds, { maxWaitMs: settings.maxWaitMs, cancelOnGiveUp: false });
		references.forEach((reference, itemIndex) => {
			if (typeof reference === 'string') {
				outcomes[itemIndex] = { ok: false, error: new NodeOperationError(this.getNode(), reference, { itemIndex }) };
				return;
			}
			const part = reference.parts[0];
			const input = withoutReference(items[itemIndex].json, settings.referenceField);
			outcomes[itemIndex] = settle(() => {
				const result = results.get(part);
				if (!result.ok) throw requestFailure(this, result, part, itemIndex, stringOr(reference.model));
				return answerItems(this, result.body as IDataObject, itemIndex, input, reference.expectJson === true, simplify, keepInputFields(itemIndex));
			});
		});
		reportBatchRun(this, runner, 'collect', outcomes, (itemIndex) => {
			const reference = references[itemIndex];
			return typeof reference === 'string' ? undefined : reference.parts[0].jobId;
		});
		return [collectOutput(this, outcomes, keepInputFields)];
	}

	// Every item's request, built exactly as in realtime mode, before anything is submitted.
	const requests: ChatBatchRequest[] = [];
	for (const itemIndex of items.keys()) {
		const options = (this.getNodeParameter('options', itemIndex, {}) as IDataObject) ?? {};
		try {
			const request = await buildRequest(this, itemIndex, options);
			requests.push({ itemIndex, model: request.model, body: request.body as IDataObject, expectJson: request.expectJson });
		} catch (error) {
			const failure = problem(this, error, itemIndex);
			if (!continueOnFail) throw stopError(this, failure, itemIndex);
			outcomes[itemIndex] = { ok: false, error: failure };
		}
	}

	const jobs = planJobs(requests).map((job) => ({
		model: job.model,
		requests: job.requests.map((request) => ({ custom_id: String(request.itemIndex), body: request.body })),
		items: job.requests,
	}));
	const submitted = await submitAndReference(runner, '/v1/chat/completions', jobs, metadataFor(this), settings.timeoutHours);
	this.logger.info(`Mistral Chat: ${requests.length} request(s) in ${submitted.length} batch job(s)`);

	if (settings.mode === 'submit') {
		const jobIds = submitted.map((job) => job.id);
		jobs.forEach((job, jobIndex) => {
			for (const request of job.items) {
				const reference: BatchReference = {
					jobIds,
					parts: [{ jobId: submitted[jobIndex].id, customId: String(request.itemIndex) }],
					model: request.model,
					expectJson: request.expectJson,
				};
				outcomes[request.itemIndex] = {
					ok: true,
					value: [{ json: { ...items[request.itemIndex].json, [settings.referenceField]: reference }, pairedItem: { item: request.itemIndex } }],
				};
			}
		});
		reportBatchRun(this, runner, 'submit', outcomes, () => undefined);
		return [collectOutput(this, outcomes, keepInputFields)];
	}

	const results = await collectJobs(
		runner,
		submitted.map((job) => job.id),
		{ maxWaitMs: settings.maxWaitMs, cancelOnGiveUp: true },
	);
	jobs.forEach((job, jobIndex) => {
		for (const request of job.items) {
			const part = { jobId: submitted[jobIndex].id, customId: String(request.itemIndex) };
			outcomes[request.itemIndex] = settle(() => {
				const result = results.get(part);
				if (!result.ok) throw requestFailure(this, result, part, request.itemIndex, request.model);
				return answerItems(this, result.body as IDataObject, request.itemIndex, items[request.itemIndex].json, request.expectJson, simplify, keepInputFields(request.itemIndex));
			});
		}
	});
	this.logger.debug(`Mistral Chat (batch): ${items.length} item(s), ${runner.describeStats()}`);
	const jobOfItem = new Map(jobs.flatMap((job, jobIndex) => job.items.map((request) => [request.itemIndex, submitted[jobIndex].id] as const)));
	reportBatchRun(this, runner, 'wait', outcomes, (itemIndex) => jobOfItem.get(itemIndex));
	return [collectOutput(this, outcomes, keepInputFields)];
}

function stringOr(value: unknown): string | undefined {
	return typeof value === 'string' ? value : undefined;
}
