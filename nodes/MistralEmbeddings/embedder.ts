/**
 * What the "Mistral Embeddings" sub-node supplies to n8n's vector stores and retrievers: an object with
 * `embedDocuments(texts)` and `embedQuery(text)`, the two methods LangChain's vector stores call on
 * their embeddings. Behind them: the Mistral Embed node's token-aware batching, concurrency, and the
 * transport's retries; a batch the server rejects for one input is split until that input stands alone.
 */
import type { IDataObject } from 'n8n-workflow';

import { blamesAnInput } from '../MistralEmbed/actions/execute';
import { halve, packBatches, type BatchLimits } from '../MistralEmbed/actions/batching';
import { type EmbedSlot, estimateTokens } from '../MistralEmbed/actions/inputs';
import { vectorsByIndex } from '../MistralEmbed/actions/vectors';
import { settleWithConcurrency } from '../shared/concurrency';
import { failureInfoOf, type MistralClient } from '../shared/transport/client';

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

	constructor(
		private readonly client: MistralClient,
		private readonly settings: EmbedderSettings,
	) {}

	async embedDocuments(texts: string[]): Promise<number[][]> {
		if (!Array.isArray(texts)) throw new EmbeddingInputError('embedDocuments needs a list of texts');
		if (texts.length === 0) return [];
		const slots: EmbedSlot[] = texts.map((text, index) => {
			if (typeof text !== 'string' || text.trim() === '') {
				throw new EmbeddingInputError(
					`Document ${index} has no text to embed (${typeof text === 'string' ? 'it is empty' : `it is ${typeof text}`}). Remove empty chunks before the vector store, e.g. with a Filter node`,
				);
			}
			return { itemIndex: index, text, estimatedTokens: estimateTokens(text) };
		});
		const vectors: number[][] = new Array(texts.length);
		const embed = async (batch: EmbedSlot[]): Promise<void> => {
			let response: unknown;
			try {
				response = await this.client.post('/embeddings', this.body(batch.map((slot) => slot.text)), { model: this.settings.model });
			} catch (error) {
				if (batch.length === 1 || !blamesAnInput(failureInfoOf(error))) {
					if (batch.length === 1 && blamesAnInput(failureInfoOf(error)) && error instanceof Error) {
						error.message = `Document ${batch[0].itemIndex}: ${error.message.replace(/\binput at index \d+/gi, 'the text')}`;
					}
					throw error as Error;
				}
				const [left, right] = halve(batch);
				await embed(left);
				await embed(right);
				return;
			}
			const batchVectors = vectorsByIndex(response, batch.length, 'float');
			batch.forEach((slot, position) => (vectors[slot.itemIndex] = batchVectors[position]));
		};
		const batches = packBatches(slots, this.settings.limits);
		this.lastBatches = batches.length;
		const outcomes = await settleWithConcurrency(batches, this.settings.maxConcurrency, embed, true);
		const failed = outcomes.find((outcome) => outcome && !outcome.ok);
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

	private body(texts: string[]): IDataObject {
		const body: IDataObject = { model: this.settings.model, input: texts };
		if (this.settings.outputDimension !== undefined) body.output_dimension = this.settings.outputDimension;
		if (this.settings.base64) body.encoding_format = 'base64';
		return body;
	}
}
