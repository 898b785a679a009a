/**
 * What every embeddings request of a run shares (pure): the settings read from the node's options,
 * the batch limits, and the request body, for Mistral Embed (realtime and batch) and Mistral Embeddings.
 */
import { checkedChoice, checkedNumber, MISTRAL_MAX_TOKENS_PER_REQUEST } from '../optionRanges';
import type { BatchLimits } from '../packing/batching';
import type { Dtype } from './vectors';

export const DEFAULT_EMBED_CONCURRENCY = 4;
export const DEFAULT_EMBED_TIMEOUT_S = 60;
export const DEFAULT_BATCH_SIZE = 128;
/**
 * Mistral's own cap: the budget is held by the calibration (usage.prompt_tokens against the
 * estimate, a 3% margin, and a prior 10% margin before the first report), not by a lower setting.
 */
export const DEFAULT_MAX_TOKENS_PER_REQUEST = MISTRAL_MAX_TOKENS_PER_REQUEST;

export interface EmbedSettings {
	model: string;
	dtype: Dtype;
	outputDimension?: number;
	base64: boolean;
}

/** The node's options as n8n hands them over (any of them may be missing). */
export type EmbedOptions = Record<string, unknown>;

export function embedSettingsFrom(model: string, options: EmbedOptions): EmbedSettings {
	const dtype = checkedChoice<Dtype>('outputDtype', options.outputDtype, 'float');
	return {
		model,
		dtype,
		outputDimension: checkedNumber('outputDimension', options.outputDimension),
		base64: dtype === 'float' && checkedChoice('vectorTransport', options.vectorTransport, 'base64') === 'base64',
	};
}

/** "Batch Size" and "Max Tokens per Request", checked against the option table (OptionValueError otherwise). */
export function batchLimitsFrom(options: EmbedOptions): BatchLimits {
	return {
		maxInputs: checkedNumber('batchSize', options.batchSize, DEFAULT_BATCH_SIZE),
		maxTokens: checkedNumber('maxTokensPerRequest', options.maxTokensPerRequest, DEFAULT_MAX_TOKENS_PER_REQUEST),
	};
}

export function embeddingsRequestBody(settings: EmbedSettings, texts: string[]): Record<string, unknown> {
	const body: Record<string, unknown> = { model: settings.model, input: texts };
	if (settings.outputDimension !== undefined) body.output_dimension = settings.outputDimension;
	if (settings.dtype !== 'float') body.output_dtype = settings.dtype;
	if (settings.base64) body.encoding_format = 'base64';
	return body;
}

/** The server numbers inputs within its batch; the user knows items (or documents), which the error names already. */
export function withoutBatchPosition(error: unknown, replacement = 'The text'): unknown {
	if (error instanceof Error) error.message = error.message.replace(/\binput at index \d+/gi, replacement);
	return error;
}
