import type { INodeProperties } from 'n8n-workflow';

import { DEFAULT_CHAT_TIMEOUT_S } from '../MistralChat/description';
import { transportOptions } from '../shared/commonOptions';
import { modelParameter } from '../shared/models';

export const chatModelProperties: INodeProperties[] = [
	{
		displayName: 'Connect this node to an AI Agent, a chain or another AI root node; it is the model they talk to',
		name: 'notice',
		type: 'notice',
		default: '',
	},
	modelParameter('mistral-small-latest', 'searchModels', 'chat'),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'JSON Mode',
				name: 'jsonMode',
				type: 'boolean',
				default: false,
				description: 'Whether the model must answer with a JSON object (response_format json_object); say in the prompt which keys you want',
			},
			{
				displayName: 'Max Tokens',
				name: 'maxTokens',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 1024,
				description: 'The most tokens one answer may have',
			},
			{
				displayName: 'Random Seed',
				name: 'randomSeed',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description: 'A fixed seed makes sampling repeatable',
			},
			{
				displayName: 'Reasoning Effort',
				name: 'reasoningEffort',
				type: 'options',
				default: 'medium',
				description: 'How much the model thinks before answering, on models that support it',
				options: [
					{ name: 'High', value: 'high' },
					{ name: 'Low', value: 'low' },
					{ name: 'Medium', value: 'medium' },
					{ name: 'Minimal', value: 'minimal' },
					{ name: 'None', value: 'none' },
				],
			},
			{
				displayName: 'Reasoning Mode',
				name: 'reasoningMode',
				type: 'boolean',
				default: false,
				description:
					'Whether to use the reasoning system prompt (prompt_mode "reasoning") of Magistral models. Their thinking is kept apart from the answer the agent sees.',
			},
			{
				displayName: 'Safe Prompt',
				name: 'safePrompt',
				type: 'boolean',
				default: false,
				description: 'Whether Mistral adds its safety prompt before the conversation',
			},
			{
				displayName: 'Temperature',
				name: 'temperature',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1.5, numberPrecision: 2 },
				default: 0.3,
				description: 'Higher values give more varied answers (0 to 1.5). Unset, the model\'s own default applies.',
			},
			{
				displayName: 'Top P',
				name: 'topP',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
				default: 1,
				description: 'Nucleus sampling: only the tokens in the top P probability mass are considered (0 to 1)',
			},
			...transportOptions(1, 'unused', DEFAULT_CHAT_TIMEOUT_S).filter((option) => option.name !== 'maxConcurrency'),
		],
	},
];
