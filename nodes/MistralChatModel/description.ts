import type { INodeProperties } from 'n8n-workflow';

import { DEFAULT_CHAT_TIMEOUT_S } from '../MistralChat/description';
import { transportOptions } from '../shared/commonOptions';
import { modelParameter } from '../shared/models';
import {
	guardrailsOption,
	maxTokensOption,
	randomSeedOption,
	reasoningEffortOption,
	safePromptOption,
	temperatureOption,
	topPOption,
} from '../shared/samplingOptions';

export const chatModelProperties: INodeProperties[] = [
	{
		// n8n's own wording and class: the editor hides this hint once the node's output is connected.
		displayName:
			"To use this model, connect it to an AI Agent or a chain. <a data-action='openSelectiveNodeCreator' data-action-parameter-creatorview='AI'>Insert one</a>",
		name: 'notice',
		type: 'notice',
		default: '',
		typeOptions: { containerClass: 'ndv-connection-hint-notice' },
	},
	modelParameter('mistral-small-latest', 'searchModels', 'chat'),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			guardrailsOption,
			{
				displayName: 'JSON Mode',
				name: 'jsonMode',
				type: 'boolean',
				default: false,
				description: 'Whether the model must answer with a JSON object (response_format json_object); say in the prompt which keys you want',
			},
			maxTokensOption,
			randomSeedOption,
			reasoningEffortOption,
			{
				displayName: 'Reasoning Mode',
				name: 'reasoningMode',
				type: 'boolean',
				default: false,
				description:
					'Whether to use the reasoning system prompt (prompt_mode "reasoning") of Magistral models. Their thinking is kept apart from the answer the agent sees.',
			},
			safePromptOption,
			temperatureOption,
			topPOption,
			...transportOptions(1, 'unused', DEFAULT_CHAT_TIMEOUT_S).filter((option) => option.name !== 'maxConcurrency'),
		],
	},
];
