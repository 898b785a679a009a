/**
 * What the "Mistral Embeddings" sub-node supplies to n8n's vector stores and retrievers: an object with
 * `embedDocuments(texts)` and `embedQuery(text)`, the two methods LangChain's vector stores call on
 * their embeddings. Behind them: the Mistral Embed node's token-aware batching (packed as batches are
 * sent, under a budget calibrated from the server's token counts, kept across the store's calls),
 * concurrency, and the transport's retries. A batch refused for too many tokens is cut again under the
 * learned budget; one refused because of an input is split until that input stands alone.
 */

import type { BatchLimits } from '../MistralEmbed/actions/batching';
import { TokenCalibration } from '../MistralEmbed/actions/calibration';
import { embedSlots } from '../MistralEmbed/actions/embedSlots';
import { requestBody } from '../MistralEmbed/actions/execute';
import { type EmbedSlot, slotOf } from '../MistralEmbed/actions/inputs';
import type { MistralClient } from '../shared/transport/client';

export interface EmbedderSettings {
	model: string;
	outputDimension?: number;
	base64: boolean;
	limits: BatchLimits;
	maxConcurrency: number;
}

export class EmbeddingInputError extends Error {}

export class MistralEmbedder {
	/** Requests sent by the last embedDocuments/embedQuery call (for the sub-node's log). */
	lastBatches = 0;

	/** What the server's token counts taught, kept for the store's next calls. */
	private readonly calibration: TokenCalibration;

	constructor(
		private readonly client: MistralClient,
		private readonly settings: EmbedderSettings,
	) {
		this.calibration = new TokenCalibration(settings.limits.maxTokens, true);
	}

	async embedDocuments(texts: string[]): Promise<number[][]> {
		if (!Array.isArray(texts)) throw new EmbeddingInputError('embedDocuments needs a list of texts');
		if (texts.length === 0) return [];
		const slots: EmbedSlot[] = texts.map((text, index) => {
			if (typeof text !== 'string' || text.trim() === '') {
				throw new EmbeddingInputError(
					`Document ${index} has no text to embed (${typeof text === 'string' ? 'it is empty' : `it is ${typeof text}`}). Remove empty chunks before the vector store, e.g. with a Filter node`,
				);
			}
			return slotOf(index, text);
		});
		const vectors: number[][] = new Array(texts.length);
		const { batches, outcomes } = await embedSlots(slots, {
			client: this.client,
			model: this.settings.model,
			dtype: 'float',
			body: (input) => requestBody({ model: this.settings.model, dtype: 'float', outputDimension: this.settings.outputDimension, base64: this.settings.base64 }, input),
			calibration: this.calibration,
			maxInputs: this.settings.limits.maxInputs,
			maxConcurrency: this.settings.maxConcurrency,
			stopOnError: true,
			onVectors: (batch, batchVectors) => batch.forEach((slot, position) => (vectors[slot.itemIndex] = batchVectors[position])),
			onFailure: (batch, error, cause) => {
				if (cause === 'input' && error instanceof Error) {
					error.message = `Document ${batch[0].itemIndex}: ${error.message.replace(/\binput at index \d+/gi, 'the text')}`;
				}
				throw error as Error;
			},
		});
		this.lastBatches = batches.length;
		const failed = outcomes.find((outcome) => !outcome.ok);
		if (failed && !failed.ok) throw failed.error;
		return vectors;
	}

	async embedQuery(text: string): Promise<number[]> {
		if (typeof text !== 'string' || text.trim() === '') {
			throw new EmbeddingInputError('The query to embed is empty. Give the vector store or retriever a prompt to search for');
		}
		const [vector] = await this.embedDocuments([text]);
		return vector;
	}
}
