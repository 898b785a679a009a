import type { INodeProperties } from 'n8n-workflow';

import {
	DEFAULT_BATCH_SIZE,
	DEFAULT_EMBED_TIMEOUT_S,
	DEFAULT_MAX_TOKENS_PER_REQUEST,
	MISTRAL_MAX_TOKENS_PER_REQUEST,
} from '../MistralEmbed/description';
import { transportOptions } from '../shared/commonOptions';
import { modelParameter } from '../shared/models';

export const embeddingsProperties: INodeProperties[] = [
	{
		displayName: 'Connect this node to a vector store or retriever; use the same model to insert and to search',
		name: 'notice',
		type: 'notice',
		default: '',
	},
	modelParameter('mistral-embed', 'searchModels', 'embedding'),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Batch Size',
				name: 'batchSize',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 2048 },
				default: DEFAULT_BATCH_SIZE,
				description: 'The most texts sent in one request; requests also stay under the token limit below',
			},
			{
				displayName: 'Max Tokens per Request',
				name: 'maxTokensPerRequest',
				type: 'number',
				typeOptions: { minValue: 100, maxValue: MISTRAL_MAX_TOKENS_PER_REQUEST },
				default: DEFAULT_MAX_TOKENS_PER_REQUEST,
				description:
					'Token budget per request, from a deliberately high estimate. Mistral rejects requests over 16,384 tokens; a rejected batch is split and sent again.',
			},
			{
				displayName: 'Output Dimension',
				name: 'outputDimension',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 1024,
				description: 'Length of each vector, for models that support it (e.g. codestral-embed up to 3072). Insert and search must use the same.',
			},
			{
				displayName: 'Vector Transport',
				name: 'vectorTransport',
				type: 'options',
				default: 'base64',
				description: 'How vectors travel over the network; the vectors are identical either way',
				options: [
					{ name: 'Base64 (Faster)', value: 'base64', description: 'About a third of the bytes and much faster to parse' },
					{ name: 'JSON Numbers', value: 'float', description: 'For servers without base64 support' },
				],
			},
			...transportOptions(4, 'Vectors keep the order of the documents whatever this is', DEFAULT_EMBED_TIMEOUT_S),
		],
	},
];
