import type {
	IDataObject,
	INodeType,
	INodeTypeDescription,
	ISupplyDataFunctions,
	SupplyData,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import type { ChatOptions } from '../MistralChat/actions/requestBody';
import { DEFAULT_CHAT_TIMEOUT_S } from '../MistralChat/description';
import { readTransportOptions } from '../shared/commonOptions';
import { checkNodeOptions, TRANSPORT_OPTIONS } from '../shared/nodeOptions';
import { SAMPLING_OPTIONS } from '../shared/samplingOptions';
import { mistralNodeMethods } from '../shared/nodeMethods';
import { loadAiNodeSdk } from '../shared/aiNodeSdk';
import { MistralClient } from '../shared/transport/client';
import { chatModelProperties } from './description';
import { prepareSuppliedModel } from './suppliedModel';

export class MistralChatModel implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Mistral Chat Model',
		name: 'mistralChatModel',
		icon: { light: 'file:mistral.svg', dark: 'file:mistral.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter.model?.cachedResultName || $parameter.model?.value || $parameter.model }}',
		description:
			'For AI Agents and chains, on Mistral or any OpenAI-compatible server (your Base URL): tools, streaming with exact token counts, rate-limit-aware retries',
		defaults: { name: 'Mistral Chat Model' },
		documentationUrl: 'https://github.com/n8n-nodes-mistral/n8n-nodes-mistral/blob/main/README.md#mistral-chat-model-ai-agent',
		inputs: [],
		outputs: [NodeConnectionTypes.AiLanguageModel],
		outputNames: ['Model'],
		credentials: [{ name: 'mistralAiApi', required: true, testedBy: 'mistralAiApiTest' }],
		properties: chatModelProperties,
	};

	methods = mistralNodeMethods('chat');

	async supplyData(this: ISupplyDataFunctions, itemIndex: number): Promise<SupplyData> {
		// Loaded here, not at the top: on an n8n without the AI node SDK the rest of the package still loads.
		const sdk = loadAiNodeSdk(this.getNode());
		const { MistralChatModel: Model } = await import('./model');

		// Every option checked before the agent's first call (an error names the option).
		checkNodeOptions(this, itemIndex, [], [...SAMPLING_OPTIONS, ...TRANSPORT_OPTIONS]);
		const options = (this.getNodeParameter('options', itemIndex, {}) as IDataObject) ?? {};
		const transport = readTransportOptions(options, 1, DEFAULT_CHAT_TIMEOUT_S);
		const model = (this.getNodeParameter('model', itemIndex, '', { extractValue: true }) as string).trim();
		if (model === '') throw new NodeOperationError(this.getNode(), '"Model" is empty. Pick a model or enter its ID', { itemIndex });
		const chatOptions: ChatOptions = {
			temperature: options.temperature as number | undefined,
			topP: options.topP as number | undefined,
			maxTokens: options.maxTokens as number | undefined,
			randomSeed: options.randomSeed as number | undefined,
			safePrompt: options.safePrompt as boolean | undefined,
			guardrails: options.guardrails,
			reasoningMode: options.reasoningMode as boolean | undefined,
			reasoningEffort: options.reasoningEffort as string | undefined,
		};
		const client = new MistralClient(this, transport);
		const chatModel = new Model(client, {
			model,
			options: chatOptions,
			responseFormat: options.jsonMode === true ? 'json_object' : 'text',
			itemIndex,
		});
		const supplied = sdk.supplyModel(this, chatModel);
		prepareSuppliedModel(supplied.response);
		return supplied;
	}
}
