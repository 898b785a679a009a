/** Mistral Embed in realtime mode: the items' texts packed into token-aware requests, sent in parallel. */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { readTransportOptions } from '../../shared/commonOptions';
import { embedSlots } from '../../shared/embeddings/embedSlots';
import type { EmbedSlot } from '../../shared/embeddings/inputs';
import { countExactly, packedByTokens } from '../../shared/embeddings/tokenCounts';
import { DEFAULT_EMBED_CONCURRENCY, DEFAULT_EMBED_TIMEOUT_S, embeddingsRequestBody, withoutBatchPosition } from '../../shared/embeddings/settings';
import { UNUSABLE_ANSWER_FIX } from '../../shared/embeddings/vectors';
import { collectOutput, itemError } from '../../shared/itemResults';
import { TokenCalibration } from '../../shared/packing/calibration';
import { describeStats, MistralClient } from '../../shared/transport/client';
import { embedItemOutcomes, readEmbedSettings, readItemInputs, type SlotResult, slotsOf } from './items';

export async function executeEmbedRealtime(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const options = (this.getNodeParameter('options', 0, {}) as IDataObject) ?? {};
	const transport = readTransportOptions(options, DEFAULT_EMBED_CONCURRENCY, DEFAULT_EMBED_TIMEOUT_S);
	const client = new MistralClient(this, transport);
	const { settings, limits } = readEmbedSettings(this, options);
	const inputs = readItemInputs(this, items);
	const continueOnFail = this.continueOnFail();

	const slots: EmbedSlot[] = inputs.flatMap(slotsOf);
	const results = new Map<EmbedSlot, SlotResult>();
	// Batches are packed as they are sent, with a budget learned from the server's token counts.
	// Texts cut by Batch Size rather than by tokens need no count, and no first answer to learn from.
	const byTokens = packedByTokens(slots, limits);
	const exactCounts = byTokens && countExactly(slots, settings.model);
	const calibration = new TokenCalibration(limits.maxTokens, { cautiousStart: byTokens, exactCounts });
	/**
	 * Records a failure that no retry or split will undo. Without Continue On Fail the node is going
	 * to stop, so it throws: the pool then starts no new batch, and this batch sends no more halves.
	 */
	const failForGood = (slots: EmbedSlot[], error: unknown): void => {
		for (const slot of slots) results.set(slot, { error });
		if (!continueOnFail) throw error as Error;
	};
	const { batches, outcomes: batchOutcomes } = await embedSlots(slots, {
		client,
		model: settings.model,
		dtype: settings.dtype,
		body: (texts) => embeddingsRequestBody(settings, texts),
		calibration,
		maxInputs: limits.maxInputs,
		maxConcurrency: transport.maxConcurrency,
		stopOnError: !continueOnFail,
		itemIndexOf: (slot) => slot.itemIndex,
		onVectors: (batch, vectors, usage) => batch.forEach((slot, position) => results.set(slot, { vector: vectors[position], usage })),
		onFailure: (batch, error, cause) =>
			failForGood(batch, cause === 'input' ? withoutBatchPosition(error) : itemError(this.getNode(), error, batch[0].itemIndex, UNUSABLE_ANSWER_FIX)),
	});
	const learned = calibration.snapshot();
	this.logger.debug(
		`Mistral Embed: ${slots.length} text(s) in ${batches.length} batch(es), token ratio ${learned.observedRatio?.toFixed(3) ?? 'not reported'} (${learned.rejections} rejected for tokens), ${describeStats(client.stats)}`,
	);
	batchOutcomes.forEach((outcome, batchIndex) => {
		if (outcome && !outcome.ok) for (const slot of batches[batchIndex]) if (!results.has(slot)) results.set(slot, { error: outcome.error });
	});

	const keepInput = this.getNodeParameter('includeInputFields', 0, true) as boolean;
	const itemOutcomes = embedItemOutcomes(this, inputs, results, settings.model, options, (itemIndex) => items[itemIndex].json);
	return [collectOutput(this, itemOutcomes, () => keepInput)];
}
