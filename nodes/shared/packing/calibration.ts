import type { PackedSlot } from './batching';

/**
 * Learns how the server counts tokens, from what it reports, so the batches not yet packed fill
 * requests to the cap without going over it (pure).
 *
 * The node estimates each text's tokens (estimateText, within about 7% of Mistral's count per kind of
 * text) and packs batches by `tokensOf(slot)`: the estimate times a ratio real/estimated for the
 * slot's shape (what the text is mostly made of), times (1 + SAFETY_MARGIN). One ratio per shape,
 * because a table's sections differ (a CSV section counts a little more than the estimate, a log
 * section a little less), and one ratio for all would pack every section by the heaviest:
 *  - the first batch of a realtime run, sent alone, counts FIRST_BATCH_RATIO (rare words);
 *  - a shape not reported yet counts PRIOR_RATIO (the highest real/estimate ratio measured over the
 *    corpus; less for other alphabets and CJK): what batch mode, which learns nothing before it
 *    submits, packs with throughout;
 *  - a batch whose estimate is at least 90% one shape sets that shape's ratio to the highest it
 *    reported (the rest of the batch counted at the lowest ratio measured, so the shape's is never
 *    under-estimated); smaller batches say little (a few tokens either way) and are ignored;
 *  - a batch that counted more than its shapes' ratios predicted raises the ratio of every shape in
 *    it by that factor, so a mix never overflows twice;
 *  - a refusal for too many tokens does the same with what the server says it counted ("Max is 16384
 *    got 17201"), or else with a guess above the least the refusal implies, growing with refusals in
 *    a row; the refused batch is sent again in pieces under the new ratios;
 *  - with a server that reports no usage (some OpenAI-compatible ones) the prior stays throughout.
 */

/**
 * Real tokens per estimated token assumed for a shape the server has not reported: the highest
 * shape average measured against Mistral's tokenizer (CSV 1.07, JSON 1.07, emoji in text 1.06; the
 * lowest, logs and English prose, 0.93).
 */
export const PRIOR_RATIO = 1.08;
/**
 * Text mostly in other alphabets (Cyrillic, Greek, Arabic...) or in CJK and Hangul: the estimate
 * counts them per character, and Mistral's count stays within 0.97-1.01x of it on every text
 * measured, so they need no more than this.
 */
const LETTER_PRIOR_RATIO = 1.02;
/** The main group of a shape (estimateText: up to three groups, 1-7, most weighty first, then a density 0-15). */
const mainGroupOf = (shape: number) => {
	let main = Math.floor(shape / 16);
	while (main > 7) main = Math.floor(main / 8);
	return main - 1;
};
const priorOf = (shape: number) => (shape >= 0 && (mainGroupOf(shape) === 4 || mainGroupOf(shape) === 5) ? LETTER_PRIOR_RATIO : PRIOR_RATIO);
/**
 * The first batch of a realtime run is sent alone, before anything is known: it is packed for the
 * text the estimate under-counts most (rare words: lorem ipsum counts 1.7x the estimate, Italian
 * 1.33x), so it is not refused, and what it teaches packs every later batch of its shape.
 */
export const FIRST_BATCH_RATIO = 1.75;
/** The lowest real/estimate ratio measured on any kind of text: what the rest of a batch is assumed to count. */
const LOWEST_RATIO = 0.9;
/**
 * Reports are believed within these bounds: the estimate is within 0.9-1.1x of Mistral's count on
 * every kind of text measured, so a server reporting nonsense (a constant, characters, a running
 * total) cannot shrink every batch to one input or inflate it without end; a refusal still raises
 * the ratio past the upper bound when the server insists.
 */
export const RATIO_BOUNDS = { min: 0.5, max: 3 } as const;
/** Headroom kept under the cap: a batch of one shape varies by a percent or two around its ratio. */
export const SAFETY_MARGIN = 0.035;
/**
 * Headroom kept under the cap when the counts are exact (mistral-embed's own vocabulary): only for a
 * server that counts a little differently, which a realtime run then learns and a batch job cannot.
 */
export const EXACT_COUNT_MARGIN = 0.01;
/** A batch teaches its main shape's ratio when that shape makes up this much of its estimate. */
const DOMINANT_SHARE = 0.9;
/**
 * A refusal without figures says the batch counted more than maxTokens: its ratio was above
 * maxTokens / prediction, by how much is unknown. The guess grows with each refusal in a row (5%,
 * 10%, 22%, 48%, ...): small when the batch was a little over, fast when the server's cap is far
 * below the setting.
 */
const rejectionStep = (inARow: number) => 1.05 ** (2 ** Math.min(Math.max(inARow - 1, 0), 5));

export interface CalibrationState {
	/** Highest real/estimated ratio reported for any shape, or undefined before the first usable report. */
	observedRatio?: number;
	/** Ratio learned per shape. */
	ratios: Record<number, number>;
	reports: number;
	rejections: number;
	rejectionsInARow: number;
}

const UNSHAPED = -1;

export interface CalibrationMode {
	/**
	 * Realtime, whose first batch goes alone: pack it as FIRST_BATCH_RATIO says until the first answer.
	 * Batch mode, which learns nothing before it submits, packs by the priors throughout.
	 */
	cautiousStart?: boolean;
	/**
	 * The slots' token counts are the server's own (mistral-embed's vocabulary): every ratio starts at
	 * 1, the first batch needs no caution, and the margin is EXACT_COUNT_MARGIN.
	 */
	exactCounts?: boolean;
}

export class TokenCalibration {
	private readonly ratios = new Map<number, number>();
	private observedRatio?: number;
	private reports = 0;
	private rejections = 0;
	private rejectionsInARow = 0;
	private answers = 0;

	private readonly cautiousStart: boolean;
	private readonly exactCounts: boolean;
	private readonly margin: number;

	/** @param maxTokens the budget per request in the server's tokens (the node's "Max Tokens per Request"). */
	constructor(
		private maxTokens: number,
		mode: CalibrationMode = {},
	) {
		// A budget that is not a positive number would make every batch one input, or none.
		if (!(Number.isFinite(maxTokens) && maxTokens >= 1)) throw new RangeError(`The token budget per request must be a positive number (got ${String(maxTokens)})`);
		this.exactCounts = mode.exactCounts === true;
		this.cautiousStart = mode.cautiousStart === true && !this.exactCounts;
		this.margin = this.exactCounts ? EXACT_COUNT_MARGIN : SAFETY_MARGIN;
	}

	/** Whether the first batch should be answered before the next is packed (what it teaches packs them). */
	get learnsFromFirstAnswer(): boolean {
		return this.cautiousStart;
	}

	/** The cap a batch is packed under, in the server's tokens. */
	get cap(): number {
		return this.maxTokens;
	}

	/** Real tokens per estimated token assumed for a shape, without the margin. */
	ratioOf(shape: number | undefined): number {
		const key = shape ?? UNSHAPED;
		if (this.cautiousStart && this.answers === 0 && this.rejections === 0) return Math.max(FIRST_BATCH_RATIO, this.ratios.get(key) ?? 0);
		return this.ratios.get(key) ?? (this.exactCounts ? 1 : priorOf(key));
	}

	/** The tokens a slot is packed as: its estimate at its shape's ratio, margin included. */
	readonly tokensOf = (slot: PackedSlot): number => slot.estimatedTokens * this.ratioOf(slot.shape) * (1 + this.margin);

	/** Budget in estimated tokens for a text of an unreported shape (what a fixed packing uses). */
	budget(): number {
		return Math.max(1, Math.floor(this.maxTokens / (this.ratioOf(UNSHAPED) * (1 + this.margin))));
	}

	snapshot(): Readonly<CalibrationState> {
		return {
			observedRatio: this.observedRatio,
			ratios: Object.fromEntries(this.ratios),
			reports: this.reports,
			rejections: this.rejections,
			rejectionsInARow: this.rejectionsInARow,
		};
	}

	/** A batch was accepted; the server reported `reported` tokens for it (usage.prompt_tokens). */
	observe(batch: readonly PackedSlot[], reported: unknown): void {
		this.answers++;
		if (typeof reported !== 'number' || !Number.isFinite(reported) || reported <= 0) return;
		const { estimated, byShape } = this.weigh(batch);
		// Small batches say little (a handful of tokens either way) and could not overflow anyway.
		if (estimated <= 0 || estimated < Math.min(512, this.maxTokens / 4)) return;
		this.reports++;
		this.rejectionsInARow = 0;
		const bound = (ratio: number) => Math.min(RATIO_BOUNDS.max, Math.max(RATIO_BOUNDS.min, ratio));
		this.observedRatio = Math.max(this.observedRatio ?? 0, bound(reported / estimated));
		const [main, mainEstimate] = [...byShape].reduce((a, b) => (b[1] > a[1] ? b : a));
		if (mainEstimate >= DOMINANT_SHARE * estimated) {
			// What remains after the rest of the batch, counted at the lowest ratio seen anywhere, is the
			// main shape's (so a little high, never low).
			const ratio = bound((reported - LOWEST_RATIO * (estimated - mainEstimate)) / mainEstimate);
			this.ratios.set(main, this.ratios.has(main) ? Math.max(this.ratios.get(main)!, ratio) : ratio);
		}
		// Predicted again with what was just learned: a mix that still counted more raises all its shapes.
		const now = this.weigh(batch).predicted;
		if (reported > now) this.raise(byShape, Math.min(reported / now, RATIO_BOUNDS.max / this.maxRatioOf(byShape)));
	}

	private maxRatioOf(byShape: Map<number, number>): number {
		return Math.max(...[...byShape.keys()].map((shape) => this.ratioOf(shape)));
	}

	/**
	 * A batch was refused for having too many tokens: its shapes' ratios rise by what the message
	 * says the server counted ("Max is 8192 got 9120", an older Mistral form), or else by a guess
	 * above the least the refusal implies.
	 */
	rejected(batch: readonly PackedSlot[], message = ''): void {
		const { predicted, byShape } = this.weigh(batch);
		if (predicted <= 0) return;
		this.rejections++;
		this.rejectionsInARow++;
		const figures = /max(?:imum)?\D{0,20}(\d+)\D{1,20}got\D{0,5}(\d+)/i.exec(message);
		const serverMax = figures ? Number(figures[1]) : 0;
		const counted = figures ? Number(figures[2]) : 0;
		// A server whose cap is lower than the setting: its cap becomes the budget.
		if (serverMax > 0 && serverMax < this.maxTokens) this.maxTokens = serverMax;
		const factor = counted > 0 ? counted / predicted : (this.maxTokens / predicted) * rejectionStep(this.rejectionsInARow);
		this.raise(byShape, factor);
	}

	private raise(byShape: Map<number, number>, factor: number): void {
		if (!(factor > 1)) return;
		for (const shape of byShape.keys()) this.ratios.set(shape, this.ratioOf(shape) * factor);
	}

	/** A batch's estimate, its prediction at the current ratios (no margin), and its estimate by shape. */
	private weigh(batch: readonly PackedSlot[]): { estimated: number; predicted: number; byShape: Map<number, number> } {
		const byShape = new Map<number, number>();
		let estimated = 0;
		let predicted = 0;
		for (const slot of batch) {
			const shape = slot.shape ?? UNSHAPED;
			estimated += slot.estimatedTokens;
			predicted += slot.estimatedTokens * this.ratioOf(shape);
			byShape.set(shape, (byShape.get(shape) ?? 0) + slot.estimatedTokens);
		}
		return { estimated, predicted, byShape };
	}
}

/** Whether an error message says the request as a whole had too many tokens (not one input). */
export function saysTooManyTokensInRequest(message: string | undefined): boolean {
	if (!message || !/token/i.test(message)) return false;
	if (/\bindex\b|per input|\binput at\b/i.test(message)) return false;
	return /too many tokens|batch|overall|per request|request too large/i.test(message);
}
