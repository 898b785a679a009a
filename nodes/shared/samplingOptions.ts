import type { INodeProperties } from 'n8n-workflow';

import { editorBounds, type OptionName } from './optionRanges';

/** The sampling options both chat nodes check against the option table before the first request. */
export const SAMPLING_OPTIONS: readonly OptionName[] = ['maxTokens', 'randomSeed', 'reasoningEffort', 'temperature', 'topP'];

/** Sampling options that Mistral Chat and Mistral Chat Model offer alike (Mistral's field names in requestBody.ts). */

export const maxTokensOption: INodeProperties = {
	displayName: 'Max Tokens',
	name: 'maxTokens',
	type: 'number',
	typeOptions: editorBounds('maxTokens'),
	default: 1024,
	description: 'The most tokens the answer may have (1 to 262,144)',
};

export const randomSeedOption: INodeProperties = {
	displayName: 'Random Seed',
	name: 'randomSeed',
	type: 'number',
	typeOptions: editorBounds('randomSeed'),
	default: 0,
	description: 'A fixed seed makes sampling repeatable (a whole number from 0 to 4,294,967,295)',
};

export const reasoningEffortOption: INodeProperties = {
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
};

export const safePromptOption: INodeProperties = {
	displayName: 'Safe Prompt',
	name: 'safePrompt',
	type: 'boolean',
	default: false,
	description: 'Whether Mistral adds its safety prompt before the conversation',
};

export const temperatureOption: INodeProperties = {
	displayName: 'Temperature',
	name: 'temperature',
	type: 'number',
	typeOptions: { ...editorBounds('temperature'), numberPrecision: 2 },
	default: 0.3,
	description:
		"Sampling temperature, sent only while this option is added: lower is more focused, higher more varied (0 to 1.5; Mistral recommends 0 to 0.7). Remove the option to use the model's own default, which differs by model. Change this or Top P, not both.",
};

export const topPOption: INodeProperties = {
	displayName: 'Top P',
	name: 'topP',
	type: 'number',
	typeOptions: { ...editorBounds('topP'), numberPrecision: 2 },
	default: 1,
	description: 'Nucleus sampling: only the tokens in the top P probability mass are considered (above 0, at most 1)',
};
