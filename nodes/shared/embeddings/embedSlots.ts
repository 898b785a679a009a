/**
 * Embeds texts with the package's one send-and-split loop (packing/sendPacked) on /embeddings (pure:
 * the client is passed in). Used by Mistral Embed in realtime mode and by Mistral Embeddings.
 */
import type { Settled } from '../concurrency';
import { MISTRAL_MAX_TOKENS_PER_INPUT } from '../packing/batching';
import type { TokenCalibration } from '../packing/calibration';
import { sendPacked } from '../packing/sendPacked';
import type { EmbedSlot } from './inputs';
import { type Dtype, vectorsByIndex } from './vectors';

type Usage = Record<string, unknown>;

/** The one call this module makes (MistralClient.post). */
export interface EmbeddingsSender {
	post(path: string, body: Record<string, unknown>, meta: { model?: string; repeatable?: boolean }, itemIndex?: number): Promise<unknown>;
}

export interface EmbedSlotsOptions {
	client: EmbeddingsSender;
	model: string;
	dtype: Dtype;
	/** The request body for these texts (embeddingsRequestBody, shared with batch mode). */
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

export async function embedSlots(
	slots: readonly EmbedSlot[],
	options: EmbedSlotsOptions,
): Promise<{ batches: EmbedSlot[][]; outcomes: Array<Settled<void>> }> {
	return await sendPacked(slots, {
		send: async (batch) =>
			await options.client.post(
				'/embeddings',
				options.body(batch.map((slot) => slot.text)),
				// Cheap to send twice, unlike a generation: a 502 is retried as a 503 is.
				{ model: options.model, repeatable: true },
				batch.length === 1 ? options.itemIndexOf?.(batch[0]) : undefined,
			),
		read: (response, batch) => vectorsByIndex(response, batch.length, options.dtype),
		calibration: options.calibration,
		maxInputs: options.maxInputs,
		maxTokensPerInput: MISTRAL_MAX_TOKENS_PER_INPUT,
		maxConcurrency: options.maxConcurrency,
		stopOnError: options.stopOnError,
		onAnswers: options.onVectors,
		onFailure: options.onFailure,
	});
}
