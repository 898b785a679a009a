/**
 * What the "Mistral Embeddings" sub-node supplies to n8n's vector stores and retrievers: an object with
 * `embedDocuments(texts)` and `embedQuery(text)`, the two methods LangChain's vector stores call on
 * their embeddings. Behind them: the same token-aware batching as Mistral Embed's (nodes/shared/embeddings) (packed as batches are
 * sent, under a budget calibrated from the server's token counts, kept across the store's calls),
 * concurrency, and the transport's retries. A batch refused for too many tokens is cut again under the
 * learned budget; one refused because of an input is split until that input stands alone.
 */
import { embedSlots } from '../shared/embeddings/embedSlots';
import { type EmbedSlot, slotOf } from '../shared/embeddings/inputs';
import { embeddingsRequestBody, type EmbedSettings, withoutBatchPosition } from '../shared/embeddings/settings';
import { countExactly } from '../shared/embeddings/tokenCounts';
import { InputError } from '../shared/errors';
import type { BatchLimits } from '../shared/packing/batching';
import { TokenCalibration } from '../shared/packing/calibration';
import { countsWithMistralEmbedVocabulary } from '../shared/packing/mistralEmbedTokens';
import type { MistralClient } from '../shared/transport/client';

export interface EmbedderSettings {
	request: EmbedSettings;
	limits: BatchLimits;
	maxConcurrency: number;
}

export class MistralEmbedder {
	/** What the server's token counts taught, kept for the store's next calls. */
	private readonly calibration: TokenCalibration;
	/** A store's chunks are long: with mistral-embed they are always packed by their exact counts. */
	private readonly exactCounts: boolean;

	constructor(
		private readonly client: MistralClient,
		private readonly settings: EmbedderSettings,
	) {
		this.exactCounts = countsWithMistralEmbedVocabulary(settings.request.model);
		this.calibration = new TokenCalibration(settings.limits.maxTokens, { cautiousStart: true, exactCounts: this.exactCounts });
	}

	async embedDocuments(texts: string[]): Promise<number[][]> {
		if (!Array.isArray(texts)) throw new InputError('embedDocuments needs a list of texts');
		if (texts.length === 0) return [];
		const slots: EmbedSlot[] = texts.map((text, index) => {
			if (typeof text !== 'string' || text.trim() === '') {
				throw new InputError(
					`Document ${index} has no text to embed (${typeof text === 'string' ? 'it is empty' : `it is ${typeof text}`}). Remove empty chunks before the vector store, e.g. with a Filter node`,
				);
			}
			return slotOf(index, text);
		});
		if (this.exactCounts) countExactly(slots, this.settings.request.model);
		const vectors: number[][] = new Array(texts.length);
		const { request } = this.settings;
		const { outcomes } = await embedSlots(slots, {
			client: this.client,
			model: request.model,
			dtype: request.dtype,
			body: (input) => embeddingsRequestBody(request, input),
			calibration: this.calibration,
			maxInputs: this.settings.limits.maxInputs,
			maxConcurrency: this.settings.maxConcurrency,
			stopOnError: true,
			onVectors: (batch, batchVectors) => batch.forEach((slot, position) => (vectors[slot.itemIndex] = batchVectors[position])),
			onFailure: (batch, error, cause) => {
				if (cause === 'input' && error instanceof Error) {
					error.message = `Document ${batch[0].itemIndex}: ${(withoutBatchPosition(error, 'the text') as Error).message}`;
				}
				throw error as Error;
			},
		});
		const failed = outcomes.find((outcome) => !outcome.ok);
		if (failed && !failed.ok) throw failed.error;
		return vectors;
	}

	async embedQuery(text: string): Promise<number[]> {
		if (typeof text !== 'string' || text.trim() === '') {
			throw new InputError('The query to embed is empty. Give the vector store or retriever a prompt to search for');
		}
		const [vector] = await this.embedDocuments([text]);
		return vector;
	}
}
