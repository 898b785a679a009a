import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { mistralNodeMethods } from '../shared/nodeMethods';
import { executeChat } from './actions/execute';
import { chatProperties, TOOL_DESCRIPTION } from './description';

export class MistralChat implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Mistral Chat',
		name: 'mistralChat',
		icon: { light: 'file:mistral.svg', dark: 'file:mistral.dark.svg' },
		group: ['transform'],
		version: 1,
		// "Batch API" beside the model when the node runs as a batch job, so the canvas tells the two apart.
		subtitle: '={{ ($parameter.model?.cachedResultName || $parameter.model?.value || $parameter.model) + ($parameter.processing === "batch" ? " · Batch API" : "") }}',
		description:
			'Each item to Mistral or any OpenAI-compatible server (your Base URL), realtime or as a Batch API job at half price: JSON-schema output, vision, tools, reasoning',
		defaults: { name: 'Mistral Chat' },
		documentationUrl: 'https://github.com/n8n-nodes-mistral/n8n-nodes-mistral/blob/main/README.md#mistral-chat',
		// n8n also offers "Mistral Chat Tool" for AI Agents; its Prompt comes from the agent (description.ts).
		usableAsTool: {
			replacements: {
				description: TOOL_DESCRIPTION,
				documentationUrl: 'https://github.com/n8n-nodes-mistral/n8n-nodes-mistral/blob/main/README.md#mistral-chat-tool-for-ai-agents',
			},
		},
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'mistralAiApi', required: true, testedBy: 'mistralAiApiTest' }],
		properties: chatProperties,
	};

	methods = mistralNodeMethods('chat');

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeChat.call(this);
	}
}
