/**
 * Mistral Chat in batch mode: the same request bodies as realtime (buildRequest), sent as batch
 * jobs; results matched back to items by custom_id (the item's index).
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { planItemJobs } from '../../shared/batch/jobs';
import { newBatchRunner, reportBatchRun, submitAndReference } from '../../shared/batch/newBatchRunner';
import { metadataFor, readBatchSettings } from '../../shared/batch/parameters';
import { type BatchReference, collectJobs, collectReferencedJobs, partAnswer, referencedItem, referencedOutcomes, submittedRequests } from '../../shared/batch/results';
import { collectOutput, itemError, type ItemOutcomes, settle, stopError } from '../../shared/itemResults';
import { answerItems, buildRequest, inputFieldsKept } from './items';

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
		const collected = await collectReferencedJobs(this, runner, { ...settings, endpoints: ['/v1/chat/completions'] });
		const collectedOutcomes = await referencedOutcomes(this, collected, settings.referenceField, (answer, itemIndex, input) =>
			settle(() => answerItems(this, answer.body as IDataObject, itemIndex, input, answer.reference.expectJson === true, simplify, keepInputFields(itemIndex))),
		);
		reportBatchRun(this, runner, 'collect', collectedOutcomes, (itemIndex) => collected.references[itemIndex]?.parts[0].jobId);
		return [collectOutput(this, collectedOutcomes, keepInputFields)];
	}

	// Every item's request, built exactly as in realtime mode, before anything is submitted.
	const requests: ChatBatchRequest[] = [];
	for (const itemIndex of items.keys()) {
		const options = (this.getNodeParameter('options', itemIndex, {}) as IDataObject) ?? {};
		try {
			const request = await buildRequest(this, itemIndex, options);
			requests.push({ itemIndex, model: request.model, body: request.body as IDataObject, expectJson: request.expectJson });
		} catch (error) {
			const failure = itemError(this.getNode(), error, itemIndex);
			if (!continueOnFail) throw stopError(this, failure, itemIndex);
			outcomes[itemIndex] = { ok: false, error: failure };
		}
	}

	const jobs = planItemJobs(requests);
	const submitted = await submitAndReference(runner, '/v1/chat/completions', jobs, metadataFor(this), settings.timeoutHours);
	this.logger.info(`Mistral Chat: ${requests.length} request(s) in ${submitted.length} batch job(s)`);

	if (settings.mode === 'submit') {
		const jobIds = submitted.map((job) => job.id);
		for (const { request, part } of submittedRequests(jobs, submitted)) {
			const reference: BatchReference = { jobIds, parts: [part], model: request.model, expectJson: request.expectJson };
			outcomes[request.itemIndex] = { ok: true, value: referencedItem(items[request.itemIndex], request.itemIndex, settings.referenceField, reference) };
		}
		reportBatchRun(this, runner, 'submit', outcomes, () => undefined);
		return [collectOutput(this, outcomes, keepInputFields)];
	}

	const results = await collectJobs(runner, submitted.map((job) => job.id), { maxWaitMs: settings.maxWaitMs, cancelOnGiveUp: true });
	const jobOfItem = new Map<number, string>();
	for (const { request, part } of submittedRequests(jobs, submitted)) {
		jobOfItem.set(request.itemIndex, part.jobId);
		const answer = partAnswer(this, results, part, request.itemIndex, request.model);
		outcomes[request.itemIndex] = answer.ok
			? settle(() => answerItems(this, answer.body as IDataObject, request.itemIndex, items[request.itemIndex].json, request.expectJson, simplify, keepInputFields(request.itemIndex)))
			: answer;
	}
	this.logger.debug(`Mistral Chat (batch): ${items.length} item(s), ${runner.describeStats()}`);
	reportBatchRun(this, runner, 'wait', outcomes, (itemIndex) => jobOfItem.get(itemIndex));
	return [collectOutput(this, outcomes, keepInputFields)];
}
