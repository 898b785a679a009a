import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { mistralNodeMethods } from '../shared/nodeMethods';
import { executeEmbed } from './actions/execute';
import { embedProperties } from './description';

// Not usableAsTool on purpose: a "Mistral Embed Tool" would hand an AI Agent a vector, of no use to it
// (vector stores take embeddings through their own sub-node).
// eslint-disable-next-line @n8n/community-nodes/node-usable-as-tool
export class MistralEmbed implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Mistral Embed',
		name: 'mistralEmbed',
		icon: { light: 'file:mistral.svg', dark: 'file:mistral.dark.svg' },
		group: ['transform'],
		version: 1,
		// "Batch API" beside the model when the node runs as a batch job, so the canvas tells the two apart.
		subtitle: '={{ ($parameter.model?.cachedResultName || $parameter.model?.value || $parameter.model) + ($parameter.processing === "batch" ? " · Batch API" : "") }}',
		description:
			'Each item\'s text to a vector with Mistral or any OpenAI-compatible server (your Base URL): token-aware batching, realtime or as a Batch API job at half price',
		defaults: { name: 'Mistral Embed' },
		documentationUrl: 'https://github.com/n8n-nodes-mistral/n8n-nodes-mistral/blob/main/README.md#mistral-embed',
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'mistralAiApi', required: true, testedBy: 'mistralAiApiTest' }],
		properties: embedProperties,
	};

	methods = mistralNodeMethods('embed');

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeEmbed.call(this);
	}
}
