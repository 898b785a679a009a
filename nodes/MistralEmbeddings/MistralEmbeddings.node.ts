import type {
	IDataObject,
	INodeType,
	INodeTypeDescription,
	ISupplyDataFunctions,
	SupplyData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { readTransportOptions } from '../shared/commonOptions';
import { batchLimitsFrom, DEFAULT_EMBED_CONCURRENCY, DEFAULT_EMBED_TIMEOUT_S, embedSettingsFrom } from '../shared/embeddings/settings';
import { readModel } from '../shared/models';
import { EMBED_OPTIONS } from '../shared/embeddingOptions';
import { checkNodeOptions, TRANSPORT_OPTIONS } from '../shared/nodeOptions';
import { mistralNodeMethods } from '../shared/nodeMethods';
import { MistralClient } from '../shared/transport/client';
import { embeddingsProperties } from './description';
import { MistralEmbedder } from './embedder';
import { withExecutionLog } from './executionLog';

export class MistralEmbeddings implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Mistral Embeddings',
		name: 'mistralEmbeddings',
		icon: { light: 'file:../../icons/mistral.svg', dark: 'file:../../icons/mistral.dark.svg' },
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
		// Every option checked before the vector store's first call (an error names the option).
		checkNodeOptions(this, itemIndex, [], [...EMBED_OPTIONS.filter((name) => name !== 'outputDtype'), ...TRANSPORT_OPTIONS]);
		const options = (this.getNodeParameter('options', itemIndex, {}) as IDataObject) ?? {};
		const transport = readTransportOptions(options, DEFAULT_EMBED_CONCURRENCY, DEFAULT_EMBED_TIMEOUT_S);
		const model = readModel(this, itemIndex);
		const client = new MistralClient(this, transport);
		// Vector stores take float vectors: the sub-node offers no other output type.
		const embedder = new MistralEmbedder(client, {
			request: embedSettingsFrom(model, { ...options, outputDtype: 'float' }),
			limits: batchLimitsFrom(options),
			maxConcurrency: transport.maxConcurrency,
		});
		return { response: withExecutionLog(this, embedder) };
	}
}
