/** The one send-and-split loop of the package (pure: each caller sends and reads its own requests). */
import { settlePulled, type Settled } from '../concurrency';
import { failureInfoOf, type FailureInfo } from '../transport/failureInfo';
import { BatchQueue, halve, type PackedSlot, splitUnderBudget } from './batching';
import { saysTooManyTokensInRequest, type TokenCalibration } from './calibration';

/**
 * Whether a rejected batch may be the fault of one of its inputs (too long, empty, invalid) rather
 * than of the request as a whole (model, dimension, key). Only then is it worth splitting.
 */
export function blamesAnInput(info: FailureInfo | undefined): boolean {
	if (info?.kind !== 'http' || (info.status !== 400 && info.status !== 422)) return false;
	if (info.fields && info.fields.length > 0) return info.fields.every((field) => field === 'input' || field.startsWith('input.'));
	if (info.type === 'invalid_model' || info.code === '1500') return false;
	const said = info.message ?? '';
	if (/model/i.test(said) && !/token/i.test(said)) return false;
	return /input|token|batch|empty|too (long|large|many)/i.test(said);
}

/**
 * How far splitting refused batches may go in one run. Isolating one bad text in a batch of 128 takes
 * about 14 requests; a server that refuses every list would otherwise turn n texts into 2n requests.
 * Splitting stops when `requests` split requests were sent, or when the first `fruitlessSingles` texts
 * that splitting isolated were all refused and no split piece was ever accepted: the server then
 * refuses everything, and the batches left fail whole, with the server's error.
 */
export const SPLIT_LIMITS = { requests: 128, fruitlessSingles: 8 } as const;

export interface SendPackedOptions<S extends PackedSlot, A> {
	/** Sends one batch (one request) and gives the server's answer. */
	send: (batch: S[]) => Promise<unknown>;
	/** The batch's answers, one per input in the batch's order; throws when the answer is unusable. */
	read: (response: unknown, batch: S[]) => A[];
	calibration: TokenCalibration;
	maxInputs: number;
	/** An input counted over this goes in a request of its own (BatchLimits.maxTokensPerInput). */
	maxTokensPerInput?: number;
	maxConcurrency: number;
	/** No new batch starts after a failure (a node without Continue On Fail, a vector store). */
	stopOnError: boolean;
	onAnswers: (batch: S[], answers: A[], usage: Record<string, unknown> | undefined) => void;
	/** An input the server rejects on its own, or a batch whose answer is unusable. May throw to stop. */
	onFailure: (batch: S[], error: unknown, cause: 'input' | 'response') => void;
}

/**
 * Sends `slots` in batches packed as they are sent, under a token budget the calibration learns from
 * the server's token counts (embeddings, moderation). Until the server has reported a count, the
 * first batch goes alone. A batch refused for too many tokens is cut again under the learned budget;
 * one refused because of an input is halved until that input stands alone, within SPLIT_LIMITS.
 * Errors that blame the request as a whole are thrown.
 */
export async function sendPacked<S extends PackedSlot, A>(
	slots: readonly S[],
	options: SendPackedOptions<S, A>,
): Promise<{ batches: S[][]; outcomes: Array<Settled<void>> }> {
	const { calibration } = options;
	const splitting = { requests: 0, accepted: 0, refusedAlone: 0 };
	const maySplit = () =>
		splitting.requests < SPLIT_LIMITS.requests && !(splitting.accepted === 0 && splitting.refusedAlone >= SPLIT_LIMITS.fruitlessSingles);
	/** The pieces of a refused batch, one after the other, while the split budget lasts; the rest fail with the refusal. */
	const sendPieces = async (pieces: S[][], refusal: unknown) => {
		for (const piece of pieces) {
			if (maySplit()) await sendOne(piece, true);
			else options.onFailure(piece, notSplitFurther(refusal, splitting), 'input');
		}
	};
	const sendOne = async (batch: S[], fromSplit = false): Promise<void> => {
		if (batch.length === 0) return;
		if (fromSplit) splitting.requests++;
		let response: unknown;
		try {
			response = await options.send(batch);
		} catch (error) {
			const info = failureInfoOf(error);
			if (!blamesAnInput(info)) throw error as Error;
			if (batch.length === 1) {
				if (fromSplit) splitting.refusedAlone++;
				return options.onFailure(batch, error, 'input');
			}
			if (!maySplit()) return options.onFailure(batch, notSplitFurther(error, splitting), 'input');
			if (saysTooManyTokensInRequest(info?.message)) {
				calibration.rejected(batch, info?.message);
				return await sendPieces(splitUnderBudget(batch, calibration.cap, calibration.tokensOf), error);
			}
			return await sendPieces(halve(batch), error);
		}
		if (fromSplit) splitting.accepted++;
		let answers: A[];
		try {
			answers = options.read(response, batch);
		} catch (error) {
			return options.onFailure(batch, error, 'response');
		}
		const usage = (response as { usage?: Record<string, unknown> } | null)?.usage;
		calibration.observe(batch, usage?.prompt_tokens ?? usage?.total_tokens);
		options.onAnswers(batch, answers, usage);
	};

	const queue = new BatchQueue(slots);
	const nextBatch = () =>
		queue.take({ maxInputs: options.maxInputs, maxTokens: calibration.cap, tokensOf: calibration.tokensOf, maxTokensPerInput: options.maxTokensPerInput });
	let firstAnswered: Promise<void> | undefined;
	const sendCalibrating = (batch: S[]) => {
		const done = sendOne(batch);
		if (calibration.learnsFromFirstAnswer && calibration.snapshot().reports === 0) {
			firstAnswered ??= done.then(
				() => undefined,
				() => undefined,
			);
		}
		return done;
	};
	const { inputs: batches, results: outcomes } = await settlePulled(nextBatch, options.maxConcurrency, sendCalibrating, options.stopOnError, async () => {
		await firstAnswered;
	});
	return { batches, outcomes };
}

const NOT_SPLIT_FURTHER = 'this batch was not split further';

/** The server's refusal of a whole batch, saying why it was not split to find the text at fault. */
function notSplitFurther(error: unknown, splitting: { requests: number; accepted: number }): unknown {
	if (error instanceof Error && !error.message.includes(NOT_SPLIT_FURTHER)) {
		const why =
			splitting.accepted === 0
				? `the server refused every piece of the batches split before (${splitting.requests} request(s)), so it seems to refuse every request`
				: `${splitting.requests} request(s) were already spent splitting refused batches`;
		error.message = `${error.message} (${NOT_SPLIT_FURTHER} to find the text at fault: ${why}; check the texts, Batch Size and the server)`;
	}
	return error;
}
