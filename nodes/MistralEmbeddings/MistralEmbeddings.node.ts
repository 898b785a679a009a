import type {
	IDataObject,
	INodeType,
	INodeTypeDescription,
	ISupplyDataFunctions,
	SupplyData,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { readBatchLimits } from '../MistralEmbed/actions/execute';
import { DEFAULT_EMBED_TIMEOUT_S, EMBED_OPTIONS } from '../MistralEmbed/description';
import { readTransportOptions } from '../shared/commonOptions';
import { checkNodeOptions, TRANSPORT_OPTIONS } from '../shared/nodeOptions';
import { checkedChoice, checkedNumber } from '../shared/optionRanges';
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
		// Every option checked before the vector store's first call (an error names the option).
		checkNodeOptions(this, itemIndex, [], [...EMBED_OPTIONS.filter((name) => name !== 'outputDtype'), ...TRANSPORT_OPTIONS]);
		const options = (this.getNodeParameter('options', itemIndex, {}) as IDataObject) ?? {};
		const transport = readTransportOptions(options, DEFAULT_EMBEDDINGS_CONCURRENCY, DEFAULT_EMBED_TIMEOUT_S);
		const model = (this.getNodeParameter('model', itemIndex, '', { extractValue: true }) as string).trim();
		if (model === '') throw new NodeOperationError(this.getNode(), '"Model" is empty. Pick a model or enter its ID', { itemIndex });
		const client = new MistralClient(this, transport);
		const embedder = new MistralEmbedder(client, {
			model,
			outputDimension: checkedNumber('outputDimension', options.outputDimension),
			base64: checkedChoice('vectorTransport', options.vectorTransport, 'base64') === 'base64',
			limits: readBatchLimits(options),
			maxConcurrency: transport.maxConcurrency,
		});
		return { response: withExecutionLog(this, embedder) };
	}
}
