/**
 * Mistral Moderate in batch mode: the inputs packed exactly as in realtime (packBatches under the
 * calibration's prior budget, moderationBody), each packed request one line of a batch job
 * (custom_id = its position), so one job carries far more inputs than requests. Results go back to
 * their items by custom_id and position; Passed / Flagged are decided when the results are read,
 * under the thresholds of the node that reads them.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { planJobs } from '../../shared/batch/jobs';
import { newBatchRunner, submitAndReference } from '../../shared/batch/newBatchRunner';
import { metadataFor, readBatchSettings, withoutReference } from '../../shared/batch/parameters';
import { type BatchPart, type BatchReference, collectJobs, collectReferencedJobs, type JobResults, partAnswer } from '../../shared/batch/results';
import type { Settled } from '../../shared/concurrency';
import { collectOutput, type ItemOutcomes, stopError } from '../../shared/itemResults';
import { readModerationResults } from '../../shared/moderation/answers';
import type { ModerationSlot } from '../../shared/moderation/inputs';
import type { Thresholds } from '../../shared/moderation/thresholds';
import { packBatches } from '../../shared/packing/batching';
import { TokenCalibration } from '../../shared/packing/calibration';
import {
	type InputKind,
	type ModeratedItem,
	type ModerateSettings,
	moderatedItem,
	moderationBody,
	readItemThresholds,
	readModerateSettings,
	readSlots,
	routeOutputs,
} from './items';

const endpointOf = (input: InputKind) => (input === 'text' ? '/v1/moderations' : '/v1/chat/moderations');

export async function executeModerateBatch(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const options = (this.getNodeParameter('options', 0, {}) as IDataObject) ?? {};
	const batch = readBatchSettings(this);
	const { settings, limits } = readModerateSettings(this, options);
	const runner = newBatchRunner(this, 'Mistral Moderate');
	const continueOnFail = this.continueOnFail();
	const field = batch.referenceField;
	const thresholds = readItemThresholds(this, items.length);

	if (batch.mode === 'collect') {
		const collected = await collectReferencedJobs(this, runner, { ...batch, endpoints: ['/v1/moderations', '/v1/chat/moderations'] }, (_reference, itemIndex) => {
			const threshold = thresholds[itemIndex];
			return threshold instanceof Error ? threshold : undefined;
		});
		const outcomes = items.map((item, itemIndex): Settled<ModeratedItem> => {
			const reference = collected.references[itemIndex];
			if (!reference) return { ok: false, error: collected.problems[itemIndex] };
			const asSubmitted = { ...settings, model: typeof reference.model === 'string' ? reference.model : settings.model };
			return resultOf(this, collected.results, reference.parts[0], itemIndex, thresholds[itemIndex] as Thresholds, asSubmitted, withoutReference(item.json, field));
		});
		return routeOutputs(this, outcomes, settings);
	}

	const slots = readSlots(this, items, settings.input);
	const problems = items.map((_item, itemIndex) => {
		const slot = slots[itemIndex];
		const threshold = thresholds[itemIndex];
		return slot instanceof Error ? slot : threshold instanceof Error && batch.mode === 'wait' ? threshold : undefined;
	});
	const firstProblem = problems.findIndex((problem) => problem !== undefined);
	if (firstProblem !== -1 && !continueOnFail) throw stopError(this, problems[firstProblem], firstProblem);

	// The same packing and bodies as realtime, under the budget realtime starts with (nothing to learn from in a job).
	const toSend = slots.filter((slot, itemIndex): slot is ModerationSlot => !(slot instanceof Error) && problems[itemIndex] === undefined);
	const packs = packBatches(toSend, { maxInputs: limits.maxInputs, maxTokens: new TokenCalibration(limits.maxTokens).budget() });
	const jobs = planJobs(packs.map((pack, packIndex) => ({ model: settings.model, pack, customId: String(packIndex) }))).map((job) => ({
		model: job.model,
		requests: job.requests.map((request) => ({ custom_id: request.customId, body: moderationBody(settings, request.pack) })),
		packs: job.requests,
	}));
	const submitted = await submitAndReference(runner, endpointOf(settings.input), jobs, metadataFor(this), batch.timeoutHours);
	const partOf = new Map<number, BatchPart>();
	jobs.forEach((job, jobIndex) => {
		for (const { pack, customId } of job.packs) {
			pack.forEach((slot, index) => partOf.set(slot.itemIndex, { jobId: submitted[jobIndex].id, customId, index, size: pack.length }));
		}
	});
	this.logger.info(`Mistral Moderate: ${toSend.length} input(s) in ${packs.length} request(s), ${submitted.length} batch job(s)`);

	if (batch.mode === 'submit') {
		// Nothing is moderated yet: every item goes to the first output with its reference, for a "Collect Results" node.
		const jobIds = submitted.map((job) => job.id);
		const outcomes: ItemOutcomes = items.map((item, itemIndex) => {
			const problem = problems[itemIndex];
			if (problem) return { ok: false, error: problem };
			const reference: BatchReference = { jobIds, parts: [partOf.get(itemIndex) as BatchPart], model: settings.model, input: settings.input };
			return { ok: true, value: [{ json: { ...item.json, [field]: reference }, pairedItem: { item: itemIndex } }] };
		});
		return [collectOutput(this, outcomes, () => settings.keepInput), []];
	}

	const results = await collectJobs(
		runner,
		submitted.map((job) => job.id),
		{ maxWaitMs: batch.maxWaitMs, cancelOnGiveUp: true },
	);
	const outcomes = items.map((item, itemIndex): Settled<ModeratedItem> => {
		const problem = problems[itemIndex];
		if (problem) return { ok: false, error: problem };
		return resultOf(this, results, partOf.get(itemIndex) as BatchPart, itemIndex, thresholds[itemIndex] as Thresholds, settings, item.json);
	});
	this.logger.debug(`Mistral Moderate (batch): ${items.length} item(s), ${runner.describeStats()}`);
	return routeOutputs(this, outcomes, settings);
}

function resultOf(
	context: IExecuteFunctions,
	results: JobResults,
	part: BatchPart,
	itemIndex: number,
	thresholds: Thresholds,
	settings: ModerateSettings,
	inputJson: IDataObject,
): Settled<ModeratedItem> {
	const answer = partAnswer(context, results, part, itemIndex, settings.model);
	if (!answer.ok) return answer;
	try {
		let answers;
		try {
			answers = readModerationResults(answer.body, part.size ?? 1);
		} catch (error) {
			throw new NodeOperationError(context.getNode(), (error as Error).message, { itemIndex });
		}
		return { ok: true, value: moderatedItem(context, itemIndex, answers[part.index ?? 0], thresholds, settings, inputJson) };
	} catch (error) {
		return { ok: false, error };
	}
}
