/**
 * What the "Mistral Embeddings" sub-node supplies to n8n's vector stores and retrievers: an object with
 * `embedDocuments(texts)` and `embedQuery(text)`, the two methods LangChain's vector stores call on
 * their embeddings. Behind them: the Mistral Embed node's token-aware batching (packed as batches are
 * sent, under a budget calibrated from the server's token counts, kept across the store's calls),
 * concurrency, and the transport's retries. A batch refused for too many tokens is cut again under the
 * learned budget; one refused because of an input is split until that input stands alone.
 */
import type { IDataObject } from 'n8n-workflow';

import { BatchQueue, type BatchLimits, estimatedTokensOf, halve, splitUnderBudget } from '../MistralEmbed/actions/batching';
import { saysTooManyTokensInRequest, TokenCalibration } from '../MistralEmbed/actions/calibration';
import { blamesAnInput } from '../MistralEmbed/actions/execute';
import { type EmbedSlot, estimateTokens } from '../MistralEmbed/actions/inputs';
import { vectorsByIndex } from '../MistralEmbed/actions/vectors';
import { settlePulled } from '../shared/concurrency';
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

	/** What the server's token counts taught, kept for the store's next calls. */
	private readonly calibration: TokenCalibration;

	constructor(
		private readonly client: MistralClient,
		private readonly settings: EmbedderSettings,
	) {
		this.calibration = new TokenCalibration(settings.limits.maxTokens);
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
			return { itemIndex: index, text, estimatedTokens: estimateTokens(text) };
		});
		const vectors: number[][] = new Array(texts.length);
		const calibration = this.calibration;
		const embed = async (batch: EmbedSlot[]): Promise<void> => {
			let response: unknown;
			try {
				response = await this.client.post('/embeddings', this.body(batch.map((slot) => slot.text)), { model: this.settings.model });
			} catch (error) {
				const info = failureInfoOf(error);
				if (batch.length === 1 || !blamesAnInput(info)) {
					if (batch.length === 1 && blamesAnInput(info) && error instanceof Error) {
						error.message = `Document ${batch[0].itemIndex}: ${error.message.replace(/\binput at index \d+/gi, 'the text')}`;
					}
					throw error as Error;
				}
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
			const batchVectors = vectorsByIndex(response, batch.length, 'float');
			const usage = (response as { usage?: { prompt_tokens?: unknown; total_tokens?: unknown } }).usage;
			calibration.observe(estimatedTokensOf(batch), usage?.prompt_tokens ?? usage?.total_tokens);
			batch.forEach((slot, position) => (vectors[slot.itemIndex] = batchVectors[position]));
		};
		const queue = new BatchQueue(slots);
		const nextBatch = () => queue.take({ maxInputs: this.settings.limits.maxInputs, maxTokens: calibration.budget() });
		// Until the server has reported a token count, the first batch goes alone and the others are packed after it.
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
		const { inputs: batches, results } = await settlePulled(nextBatch, this.settings.maxConcurrency, embedCalibrating, true, async () => {
			await firstAnswered;
		});
		this.lastBatches = batches.length;
		const failed = results.find((outcome) => outcome && !outcome.ok);
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
