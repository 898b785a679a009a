import type { IDataObject } from 'n8n-workflow';

import { settlePulled, type Settled } from '../../shared/concurrency';
import { failureInfoOf, type FailureInfo, type MistralClient } from '../../shared/transport/client';
import { BatchQueue, halve, splitUnderBudget } from './batching';
import { saysTooManyTokensInRequest, type TokenCalibration } from './calibration';
import type { EmbedSlot } from './inputs';
import { type Dtype, vectorsByIndex } from './vectors';

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

export interface EmbedSlotsOptions {
	client: MistralClient;
	model: string;
	dtype: Dtype;
	/** The request body for these texts (one builder per node, shared with batch mode). */
	body: (texts: string[]) => IDataObject;
	calibration: TokenCalibration;
	maxInputs: number;
	maxConcurrency: number;
	/** No new batch starts after a failure (the node without Continue On Fail, a vector store). */
	stopOnError: boolean;
	/** The n8n item a one-input request belongs to, for its errors. */
	itemIndexOf?: (slot: EmbedSlot) => number;
	/** A batch's vectors, in the batch's order, with the usage of its request. */
	onVectors: (batch: EmbedSlot[], vectors: number[][], usage: IDataObject | undefined) => void;
	/** An input the server rejects on its own, or a batch whose answer holds no usable vectors. May throw to stop. */
	onFailure: (batch: EmbedSlot[], error: unknown, cause: 'input' | 'response') => void;
}

/**
 * Embeds `slots` in batches packed as they are sent, under a token budget the calibration learns from
 * the server's token counts. Until the server has reported a count, the first batch goes alone. A
 * batch refused for too many tokens is cut again under the learned budget; one refused because of an
 * input is halved until that input stands alone. Errors that blame the request as a whole are thrown.
 */
export async function embedSlots(
	slots: readonly EmbedSlot[],
	options: EmbedSlotsOptions,
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
			const info = failureInfoOf(error);
			if (!blamesAnInput(info)) throw error as Error;
			if (batch.length === 1) return options.onFailure(batch, error, 'input');
			if (saysTooManyTokensInRequest(info?.message)) {
				calibration.rejected(batch, info?.message);
				for (const piece of splitUnderBudget(batch, calibration.cap, calibration.tokensOf)) await embed(piece);
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
		const usage = (response as { usage?: IDataObject }).usage;
		calibration.observe(batch, usage?.prompt_tokens ?? usage?.total_tokens);
		options.onVectors(batch, vectors, usage);
	};

	const queue = new BatchQueue(slots);
	const nextBatch = () => queue.take({ maxInputs: options.maxInputs, maxTokens: calibration.cap, tokensOf: calibration.tokensOf });
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
