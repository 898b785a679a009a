import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { isBatchProcessing } from '../../shared/batch/parameters';
import { readTransportOptions } from '../../shared/commonOptions';
import type { Settled } from '../../shared/concurrency';
import { stopError } from '../../shared/itemResults';
import { BATCH_PARAMETERS, checkNodeOptions, TRANSPORT_OPTIONS } from '../../shared/nodeOptions';
import { type ModerationResult, readModerationResults } from '../../shared/moderation/answers';
import type { ModerationSlot } from '../../shared/moderation/inputs';
import type { Thresholds } from '../../shared/moderation/thresholds';
import { TokenCalibration } from '../../shared/packing/calibration';
import { sendPacked } from '../../shared/packing/sendPacked';
import { describeStats, MistralClient } from '../../shared/transport/client';
import { DEFAULT_MODERATE_CONCURRENCY, DEFAULT_MODERATE_TIMEOUT_S } from '../description';
import { executeModerateBatch } from './batch';
import {
	type ModeratedItem,
	moderatedItem,
	moderationBody,
	moderationPath,
	readItemThresholds,
	readModerateSettings,
	readSlots,
	routeOutputs,
} from './items';

export async function executeModerate(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	// Checked against the option table before any request: a word or an absurd value is an error, not a default.
	checkNodeOptions(this, 0, BATCH_PARAMETERS, [...TRANSPORT_OPTIONS, 'batchSize', 'maxTokensPerRequest']);
	if (isBatchProcessing(this)) return await executeModerateBatch.call(this);
	const items = this.getInputData();
	const options = (this.getNodeParameter('options', 0, {}) as IDataObject) ?? {};
	const transport = readTransportOptions(options, DEFAULT_MODERATE_CONCURRENCY, DEFAULT_MODERATE_TIMEOUT_S);
	const { settings, limits } = readModerateSettings(this, options);
	const continueOnFail = this.continueOnFail();

	const slots = readSlots(this, items, settings.input);
	const thresholds = readItemThresholds(this, items.length);
	const problems = items.map((_item, itemIndex) => {
		const slot = slots[itemIndex];
		const threshold = thresholds[itemIndex];
		return slot instanceof Error ? slot : threshold instanceof Error ? threshold : undefined;
	});
	const firstProblem = problems.findIndex((problem) => problem !== undefined);
	// Before any request is sent, in the form every other stop error takes.
	if (firstProblem !== -1 && !continueOnFail) throw stopError(this, problems[firstProblem], firstProblem);

	const toSend = slots.filter((slot, itemIndex): slot is ModerationSlot => !(slot instanceof Error) && problems[itemIndex] === undefined);
	const results = new Map<ModerationSlot, { result?: ModerationResult; error?: unknown }>();
	const client = new MistralClient(this, transport);
	const calibration = new TokenCalibration(limits.maxTokens);
	const failForGood = (batch: ModerationSlot[], error: unknown): void => {
		for (const slot of batch) results.set(slot, { error });
		if (!continueOnFail) throw error as Error;
	};
	const { batches, outcomes: batchOutcomes } = await sendPacked(toSend, {
		send: async (batch) =>
			// A classification, cheap to send twice like embeddings: a 502 is retried as a 503 is.
			await client.post(moderationPath(settings.input), moderationBody(settings, batch), { model: settings.model, repeatable: true }, batch.length === 1 ? batch[0].itemIndex : undefined),
		read: (response, batch) => readModerationResults(response, batch.length),
		calibration,
		maxInputs: limits.maxInputs,
		maxConcurrency: transport.maxConcurrency,
		stopOnError: !continueOnFail,
		onAnswers: (batch, answers) => batch.forEach((slot, position) => results.set(slot, { result: answers[position] })),
		onFailure: (batch, error, cause) =>
			failForGood(batch, cause === 'input' ? error : new NodeOperationError(this.getNode(), (error as Error).message, { itemIndex: batch[0].itemIndex })),
	});
	batchOutcomes.forEach((outcome, batchIndex) => {
		if (outcome && !outcome.ok) for (const slot of batches[batchIndex]) if (!results.has(slot)) results.set(slot, { error: outcome.error });
	});
	this.logger.debug(`Mistral Moderate: ${toSend.length} input(s) in ${batches.length} request(s), ${describeStats(client.stats)}`);

	const outcomes: Array<Settled<ModeratedItem>> = items.map((item, itemIndex) => {
		const problem = problems[itemIndex];
		if (problem) return { ok: false, error: problem };
		const slot = slots[itemIndex] as ModerationSlot;
		const answer = results.get(slot);
		if (!answer || answer.error !== undefined || !answer.result) {
			return { ok: false, error: answer?.error ?? new NodeOperationError(this.getNode(), 'No moderation result was returned', { itemIndex }) };
		}
		try {
			return { ok: true, value: moderatedItem(this, itemIndex, answer.result, thresholds[itemIndex] as Thresholds, settings, item.json) };
		} catch (error) {
			return { ok: false, error };
		}
	});
	return routeOutputs(this, outcomes, settings);
}
