import type { IDataObject } from 'n8n-workflow';

import type { Settled } from '../../shared/concurrency';
import type { TokenCalibration } from '../../shared/packing/calibration';
import { sendPacked } from '../../shared/packing/sendPacked';
import type { MistralClient } from '../../shared/transport/client';
import type { EmbedSlot } from './inputs';
import { type Dtype, vectorsByIndex } from './vectors';

export { blamesAnInput, SPLIT_LIMITS } from '../../shared/packing/sendPacked';

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

/** Embeds `slots` with the package's one send-and-split loop (sendPacked), on /embeddings. */
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
		maxConcurrency: options.maxConcurrency,
		stopOnError: options.stopOnError,
		onAnswers: (batch, vectors, usage) => options.onVectors(batch, vectors, usage as IDataObject | undefined),
		onFailure: options.onFailure,
	});
}
