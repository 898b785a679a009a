import type { EmbedSlot } from './inputs';

export interface BatchLimits {
	maxInputs: number;
	maxTokens: number;
}

/**
 * Packs consecutive inputs into requests that respect both the input count and the token budget
 * (pure). An input estimated over the budget on its own still gets a request of its own: the
 * estimate is high on purpose, and the server has the final word.
 */
export function packBatches(slots: readonly EmbedSlot[], limits: BatchLimits): EmbedSlot[][] {
	const batches: EmbedSlot[][] = [];
	let current: EmbedSlot[] = [];
	let tokens = 0;
	for (const slot of slots) {
		const full = current.length >= limits.maxInputs || (current.length > 0 && tokens + slot.estimatedTokens > limits.maxTokens);
		if (full) {
			batches.push(current);
			current = [];
			tokens = 0;
		}
		current.push(slot);
		tokens += slot.estimatedTokens;
	}
	if (current.length > 0) batches.push(current);
	return batches;
}

export function halve<T>(batch: readonly T[]): [T[], T[]] {
	const middle = Math.ceil(batch.length / 2);
	return [batch.slice(0, middle), batch.slice(middle)];
}
