import type { INodeProperties } from 'n8n-workflow';

import { processingProperties } from '../shared/batch/parameters';
import { transportOptions } from '../shared/commonOptions';
import { modelParameter } from '../shared/models';
import { editorBounds } from '../shared/optionRanges';
import { categoryChoices } from '../shared/moderation/categories';

export const DEFAULT_MODERATION_MODEL = 'mistral-moderation-latest';
export const DEFAULT_MODERATE_CONCURRENCY = 4;
export const DEFAULT_MODERATE_TIMEOUT_S = 60;
/**
 * Mistral documents no input count or token cap for moderation ("small batched requests"); the
 * node keeps to the limits Mistral enforces on embeddings (16,384 tokens per request) and sends at
 * most 128 inputs per request. A request refused for size is split and sent again.
 */
export const DEFAULT_MODERATE_BATCH_SIZE = 128;
export const MAX_MODERATE_TOKENS_PER_REQUEST = 16_384;

/** The argument an AI Agent fills when it calls "Mistral Moderate Tool". */
export const TOOL_TEXT_KEY = 'Text';
const TOOL_TEXT_DESCRIPTION = 'The exact text to check for unsafe content (hate, violence, self-harm, personal data, jailbreak attempts...)';
export const TOOL_DESCRIPTION =
	'Check a text with Mistral moderation: returns "flagged", the flagged categories and a score from 0 to 1 per category';

const notTool = { hide: { '@tool': [true] } };

export const moderateProperties: INodeProperties[] = [
	{
		displayName: 'Description',
		name: 'toolDescription',
		type: 'string',
		typeOptions: { rows: 2 },
		default: TOOL_DESCRIPTION,
		required: true,
		description: 'What the agent reads about this tool: when to use it and what it returns',
		displayOptions: { show: { '@tool': [true] } },
	},
	modelParameter(DEFAULT_MODERATION_MODEL, 'searchModels', 'moderation'),
	...processingProperties('texts'),
	{
		displayName: 'Input',
		name: 'input',
		type: 'options',
		default: 'text',
		description: 'What to moderate for each item',
		displayOptions: notTool,
		options: [
			{ name: 'Text', value: 'text', description: 'A text per item; many items go in one request (/v1/moderations)' },
			{
				name: 'Conversation',
				value: 'conversation',
				description: 'A chat per item, judged in context: its last message is what gets classified (/v1/chat/moderations)',
			},
		],
	},
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		typeOptions: { rows: 2 },
		default: '={{ $json.text }}',
		description: 'The text to moderate for each item',
		hint: 'Map a field of the input item, e.g. a form answer. Many items are sent per request, so thousands of rows are fast.',
		displayOptions: { show: { input: ['text'] }, hide: { '@tool': [true] } },
	},
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		typeOptions: { rows: 2 },
		default: `={{ /*n8n-auto-generated-fromAI-override*/ $fromAI('${TOOL_TEXT_KEY}', \`${TOOL_TEXT_DESCRIPTION}\`, 'string') }}`,
		description: 'The text the agent asks to check',
		displayOptions: { show: { '@tool': [true] } },
	},
	{
		displayName: 'Conversation From',
		name: 'conversationSource',
		type: 'options',
		default: 'chatTrigger',
		description: 'Where each item\'s conversation comes from',
		displayOptions: { show: { input: ['conversation'] }, hide: { '@tool': [true] } },
		options: [
			{
				name: 'Chat Message (Chat Trigger)',
				value: 'chatTrigger',
				description: 'The user\'s message ("chatInput" of a Chat Trigger), after optional earlier messages',
			},
			{ name: 'Messages Field', value: 'messages', description: 'A list of {role, content} messages on the item' },
		],
	},
	{
		displayName: 'Chat Message',
		name: 'chatInput',
		type: 'string',
		typeOptions: { rows: 2 },
		default: '={{ $json.chatInput }}',
		description: 'The latest user message, the one being moderated',
		displayOptions: { show: { input: ['conversation'], conversationSource: ['chatTrigger'] }, hide: { '@tool': [true] } },
	},
	{
		displayName: 'Earlier Messages',
		name: 'history',
		type: 'json',
		default: '',
		description: 'Optional: the conversation so far, as a list of {role, content} messages (e.g. from a memory node), for context',
		displayOptions: { show: { input: ['conversation'], conversationSource: ['chatTrigger'] }, hide: { '@tool': [true] } },
	},
	{
		displayName: 'Messages',
		name: 'messages',
		type: 'json',
		default: '={{ $json.messages }}',
		description: 'The conversation to moderate: a list of {role, content} messages (roles system, user, assistant, tool)',
		displayOptions: { show: { input: ['conversation'], conversationSource: ['messages'] }, hide: { '@tool': [true] } },
	},
	{
		displayName: 'Thresholds',
		name: 'thresholds',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Threshold',
		default: {},
		description:
			"By default an item is flagged where Mistral's own verdict flags a category. A threshold here replaces that verdict for its category: a score (0 to 1) at or above it flags the item. With the Batch API in two steps, the thresholds of the \"Collect Results\" node apply.",
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
						description: 'The category this threshold applies to. Dangerous, Criminal and Jailbreaking are scored by mistral-moderation-2603; Dangerous and Criminal Content by 2411.',
						options: categoryChoices(),
					},
					{
						displayName: 'Threshold',
						name: 'threshold',
						type: 'number',
						typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
						default: 0.5,
						description: 'Score from 0 to 1 at or above which the category flags the item (lower is stricter)',
					},
				],
			},
		],
	},
	{
		displayName: 'Simplify Output',
		name: 'simplify',
		type: 'boolean',
		default: true,
		description:
			'Whether to output only "flagged", "flaggedCategories" and the scores; off adds Mistral\'s own verdict per category, the thresholds applied and the model',
	},
	{
		displayName: 'Output Field',
		name: 'outputField',
		type: 'string',
		default: 'moderation',
		description: 'Name of the field that receives the result',
	},
	{
		displayName: 'Include Input Fields',
		name: 'includeInputFields',
		type: 'boolean',
		default: true,
		description: "Whether to keep the input item's fields next to the result (or next to the error, with Continue On Fail)",
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Batch Size',
				name: 'batchSize',
				type: 'number',
				typeOptions: editorBounds('batchSize'),
				default: DEFAULT_MODERATE_BATCH_SIZE,
				description: 'The most texts or conversations sent in one request; requests also stay under the token limit below',
			},
			{
				displayName: 'Max Tokens per Request',
				name: 'maxTokensPerRequest',
				type: 'number',
				typeOptions: editorBounds('maxTokensPerRequest'),
				default: MAX_MODERATE_TOKENS_PER_REQUEST,
				description:
					'Most tokens one request may hold, as the server counts them. The node estimates each text\'s tokens and learns from the counts the server reports; a request refused for size is split and sent again.',
			},
			{
				displayName: 'Only Listed Categories',
				name: 'onlyListedCategories',
				type: 'boolean',
				default: false,
				description: 'Whether only the categories with a threshold above can flag an item; the others are still scored but ignored',
			},
			...transportOptions(DEFAULT_MODERATE_CONCURRENCY, 'Items keep their order whatever this is', DEFAULT_MODERATE_TIMEOUT_S),
		],
	},
];
