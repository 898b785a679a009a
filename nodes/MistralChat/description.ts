import type { INodeProperties } from 'n8n-workflow';

import { processingProperties } from '../shared/batch/parameters';
import { transportOptions } from '../shared/commonOptions';
import { editorBounds, type OptionName } from '../shared/optionRanges';
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

export const DEFAULT_CHAT_CONCURRENCY = 4;
/** The entries of "Options" Mistral Chat checks against the option table, per item, beside the sampling ones. */
export const CHAT_OPTIONS: readonly OptionName[] = ['frequencyPenalty', 'n', 'presencePenalty', 'toolChoice'];
/** Reasoning models can think for minutes; Mistral's own SDK waits 300 s. */
export const DEFAULT_CHAT_TIMEOUT_S = 300;

/** The argument an AI Agent fills when it calls "Mistral Chat Tool". */
export const TOOL_PROMPT_KEY = 'Prompt';
/** Seen by the agent's model; no backticks in it, it sits in a backtick string. */
const TOOL_PROMPT_DESCRIPTION =
	'The complete message for the Mistral model: the question or task, with all the context and text it needs (it does not see the conversation)';

/** What the agent reads about "Mistral Chat Tool" (the default of its Description parameter). */
export const TOOL_DESCRIPTION =
	'Ask a Mistral chat model and get its answer in "content": e.g. for a second opinion, a summary, a translation, or an extraction from a text you pass in the prompt';

export const chatProperties: INodeProperties[] = [
	{
		// Our own "Description" for the tool variant. n8n adds one defaulting to the node's description
		// ("Send each item..."), and at run time it builds the tool from the base description, so
		// usableAsTool.replacements alone would not reach the agent.
		displayName: 'Description',
		name: 'toolDescription',
		type: 'string',
		typeOptions: { rows: 2 },
		default: TOOL_DESCRIPTION,
		required: true,
		description: 'What the agent reads about this tool: when to use it and what it returns',
		displayOptions: { show: { '@tool': [true] } },
	},
	modelParameter('mistral-small-latest', 'searchModels', 'chat'),
	...processingProperties('items\' prompts'),
	{
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '={{ $json.prompt }}',
		placeholder: 'e.g. Summarise this ticket: {{ $json.body }}',
		description: 'The user message sent for each item',
		hint: 'Map a field of the input item, e.g. {{ $json.text }}. One request is sent per item.',
		// "@tool" is true in "Mistral Chat Tool", the variant n8n makes for AI Agents (usableAsTool).
		displayOptions: { hide: { '@tool': [true] } },
	},
	{
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		typeOptions: { rows: 4 },
		// An agent calls the tool with the arguments named by $fromAI; nothing else reaches it. Written
		// as the editor writes "Let the model define this parameter", so it shows as "Defined
		// automatically by the model", with this description editable.
		default: `={{ /*n8n-auto-generated-fromAI-override*/ $fromAI('${TOOL_PROMPT_KEY}', \`${TOOL_PROMPT_DESCRIPTION}\`, 'string') }}`,
		description: 'The message the agent sends to the Mistral model',
		hint: "The agent's model writes it. For fixed text around it, remove the override and write e.g. Answer briefly: {{ $fromAI('Prompt') }}",
		displayOptions: { show: { '@tool': [true] } },
	},
	{
		displayName: 'System Message',
		name: 'systemMessage',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		placeholder: 'e.g. You are a support agent. Answer in one sentence.',
		description: 'Instructions that steer every answer; sent first, as the "system" role',
	},
	{
		displayName: 'Response Format',
		name: 'responseFormat',
		type: 'options',
		default: 'text',
		description: 'The form of the answer. The JSON formats give a parsed object in "content".',
		options: [
			{ name: 'Text', value: 'text', description: 'Free text' },
			{ name: 'JSON Object', value: 'json_object', description: 'Any valid JSON object; say in the prompt which keys you want' },
			{ name: 'JSON Schema', value: 'json_schema', description: 'JSON that follows the schema below (structured output)' },
		],
	},
	{
		displayName: 'Schema Name',
		name: 'schemaName',
		type: 'string',
		default: 'response',
		description: 'A short name for the schema (letters, digits, _ and -)',
		displayOptions: { show: { responseFormat: ['json_schema'] } },
	},
	{
		displayName: 'JSON Schema',
		name: 'jsonSchema',
		type: 'json',
		typeOptions: { rows: 8 },
		default:
			'{\n  "type": "object",\n  "properties": {\n    "category": { "type": "string" },\n    "confidence": { "type": "number" }\n  },\n  "required": ["category", "confidence"],\n  "additionalProperties": false\n}',
		description: 'The JSON Schema the answer must follow',
		displayOptions: { show: { responseFormat: ['json_schema'] } },
	},
	{
		displayName: 'Strict Schema',
		name: 'strictSchema',
		type: 'boolean',
		default: true,
		description: 'Whether the model must follow the schema exactly',
		displayOptions: { show: { responseFormat: ['json_schema'] } },
	},
	{
		displayName: 'Images',
		name: 'images',
		type: 'fixedCollection',
		placeholder: 'Add Image',
		typeOptions: { multipleValues: true },
		default: {},
		description: 'Images sent with the prompt, for vision models such as Pixtral or Mistral Small/Medium',
		options: [
			{
				displayName: 'Image',
				name: 'image',
				values: [
					{
						displayName: 'Source',
						name: 'source',
						type: 'options',
						default: 'binary',
						description: 'Where the image comes from',
						options: [
							{ name: 'Binary Property', value: 'binary', description: 'A file in the input item (PNG, JPEG, GIF or WEBP, up to 20 MB)' },
							{ name: 'URL', value: 'url', description: 'A public http(s) URL or a data: URL' },
						],
					},
					{
						displayName: 'Binary Property',
						name: 'binaryProperty',
						type: 'string',
						default: 'data',
						description: 'Name of the binary property of the input item that holds the image',
						displayOptions: { show: { source: ['binary'] } },
					},
					{
						displayName: 'Image URL',
						name: 'url',
						type: 'string',
						default: '',
						placeholder: 'https://example.com/photo.jpg',
						description: 'URL of the image',
						displayOptions: { show: { source: ['url'] } },
					},
					{
						displayName: 'Detail',
						name: 'detail',
						type: 'options',
						default: 'auto',
						description: 'How closely the model looks at the image',
						options: [
							{ name: 'Auto', value: 'auto' },
							{ name: 'Low', value: 'low' },
							{ name: 'High', value: 'high' },
						],
					},
				],
			},
		],
	},
	{
		displayName: 'Documents',
		name: 'documents',
		type: 'fixedCollection',
		placeholder: 'Add Document',
		typeOptions: { multipleValues: true },
		default: {},
		description: 'PDFs (or Word/PowerPoint files) sent with the prompt, so the model can answer questions about them. Mistral Small, Medium and Large read documents; see the README.',
		options: [
			{
				displayName: 'Document',
				name: 'document',
				values: [
					{
						displayName: 'Source',
						name: 'source',
						type: 'options',
						default: 'binary',
						description: 'Where the document comes from',
						options: [
							{ name: 'Binary Property', value: 'binary', description: 'A file in the input item (up to 50 MB; above 10 MB it is uploaded to Mistral and deleted afterwards)' },
							{ name: 'URL', value: 'url', description: 'A public http(s) URL Mistral downloads the document from' },
						],
					},
					{
						displayName: 'Binary Property',
						name: 'binaryProperty',
						type: 'string',
						default: 'data',
						description: 'Name of the binary property of the input item that holds the document',
						displayOptions: { show: { source: ['binary'] } },
					},
					{
						displayName: 'Document URL',
						name: 'url',
						type: 'string',
						default: '',
						placeholder: 'https://example.com/report.pdf',
						description: 'URL of the document',
						displayOptions: { show: { source: ['url'] } },
					},
				],
			},
		],
	},
	{
		displayName: 'Extra Messages',
		name: 'extraMessages',
		type: 'fixedCollection',
		placeholder: 'Add Message',
		typeOptions: { multipleValues: true, sortable: true },
		default: {},
		description: 'Messages sent before the prompt, e.g. few-shot examples or earlier turns',
		options: [
			{
				displayName: 'Message',
				name: 'message',
				values: [
					{
						displayName: 'Role',
						name: 'role',
						type: 'options',
						default: 'user',
						description: 'Who says this message',
						options: [
							{ name: 'System', value: 'system' },
							{ name: 'User', value: 'user' },
							{ name: 'Assistant', value: 'assistant' },
						],
					},
					{
						displayName: 'Content',
						name: 'content',
						type: 'string',
						typeOptions: { rows: 2 },
						default: '',
						description: 'The text of the message',
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
			'Whether to return only content, reasoning, tool calls, finish reason, model and usage instead of the full response',
	},
	{
		displayName: 'Include Input Fields',
		name: 'includeInputFields',
		type: 'boolean',
		default: true,
		description: 'Whether to keep the input item\'s fields (e.g. an ID) next to the answer, or next to the error with Continue On Fail',
		// An agent gets the answer only, not its own arguments echoed back.
		displayOptions: { hide: { '@tool': [true] } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Conversation History Field',
				name: 'historyField',
				type: 'string',
				default: '',
				placeholder: 'messages',
				description:
					'Name of an input field that holds earlier messages as a list of {role, content}; they are sent before the prompt (conversation memory)',
			},
			{
				displayName: 'Frequency Penalty',
				name: 'frequencyPenalty',
				type: 'number',
				typeOptions: { ...editorBounds('frequencyPenalty'), numberPrecision: 2 },
				default: 0,
				description: 'Positive values make the model repeat words less (-2 to 2)',
			},
			guardrailsOption,
			maxTokensOption,
			{
				displayName: 'Number of Completions',
				name: 'n',
				type: 'number',
				typeOptions: editorBounds('n'),
				default: 1,
				description: 'How many answers to generate per item; each becomes its own output item. Input tokens are billed once.',
			},
			{
				displayName: 'Parallel Tool Calls',
				name: 'parallelToolCalls',
				type: 'boolean',
				default: true,
				description: 'Whether the model may call several tools at once',
			},
			{
				displayName: 'Predicted Output',
				name: 'prediction',
				type: 'string',
				typeOptions: { rows: 3 },
				default: '',
				description: 'Text you expect most of the answer to match (e.g. a file being edited); speeds up answers',
			},
			{
				displayName: 'Presence Penalty',
				name: 'presencePenalty',
				type: 'number',
				typeOptions: { ...editorBounds('presencePenalty'), numberPrecision: 2 },
				default: 0,
				description: 'Positive values push the model toward new topics (-2 to 2)',
			},
			randomSeedOption,
			reasoningEffortOption,
			{
				displayName: 'Reasoning Mode',
				name: 'reasoningMode',
				type: 'boolean',
				default: false,
				description:
					'Whether to use the reasoning system prompt (prompt_mode "reasoning") of Magistral models; their thinking is returned in "reasoning"',
			},
			safePromptOption,
			{
				displayName: 'Stop Sequences',
				name: 'stop',
				type: 'string',
				typeOptions: { rows: 2 },
				default: '',
				description: 'The answer ends before any of these; one sequence per line',
			},
			temperatureOption,
			{
				displayName: 'Tool Choice',
				name: 'toolChoice',
				type: 'options',
				default: 'auto',
				description: 'Whether and which tool the model must call',
				options: [
					{ name: 'A Specific Function', value: 'function', description: 'Always call the function named below' },
					{ name: 'Any', value: 'any', description: 'Must call at least one tool' },
					{ name: 'Auto', value: 'auto', description: 'The model decides' },
					{ name: 'None', value: 'none', description: 'Never call a tool' },
					{ name: 'Required', value: 'required', description: 'Must call a tool' },
				],
			},
			{
				displayName: 'Tool Choice Function Name',
				name: 'toolChoiceFunction',
				type: 'string',
				default: '',
				description: 'The name of the function the model must call',
				// Offered only once Tool Choice asks for a specific function (a sibling option of this collection).
				displayOptions: { show: { toolChoice: ['function'] } },
			},
			{
				displayName: 'Tools',
				name: 'tools',
				type: 'json',
				typeOptions: { rows: 8 },
				default:
					'[\n  {\n    "type": "function",\n    "function": {\n      "name": "get_weather",\n      "description": "Current weather for a city",\n      "parameters": {\n        "type": "object",\n        "properties": { "city": { "type": "string" } },\n        "required": ["city"]\n      }\n    }\n  }\n]',
				description: 'Functions the model may call, as a JSON list. Calls come back in "tool_calls" with parsed arguments.',
			},
			topPOption,
			...transportOptions(DEFAULT_CHAT_CONCURRENCY, 'Answers keep the input order whatever this is', DEFAULT_CHAT_TIMEOUT_S),
		],
	},
];
