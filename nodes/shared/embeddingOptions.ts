import type { INodeProperties } from 'n8n-workflow';

import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_TOKENS_PER_REQUEST } from './embeddings/settings';
import { editorBounds, type OptionName } from './optionRanges';

/** The entries of "Options" that Mistral Embed and Mistral Embeddings check against the option table. */
export const EMBED_OPTIONS: readonly OptionName[] = ['batchSize', 'maxTokensPerRequest', 'outputDimension', 'outputDtype', 'vectorTransport'];

/** Options Mistral Embed and Mistral Embeddings share. */
export const batchSizeOption: INodeProperties = {
	displayName: 'Batch Size',
	name: 'batchSize',
	type: 'number',
	typeOptions: editorBounds('batchSize'),
	default: DEFAULT_BATCH_SIZE,
	description: 'The most inputs sent in one request (1 to 2,048); requests also stay under the token limit below',
};
export const maxTokensPerRequestOption: INodeProperties = {
	displayName: 'Max Tokens per Request',
	name: 'maxTokensPerRequest',
	type: 'number',
	typeOptions: editorBounds('maxTokensPerRequest'),
	default: DEFAULT_MAX_TOKENS_PER_REQUEST,
	description:
		"Most tokens one request may hold, as the server counts them (Mistral's limit: 16,384). For mistral-embed the node counts each text's tokens with the model's own tokenizer; for other models it estimates them and learns from the counts the server reports. Either way it packs batches to just under this. Lower it for a server with a smaller limit; a batch refused for too many tokens is split and sent again.",
};
export const vectorTransportOption: INodeProperties = {
	displayName: 'Vector Transport',
	name: 'vectorTransport',
	type: 'options',
	default: 'base64',
	description: 'How float vectors travel over the network; items always hold plain numbers, identical either way',
	options: [
		{ name: 'Base64 (Faster)', value: 'base64', description: 'About a third of the bytes and much faster to parse' },
		{ name: 'JSON Numbers', value: 'float', description: 'For servers without base64 support' },
	],
};
