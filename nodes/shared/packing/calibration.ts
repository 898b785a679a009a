/**
 * Learns how the server counts tokens, from what it reports, so the batches not yet packed fill
 * requests without going over the cap (pure).
 *
 * The node packs batches by its own estimate (estimateTokens). Each response's usage.prompt_tokens
 * against the estimate of that batch gives a ratio real/estimated; the batches packed after it get a
 * budget, in estimated tokens, of maxTokens / (ratio x (1 + margin)). Conservative on purpose:
 *  - the ratio is the highest seen over the execution, never an average, so a batch of a shape
 *    already seen does not overflow (within the margin), and rows of a lighter shape pack a little
 *    under the cap;
 *  - until the first report the estimate counts as low (PRIOR_RATIO, and the margin): the estimate
 *    is high for most text, and this covers the shapes where it is not;
 *  - batches estimated well under the budget are ignored: their ratio is noisy, and they were in no
 *    danger of overflowing;
 *  - a refusal for too many tokens raises the ratio at once, to what the server says it counted
 *    when its message gives the figure ("Max is 16384 got 17201"), or otherwise above the least the
 *    refusal implies (maxTokens / that batch's estimate), by a guess that grows with refusals in a
 *    row; reports never lower it again. The refused batch is sent again in pieces under the new
 *    budget;
 *  - with a server that reports no usage (some OpenAI-compatible ones) the prior stays throughout.
 */

/**
 * Real tokens per estimated token assumed before the server has reported anything: only the first
 * batch is packed with it (the others wait for its report). The estimate is high for most text but
 * about 20% low for rare words (lorem ipsum, names, identifiers); this covers them.
 */
export const PRIOR_RATIO = 1.3;
/**
 * Reports are believed within these bounds: no tokenizer counts a quarter of the estimate or four
 * times it (measured: 0.64-1.0 for mistral-embed), so a server reporting nonsense (a constant,
 * characters, a running total) cannot shrink every batch to one input or inflate it without end;
 * a refusal still raises the ratio past the upper bound when the server insists.
 */
export const RATIO_BOUNDS = { min: 0.4, max: 4 } as const;
/** Headroom kept under the budget once calibrated. */
export const SAFETY_MARGIN = 0.03;
/**
 * A refusal without figures says the batch counted more than maxTokens: its ratio was above
 * maxTokens / estimate, by how much is unknown. The guess grows with each refusal in a row (5%,
 * 10%, 22%, 48%, ...): small when the batch was a little over, fast when the server's cap is far
 * below the setting.
 */
const rejectionStep = (inARow: number) => 1.05 ** (2 ** Math.min(Math.max(inARow - 1, 0), 5));

export interface CalibrationState {
	/** Highest real/estimated ratio the server reported, or undefined before the first usable report. */
	observedRatio?: number;
	/** Lowest ratio the refusals imply. */
	refusedRatio?: number;
	reports: number;
	rejections: number;
	rejectionsInARow: number;
}

export class TokenCalibration {
	private state: CalibrationState = { reports: 0, rejections: 0, rejectionsInARow: 0 };

	/** @param maxTokens the budget per request in the server's tokens (the node's "Max Tokens per Request"). */
	constructor(private maxTokens: number) {
		// A budget that is not a positive number would make every batch one input, or none.
		if (!(Number.isFinite(maxTokens) && maxTokens >= 1)) throw new RangeError(`The token budget per request must be a positive number (got ${String(maxTokens)})`);
	}

	/** The ratio packing uses now: real tokens per estimated token, margin included. */
	get ratio(): number {
		const { observedRatio, refusedRatio } = this.state;
		return Math.max(observedRatio ?? PRIOR_RATIO, refusedRatio ?? 0) * (1 + SAFETY_MARGIN);
	}

	/** Budget for the next batch, in estimated tokens. */
	budget(): number {
		return Math.max(1, Math.floor(this.maxTokens / this.ratio));
	}

	snapshot(): Readonly<CalibrationState> {
		return { ...this.state };
	}

	/** A batch estimated at `estimated` tokens was accepted; the server reported `reported` (usage.prompt_tokens). */
	observe(estimated: number, reported: unknown): void {
		if (typeof reported !== 'number' || !Number.isFinite(reported) || reported <= 0 || estimated <= 0) return;
		// Small batches say little (a handful of tokens either way) and could not overflow anyway.
		if (estimated < Math.min(512, this.budget() / 4)) return;
		this.state.reports++;
		this.state.rejectionsInARow = 0;
		const ratio = Math.min(RATIO_BOUNDS.max, Math.max(RATIO_BOUNDS.min, reported / estimated));
		this.state.observedRatio = Math.max(this.state.observedRatio ?? 0, ratio);
	}

	/**
	 * A batch estimated at `estimated` tokens was refused for having too many tokens: the ratio
	 * rises to what the message says the server counted ("Max is 8192 got 9120", an older Mistral
	 * form), or else to a guess above the least the refusal implies.
	 */
	rejected(estimated: number, message = ''): void {
		if (estimated <= 0) return;
		this.state.rejections++;
		this.state.rejectionsInARow++;
		const figures = /max(?:imum)?\D{0,20}(\d+)\D{1,20}got\D{0,5}(\d+)/i.exec(message);
		const serverMax = figures ? Number(figures[1]) : 0;
		const counted = figures ? Number(figures[2]) : 0;
		// A server whose cap is lower than the setting: its cap becomes the budget.
		if (serverMax > 0 && serverMax < this.maxTokens) this.maxTokens = serverMax;
		const implied = counted > 0 ? counted / estimated : (this.maxTokens / estimated) * rejectionStep(this.state.rejectionsInARow);
		this.state.refusedRatio = Math.max(this.state.refusedRatio ?? 0, implied);
	}
}
/** Whether an error message says the request as a whole had too many tokens (not one input). */
export function saysTooManyTokensInRequest(message: string | undefined): boolean {
	if (!message || !/token/i.test(message)) return false;
	if (/\bindex\b|per input|\binput at\b/i.test(message)) return false;
	return /too many tokens|batch|overall|per request|request too large/i.test(message);
}
