/**
 * Sends embeddings requests and splits the refused ones (pure: the client and the reading of its
 * errors are passed in). Used by Mistral Embed in realtime mode and by Mistral Embeddings.
 */
import { settlePulled, type Settled } from '../concurrency';
import { saysTooManyTokensInRequest, type TokenCalibration } from './calibration';
import type { EmbedSlot } from './inputs';
import { BatchQueue, estimatedTokensOf, halve, splitUnderBudget } from './packing';
import { type Dtype, vectorsByIndex } from './vectors';

type Usage = Record<string, unknown>;

/** What the transport learned about a refused request (MistralClient's FailureInfo, failureInfoOf). */
export interface RequestFailure {
	kind: string;
	status?: number;
	code?: string;
	type?: string;
	message?: string;
	/** Request fields a 422 names, e.g. "input.3". */
	fields?: string[];
}

/** The one call this module makes (MistralClient.post). */
export interface EmbeddingsSender {
	post(path: string, body: Record<string, unknown>, meta: { model?: string; repeatable?: boolean }, itemIndex?: number): Promise<unknown>;
}

/**
 * Whether a rejected batch may be the fault of one of its inputs (too long, empty, invalid) rather
 * than of the request as a whole (model, dimension, key). Only then is it worth splitting.
 */
export function blamesAnInput(info: RequestFailure | undefined): boolean {
	if (info?.kind !== 'http' || (info.status !== 400 && info.status !== 422)) return false;
	if (info.fields && info.fields.length > 0) return info.fields.every((field) => field === 'input' || field.startsWith('input.'));
	if (info.type === 'invalid_model' || info.code === '1500') return false;
	const said = info.message ?? '';
	if (/model/i.test(said) && !/token/i.test(said)) return false;
	return /input|token|batch|empty|too (long|large|many)/i.test(said);
}

export interface SendAndSplitOptions {
	client: EmbeddingsSender;
	/** What a failed request's error says (failureInfoOf for MistralClient's errors). */
	failureOf: (error: unknown) => RequestFailure | undefined;
	model: string;
	dtype: Dtype;
	/** The request body for these texts (one builder per node, shared with batch mode). */
	body: (texts: string[]) => Record<string, unknown>;
	calibration: TokenCalibration;
	maxInputs: number;
	maxConcurrency: number;
	/** No new batch starts after a failure (the node without Continue On Fail, a vector store). */
	stopOnError: boolean;
	/** The n8n item a one-input request belongs to, for its errors. */
	itemIndexOf?: (slot: EmbedSlot) => number;
	/** A batch's vectors, in the batch's order, with the usage of its request. */
	onVectors: (batch: EmbedSlot[], vectors: number[][], usage: Usage | undefined) => void;
	/** An input the server rejects on its own, or a batch whose answer holds no usable vectors. May throw to stop. */
	onFailure: (batch: EmbedSlot[], error: unknown, cause: 'input' | 'response') => void;
}

/**
 * Embeds `slots` in batches packed as they are sent, under a token budget the calibration learns from
 * the server's token counts. Until the server has reported a count, the first batch goes alone. A
 * batch refused for too many tokens is cut again under the learned budget; one refused because of an
 * input is halved until that input stands alone. Errors that blame the request as a whole are thrown.
 */
export async function sendAndSplit(
	slots: readonly EmbedSlot[],
	options: SendAndSplitOptions,
): Promise<{ batches: EmbedSlot[][]; outcomes: Array<Settled<void>> }> {
	const { client, calibration } = options;
	const embed = async (batch: EmbedSlot[]): Promise<void> => {
		let response: unknown;
		try {
			response = await client.post(
				'/embeddings',
				options.body(batch.map((slot) => slot.text)),
				// Cheap to send twice, unlike a generation: a 502 is retried as a 503 is.
				{ model: options.model, repeatable: true },
				batch.length === 1 ? options.itemIndexOf?.(batch[0]) : undefined,
			);
		} catch (error) {
			const info = options.failureOf(error);
			if (!blamesAnInput(info)) throw error as Error;
			if (batch.length === 1) return options.onFailure(batch, error, 'input');
			if (saysTooManyTokensInRequest(info?.message)) {
				calibration.rejected(estimatedTokensOf(batch), info?.message);
				for (const piece of splitUnderBudget(batch, calibration.budget())) await embed(piece);
				return;
			}
			const [left, right] = halve(batch);
			await embed(left);
			await embed(right);
			return;
		}
		let vectors: number[][];
		try {
			vectors = vectorsByIndex(response, batch.length, options.dtype);
		} catch (error) {
			return options.onFailure(batch, error, 'response');
		}
		const usage = (response as { usage?: Usage }).usage;
		calibration.observe(estimatedTokensOf(batch), usage?.prompt_tokens ?? usage?.total_tokens);
		options.onVectors(batch, vectors, usage);
	};

	const queue = new BatchQueue(slots);
	const nextBatch = () => queue.take({ maxInputs: options.maxInputs, maxTokens: calibration.budget() });
	let firstAnswered: Promise<void> | undefined;
	const embedCalibrating = (batch: EmbedSlot[]) => {
		const done = embed(batch);
		if (calibration.snapshot().reports === 0) {
			firstAnswered ??= done.then(
				() => undefined,
				() => undefined,
			);
		}
		return done;
	};
	const { inputs: batches, results: outcomes } = await settlePulled(nextBatch, options.maxConcurrency, embedCalibrating, options.stopOnError, async () => {
		await firstAnswered;
	});
	return { batches, outcomes };
}
