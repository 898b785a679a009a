/**
 * Where the model's tokenizer is known (mistral-embed), texts are packed by their exact token counts
 * instead of the estimate (pure): a batch job, which cannot learn from answers before it is submitted,
 * then fills each request to the cap, and a realtime run needs no first answer to do so.
 */
import type { BatchLimits } from '../packing/batching';
import { countsWithMistralEmbedVocabulary, mistralEmbedTokens } from '../packing/mistralEmbedTokens';
import type { EmbedSlot } from './inputs';

/**
 * Whether token counts can decide how these texts are packed: at twice their estimate, a batch of
 * Batch Size average texts would reach the token cap. When not (10,000 short rows), requests are cut
 * by the number of inputs and counting exactly would only cost time.
 */
export function packedByTokens(slots: readonly EmbedSlot[], limits: BatchLimits): boolean {
	let estimated = 0;
	for (const slot of slots) estimated += slot.estimatedTokens;
	return slots.length > 0 && (2 * estimated * Math.min(limits.maxInputs, slots.length)) / slots.length >= limits.maxTokens;
}

/**
 * Replaces each slot's estimate by the model's exact count when its vocabulary is known; says whether
 * it did (the calibration is then told the counts are exact).
 */
export function countExactly(slots: readonly EmbedSlot[], model: string): boolean {
	if (!countsWithMistralEmbedVocabulary(model)) return false;
	for (const slot of slots) slot.estimatedTokens = mistralEmbedTokens(slot.text);
	return true;
}
