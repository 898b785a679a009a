import type { EmbedSlot } from './inputs';

export interface BatchLimits {
	maxInputs: number;
	maxTokens: number;
}

/**
 * Hands out consecutive inputs as batches, one at a time, each packed when it is about to be sent:
 * so a batch packed later can use a budget learned from the answers to earlier ones (pure).
 */
export class BatchQueue {
	private position = 0;

	constructor(private readonly slots: readonly EmbedSlot[]) {}

	/**
	 * The next inputs within both limits, or undefined when none are left. An input estimated over
	 * the budget on its own still gets a batch of its own: the server has the final word.
	 */
	take(limits: BatchLimits): EmbedSlot[] | undefined {
		if (this.position >= this.slots.length) return undefined;
		const batch: EmbedSlot[] = [];
		let tokens = 0;
		while (this.position < this.slots.length && batch.length < limits.maxInputs) {
			const slot = this.slots[this.position];
			if (batch.length > 0 && tokens + slot.estimatedTokens > limits.maxTokens) break;
			batch.push(slot);
			tokens += slot.estimatedTokens;
			this.position++;
		}
		return batch;
	}
}

/** All batches at once, under fixed limits (what BatchQueue gives when the limits never change). */
export function packBatches(slots: readonly EmbedSlot[], limits: BatchLimits): EmbedSlot[][] {
	const queue = new BatchQueue(slots);
	const batches: EmbedSlot[][] = [];
	for (let batch = queue.take(limits); batch; batch = queue.take(limits)) batches.push(batch);
	return batches;
}

export const estimatedTokensOf = (batch: readonly EmbedSlot[]) => batch.reduce((sum, slot) => sum + slot.estimatedTokens, 0);

export function halve<T>(batch: readonly T[]): [T[], T[]] {
	const middle = Math.ceil(batch.length / 2);
	return [batch.slice(0, middle), batch.slice(middle)];
}

/**
 * A batch refused for too many tokens, cut again under the budget learned from the refusal: into
 * pieces that each fit it, and never fewer than two.
 */
export function splitUnderBudget(batch: readonly EmbedSlot[], maxTokens: number): EmbedSlot[][] {
	const pieces = packBatches(batch, { maxInputs: batch.length, maxTokens });
	return pieces.length >= 2 ? pieces : halve(batch);
}
