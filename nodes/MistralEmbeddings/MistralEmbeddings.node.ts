import type {
	IDataObject,
	INodeType,
	INodeTypeDescription,
	ISupplyDataFunctions,
	SupplyData,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import {
	DEFAULT_BATCH_SIZE,
	DEFAULT_EMBED_TIMEOUT_S,
	DEFAULT_MAX_TOKENS_PER_REQUEST,
	MISTRAL_MAX_TOKENS_PER_REQUEST,
} from '../MistralEmbed/description';
import { readTransportOptions } from '../shared/commonOptions';
import { mistralNodeMethods } from '../shared/nodeMethods';
import { MistralClient } from '../shared/transport/client';
import { embeddingsProperties } from './description';
import { MistralEmbedder } from './embedder';
import { withExecutionLog } from './executionLog';

export const DEFAULT_EMBEDDINGS_CONCURRENCY = 4;

export class MistralEmbeddings implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Mistral Embeddings',
		name: 'mistralEmbeddings',
		icon: { light: 'file:mistral.svg', dark: 'file:mistral.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter.model?.cachedResultName || $parameter.model?.value || $parameter.model }}',
		description:
			'For vector stores and retrievers, on Mistral or any OpenAI-compatible server (your Base URL): token-aware batching under Mistral\'s limits, with retries',
		defaults: { name: 'Mistral Embeddings' },
		documentationUrl: 'https://github.com/n8n-nodes-mistral/n8n-nodes-mistral/blob/main/README.md#mistral-embeddings-vector-stores',
		inputs: [],
		outputs: [NodeConnectionTypes.AiEmbedding],
		outputNames: ['Embeddings'],
		credentials: [{ name: 'mistralAiApi', required: true, testedBy: 'mistralAiApiTest' }],
		properties: embeddingsProperties,
	};

	methods = mistralNodeMethods('embed');

	async supplyData(this: ISupplyDataFunctions, itemIndex: number): Promise<SupplyData> {
		const options = (this.getNodeParameter('options', itemIndex, {}) as IDataObject) ?? {};
		const transport = readTransportOptions(options, DEFAULT_EMBEDDINGS_CONCURRENCY, DEFAULT_EMBED_TIMEOUT_S);
		const model = (this.getNodeParameter('model', itemIndex, '', { extractValue: true }) as string).trim();
		if (model === '') throw new NodeOperationError(this.getNode(), '"Model" is empty. Pick a model or enter its ID', { itemIndex });
		const client = new MistralClient(this, transport);
		const embedder = new MistralEmbedder(client, {
			model,
			outputDimension: typeof options.outputDimension === 'number' ? options.outputDimension : undefined,
			base64: (options.vectorTransport ?? 'base64') === 'base64',
			limits: {
				maxInputs: Math.max(1, Math.floor(Number(options.batchSize ?? DEFAULT_BATCH_SIZE))),
				maxTokens: Math.min(MISTRAL_MAX_TOKENS_PER_REQUEST, Math.max(1, Number(options.maxTokensPerRequest ?? DEFAULT_MAX_TOKENS_PER_REQUEST))),
			},
			maxConcurrency: transport.maxConcurrency,
		});
		return { response: withExecutionLog(this, embedder) };
	}
}
