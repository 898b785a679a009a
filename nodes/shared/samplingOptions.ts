import type { INodeProperties } from 'n8n-workflow';

import { categoryChoices } from './moderation/categories';
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

/** Deprecated by Mistral in favour of guardrails; kept so existing workflows still send it (README: Guardrails). */
export const safePromptOption: INodeProperties = {
	displayName: 'Safe Prompt (Deprecated)',
	name: 'safePrompt',
	type: 'boolean',
	default: false,
	description:
		'Whether Mistral adds its safety system prompt before the conversation (safe_prompt). Mistral deprecates it: use "Guardrails", which refuses unsafe input instead of only instructing the model. Still sent while on.',
};

/** Mistral's guardrails on the chat request (GuardrailConfig); built and checked by nodes/shared/moderation/guardrails.ts. */
export const guardrailsOption: INodeProperties = {
	displayName: 'Guardrails',
	name: 'guardrails',
	type: 'fixedCollection',
	placeholder: 'Add Guardrails',
	default: {},
	description:
		"Mistral moderates the input before the model sees it and refuses the request when a category's score reaches its threshold: the item fails with an error naming the categories (under an AI Agent, the answer says it was blocked)",
	options: [
		{
			displayName: 'Settings',
			name: 'settings',
			values: [
				{
					displayName: 'Action',
					name: 'onViolation',
					type: 'options',
					default: 'block',
					description: 'What happens when a category reaches its threshold',
					options: [
						{ name: 'Block', value: 'block', description: 'Refuse the request (the item fails with the categories named)' },
						{ name: 'None', value: 'none', description: 'Only score, never block' },
					],
				},
				{
					displayName: 'Block On Error',
					name: 'blockOnError',
					type: 'boolean',
					default: false,
					description: 'Whether to refuse the request too when the moderation itself fails on Mistral\'s side',
				},
				{
					displayName: 'Category Thresholds',
					name: 'thresholds',
					type: 'fixedCollection',
					typeOptions: { multipleValues: true },
					placeholder: 'Add Threshold',
					default: {},
					description: "A score (0 to 1) at or above which the category blocks; categories not listed use Mistral's own thresholds",
					options: [
						{
							displayName: 'Threshold',
							name: 'threshold',
							values: [
								{
									displayName: 'Category',
									name: 'category',
									type: 'options',
									default: 'hate_and_discrimination',
									description: 'Dangerous, Criminal and Jailbreaking exist in v2 only; Dangerous and Criminal Content in v1 only',
									options: categoryChoices(),
								},
								{
									displayName: 'Threshold',
									name: 'threshold',
									type: 'number',
									typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
									default: 0.5,
									description: 'Score from 0 to 1 at or above which this category blocks (lower is stricter)',
								},
							],
						},
					],
				},
				{
					displayName: 'Only Listed Categories',
					name: 'ignoreOtherCategories',
					type: 'boolean',
					default: false,
					description: "Whether only the categories with a threshold below are checked; otherwise the others use Mistral's own thresholds",
				},
				{
					displayName: 'Policy',
					name: 'policy',
					type: 'options',
					default: 'moderation_llm_v2',
					description: 'Which moderation model and categories judge the input',
					options: [
						{ name: 'Moderation V2 (Mistral-Moderation-2603, Recommended)', value: 'moderation_llm_v2', description: 'Adds the dangerous, criminal and jailbreaking categories' },
						{ name: 'Moderation V1 (Mistral-Moderation-2411, Deprecated)', value: 'moderation_llm_v1' },
					],
				},
			],
		},
	],
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
