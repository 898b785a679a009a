/** What packing needs of an input: its estimated token count (texts to embed, texts to moderate). */
export interface PackedSlot {
	estimatedTokens: number;
	/** What the text is mostly made of (estimateText): the calibration learns one ratio per shape. */
	shape?: number;
}

export interface BatchLimits {
	maxInputs: number;
	maxTokens: number;
	/** The tokens a slot is packed as (the calibration's tokensOf); its estimate when not given. */
	tokensOf?: (slot: PackedSlot) => number;
	/**
	 * An input counted over this goes in a request of its own (Mistral refuses an embeddings input
	 * over 8,192 tokens): refused, it fails alone, and no batch of good inputs is refused and split
	 * because of it.
	 */
	maxTokensPerInput?: number;
}

const estimateOf = (slot: PackedSlot) => slot.estimatedTokens;

/** How many inputs that do not fit the budget a batch may pass over to fill itself with later ones. */
const LOOKAHEAD = 32;

/**
 * Hands out inputs as batches, one at a time, each packed when it is about to be sent: so a batch
 * packed later can use a budget learned from the answers to earlier ones (pure). A batch starts at
 * the first input not yet sent and may pass over a few that would overflow it to take smaller ones
 * after them (answers are matched to inputs, so order within and across requests does not matter).
 */
export class BatchQueue<S extends PackedSlot> {
	private position = 0;
	private readonly taken: Uint8Array;

	constructor(private readonly slots: readonly S[]) {
		this.taken = new Uint8Array(slots.length);
	}

	/**
	 * The next inputs within both limits, or undefined when none are left. An input estimated over
	 * the budget on its own still gets a batch of its own: the server has the final word. Never an
	 * empty batch: every call takes at least one input, so a loop over take() always ends.
	 */
	take(limits: BatchLimits): S[] | undefined {
		const maxInputs = Math.floor(limits.maxInputs);
		if (!(maxInputs >= 1)) throw new RangeError(`A batch must hold at least one input (got a limit of ${String(limits.maxInputs)})`);
		while (this.position < this.slots.length && this.taken[this.position]) this.position++;
		if (this.position >= this.slots.length) return undefined;
		const batch: S[] = [];
		const tokensOf = limits.tokensOf ?? estimateOf;
		let tokens = 0;
		let passed = 0;
		for (let i = this.position; i < this.slots.length && batch.length < maxInputs && passed < LOOKAHEAD; i++) {
			if (this.taken[i]) continue;
			const slot = this.slots[i];
			const slotTokens = tokensOf(slot);
			if (limits.maxTokensPerInput !== undefined && slotTokens > limits.maxTokensPerInput) {
				if (batch.length > 0) {
					passed++;
					continue;
				}
				this.taken[i] = 1;
				return [slot];
			}
			if (batch.length > 0 && tokens + slotTokens > limits.maxTokens) {
				passed++;
				continue;
			}
			batch.push(slot);
			tokens += slotTokens;
			this.taken[i] = 1;
		}
		return batch;
	}
}

/** All batches at once, under fixed limits (what BatchQueue gives when the limits never change). */
export function packBatches<S extends PackedSlot>(slots: readonly S[], limits: BatchLimits): S[][] {
	const queue = new BatchQueue(slots);
	const batches: S[][] = [];
	// Ends: each take() marks at least one more input taken (or gives undefined).
	for (let batch = queue.take(limits); batch; batch = queue.take(limits)) batches.push(batch);
	return batches;
}

export const estimatedTokensOf = (batch: readonly PackedSlot[]) => batch.reduce((sum, slot) => sum + slot.estimatedTokens, 0);

export function halve<T>(batch: readonly T[]): [T[], T[]] {
	if (batch.length < 2) throw new RangeError(`Only a batch of two or more inputs can be halved (got ${batch.length})`);
	const middle = Math.ceil(batch.length / 2);
	return [batch.slice(0, middle), batch.slice(middle)];
}

/**
 * A batch refused for too many tokens, cut again under the budget learned from the refusal: into
 * pieces that each fit it, and never fewer than two.
 */
export function splitUnderBudget<S extends PackedSlot>(batch: readonly S[], maxTokens: number, tokensOf?: (slot: PackedSlot) => number): S[][] {
	const pieces = packBatches(batch, { maxInputs: batch.length, maxTokens, tokensOf });
	return pieces.length >= 2 ? pieces : halve(batch);
}

/** Mistral rejects an embeddings input over this many tokens. */
export const MISTRAL_MAX_TOKENS_PER_INPUT = 8192;

/**
 * The realtime packing for batch jobs, by the counts alone (a job learns nothing before it is
 * submitted: pass the calibration's prior `tokensOf`), a text over Mistral's per-input limit in a
 * request of its own: in a job nothing bisects a rejected request, so a text Mistral rejects must
 * fail alone.
 */
export function packForBatch<S extends PackedSlot>(slots: readonly S[], limits: BatchLimits): S[][] {
	return packBatches(slots, { ...limits, maxTokensPerInput: MISTRAL_MAX_TOKENS_PER_INPUT });
}
