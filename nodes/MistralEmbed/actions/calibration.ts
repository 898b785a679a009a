/**
 * Learns how the server counts tokens, from what it reports, so the batches not yet packed fill
 * requests without going over the cap (pure).
 *
 * The node packs batches by its own estimate (estimateTokens). Each response's usage.prompt_tokens
 * against the estimate of that batch gives a ratio real/estimated; the batches packed after it get a
 * budget, in estimated tokens, of maxTokens / (ratio x (1 + margin)). Conservative on purpose:
 *  - the ratio is the highest seen over the execution, never an average, so a batch of a shape
 *    already seen cannot overflow, and rows of a lighter shape only pack a little under the cap;
 *  - until the first report the estimate counts as a little low (PRIOR_RATIO): the estimate is
 *    high for most text, and this covers the few shapes where it is not;
 *  - batches estimated well under the budget are ignored: their ratio is noisy, and they were in no
 *    danger of overflowing;
 *  - a rejection for too many tokens raises the ratio at once, to what the server says it counted
 *    when its message gives the figure ("Max is 16384 got 17201"), or by a growing step otherwise;
 *    the refused batch is sent again in pieces that fit the new budget;
 *  - a server that reports no usage (some OpenAI-compatible ones) leaves the estimate as it is.
 */

/** Real tokens per estimated token assumed before the server has reported anything. */
export const PRIOR_RATIO = 1.1;
/** Headroom kept under the budget once calibrated. */
export const SAFETY_MARGIN = 0.03;
/**
 * How much the n-th rejection without figures raises the ratio: 1.1, 1.21, 1.46, 2.14, ... small
 * at first (Mistral's cap is the setting's, so the batch was only a little over), growing when the
 * server's cap is far below the setting.
 */
const rejectionStep = (rejections: number) => 1.1 ** (2 ** Math.min(Math.max(rejections - 1, 0), 4));

export interface CalibrationState {
	/** Highest real/estimated ratio seen, or undefined before the first usable report. */
	observedRatio?: number;
	reports: number;
	rejections: number;
}

export class TokenCalibration {
	private state: CalibrationState = { reports: 0, rejections: 0 };

	/** @param maxTokens the budget per request in the server's tokens (the node's "Max Tokens per Request"). */
	constructor(private maxTokens: number) {}

	/** The ratio packing uses now: real tokens per estimated token, margin included. */
	get ratio(): number {
		const observed = this.state.observedRatio;
		return observed === undefined ? PRIOR_RATIO : observed * (1 + SAFETY_MARGIN);
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
		this.raise(reported / estimated);
	}

	/**
	 * A batch estimated at `estimated` tokens was refused for having too many tokens: the ratio
	 * rises to what the message says the server counted, or else by a step above both the ratio in
	 * use and the one the refusal implies (the server counted more than maxTokens).
	 */
	rejected(estimated: number, message = ''): void {
		if (estimated <= 0) return;
		this.state.rejections++;
		const figures = /max(?:imum)?\D{0,20}(\d+)\D{1,20}got\D{0,5}(\d+)/i.exec(message);
		const counted = figures ? Number(figures[2]) : undefined;
		const serverMax = figures ? Number(figures[1]) : undefined;
		// A server whose cap is lower than the setting: its cap becomes the budget.
		if (serverMax !== undefined && serverMax > 0 && serverMax < this.maxTokens) this.maxTokens = serverMax;
		if (counted !== undefined && counted > 0) this.raise(counted / estimated);
		else this.raise(Math.max(this.maxTokens / estimated, this.ratio) * rejectionStep(this.state.rejections));
	}

	private raise(ratio: number): void {
		const observed = this.state.observedRatio;
		this.state.observedRatio = observed === undefined ? ratio : Math.max(observed, ratio);
	}
}

/** Whether an error message says the request as a whole had too many tokens (not one input). */
export function saysTooManyTokensInRequest(message: string | undefined): boolean {
	if (!message || !/token/i.test(message)) return false;
	if (/\bindex\b|per input|\binput at\b/i.test(message)) return false;
	return /too many tokens|batch|overall|per request|request too large/i.test(message);
}
