import type { INodeProperties } from 'n8n-workflow';

import { processingProperties } from '../shared/batch/parameters';
import { transportOptions } from '../shared/commonOptions';
import { editorBounds, MISTRAL_MAX_TOKENS_PER_REQUEST, type OptionName } from '../shared/optionRanges';
import { modelParameter } from '../shared/models';

export const DEFAULT_EMBED_CONCURRENCY = 4;
export const DEFAULT_EMBED_TIMEOUT_S = 60;
export const DEFAULT_BATCH_SIZE = 128;
export { MISTRAL_MAX_TOKENS_PER_REQUEST };
/** The entries of "Options" that Mistral Embed and Mistral Embeddings check against the option table. */
export const EMBED_OPTIONS: readonly OptionName[] = ['batchSize', 'maxTokensPerRequest', 'outputDimension', 'outputDtype', 'vectorTransport'];
/**
 * Mistral's own cap: the budget is held by the calibration (usage.prompt_tokens against the
 * estimate, a 3% margin, and a prior 10% margin before the first report), not by a lower setting.
 */
export const DEFAULT_MAX_TOKENS_PER_REQUEST = MISTRAL_MAX_TOKENS_PER_REQUEST;

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
		"Most tokens one request may hold, as the server counts them (Mistral's limit: 16,384). The node estimates each text's tokens, then learns how far off the estimate is from the token counts the server reports, and packs the next batches to just under this. Lower it for a server with a smaller limit; a batch refused for too many tokens is split and sent again.",
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

export const embedProperties: INodeProperties[] = [
	modelParameter('mistral-embed', 'searchModels', 'embedding'),
	...processingProperties('texts'),
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		typeOptions: { rows: 2 },
		default: '={{ $json.text }}',
		description: 'The text to embed for each item. A list of strings embeds each string.',
		hint: 'Reads the field "text" of each item by default. If your items keep their text under another name, drag that field here (e.g. {{ $json.content }}). Many items go in one request, so thousands of rows are fast.',
	},
	{
		displayName: 'Output Field',
		name: 'outputField',
		type: 'string',
		default: 'embedding',
		description: 'Name of the field that receives the vector',
	},
	{
		displayName: 'Include Input Fields',
		name: 'includeInputFields',
		type: 'boolean',
		default: true,
		description: 'Whether to keep the input item\'s fields next to the vector (or next to the error, with Continue On Fail), e.g. an ID for the vector store',
	},
	{
		displayName: 'When Text Is a List',
		name: 'listMode',
		type: 'options',
		default: 'vectors',
		description: 'What to output when "Text" holds a list of strings',
		options: [
			{ name: 'One Item With a List of Vectors', value: 'vectors', description: 'The output field holds one vector per string, in order' },
			{ name: 'One Item per String', value: 'items', description: 'Each string becomes its own item with "text", "textIndex" and its vector' },
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			batchSizeOption,
			{
				displayName: 'Include Model and Usage',
				name: 'includeUsage',
				type: 'boolean',
				default: false,
				description: 'Whether to add "model" and "usage" (the token count of the request that carried the item, shared by its batch)',
			},
			maxTokensPerRequestOption,
			{
				displayName: 'Output Data Type',
				name: 'outputDtype',
				type: 'options',
				default: 'float',
				description: 'Number type of the vectors, for models that support it',
				options: [
					{ name: 'Binary (Packed Bits, Signed)', value: 'binary' },
					{ name: 'Float', value: 'float' },
					{ name: 'Int8', value: 'int8' },
					{ name: 'Ubinary (Packed Bits, Unsigned)', value: 'ubinary' },
					{ name: 'Uint8', value: 'uint8' },
				],
			},
			{
				displayName: 'Output Dimension',
				name: 'outputDimension',
				type: 'number',
				typeOptions: editorBounds('outputDimension'),
				default: 1024,
				description: 'Length of each vector, for models that support it (e.g. codestral-embed up to 3072)',
			},
			vectorTransportOption,
			...transportOptions(DEFAULT_EMBED_CONCURRENCY, 'Vectors keep the input order whatever this is', DEFAULT_EMBED_TIMEOUT_S),
		],
	},
];
