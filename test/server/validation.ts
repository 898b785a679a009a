/**
 * A small pydantic-like validator for the request schemas of Mistral's OpenAPI spec
 * (the steering repo's shared/mistral-openapi/openapi-public-doc.yaml, beside the project as ../shared): ChatCompletionRequest, EmbeddingRequest and
 * everything they reference. Every schema marked `additionalProperties: false` in the spec forbids
 * unknown keys here too (422 `extra_forbidden`). Errors are collected like pydantic does (all of
 * them, not just the first) as FastAPI `detail` entries:
 *   { type, loc: ['body', ...path], msg, input, ctx? }
 * Error types used: missing, extra_forbidden, string_type, int_type, int_from_float, float_type,
 * bool_type, list_type, dict_type, model_type, model_attributes_type, too_short, greater_than,
 * greater_than_equal, less_than_equal, literal_error (const/Literal fields, and the `role` / chunk
 * `type` discriminators), enum (named enums: EmbeddingDtype, EncodingFormat, ResponseFormats,
 * ToolChoiceEnum, ToolTypes, ImageDetail, ReasoningEffort, MistralPromptMode,
 * RequestedServiceTier), union_tag_not_found (discriminator key absent), uuid_parsing.
 *
 * Simplifications (documented, never more lenient): a union (anyOf) is resolved by the JSON type
 * of the value and reports the errors of the matching branch (pydantic reports one entry per
 * branch, with the branch name in `loc`); locations never contain pydantic's branch tags; strings
 * are never coerced to numbers (pydantic's lax mode would accept "0.5"); booleans are not integers.
 */

export type Loc = Array<string | number>;

export interface DetailEntry {
	type: string;
	loc: Loc;
	msg: string;
	input: unknown;
	ctx?: Record<string, unknown>;
}

export type Schema =
	| { k: 'str' }
	| { k: 'uuid' }
	| { k: 'int'; ge?: number; gt?: number }
	| { k: 'num'; ge?: number; le?: number; gt?: number }
	| { k: 'bool' }
	| { k: 'dict' }
	| { k: 'any' }
	| { k: 'choice'; values: string[]; err: 'enum' | 'literal_error' }
	| { k: 'nullable'; of: Schema }
	| { k: 'list'; of: Schema; minItems?: number }
	| { k: 'obj'; title: string; props: Record<string, Schema>; required: string[]; allowExtra?: boolean }
	| { k: 'anyOf'; of: Schema[] }
	| { k: 'tagged'; title: string; tag: string; map: Record<string, Schema>; defaultTag?: string };

// ----- schema builders -----------------------------------------------------------------------------
const str: Schema = { k: 'str' };
const uuid: Schema = { k: 'uuid' };
const bool: Schema = { k: 'bool' };
const dict: Schema = { k: 'dict' };
const int = (c: { ge?: number; gt?: number } = {}): Schema => ({ k: 'int', ...c });
const num = (c: { ge?: number; le?: number; gt?: number } = {}): Schema => ({ k: 'num', ...c });
const lit = (value: string): Schema => ({ k: 'choice', values: [value], err: 'literal_error' });
const enumOf = (...values: string[]): Schema => ({ k: 'choice', values, err: 'enum' });
const nul = (of: Schema): Schema => ({ k: 'nullable', of });
const list = (of: Schema, minItems?: number): Schema => ({ k: 'list', of, minItems });
const anyOf = (...of: Schema[]): Schema => ({ k: 'anyOf', of });
const obj = (title: string, props: Record<string, Schema>, required: string[] = [], allowExtra = false): Schema => ({
	k: 'obj',
	title,
	props,
	required,
	allowExtra,
});
const tagged = (title: string, tag: string, map: Record<string, Schema>, defaultTag?: string): Schema => ({
	k: 'tagged',
	title,
	tag,
	map,
	defaultTag,
});

// ----- the spec's schemas --------------------------------------------------------------------------
const TextChunk = obj('TextChunk', { type: lit('text'), text: str }, ['text']);
const ImageURL = obj('ImageURL', { url: str, detail: nul(enumOf('low', 'auto', 'high')) }, ['url']);
const ImageURLChunk = obj('ImageURLChunk', { type: lit('image_url'), image_url: anyOf(ImageURL, str) }, ['image_url']);
const DocumentURLChunk = obj(
	'DocumentURLChunk',
	{ type: lit('document_url'), document_url: str, document_name: nul(str) },
	['document_url'],
);
const ReferenceChunk = obj('ReferenceChunk', { type: lit('reference'), reference_ids: list(anyOf(int(), str)) }, [
	'reference_ids',
]);
const FileChunk = obj('FileChunk', { type: lit('file'), file_id: uuid }, ['file_id']);
const ToolReferenceChunk = obj(
	'ToolReferenceChunk',
	{ type: lit('tool_reference'), tool: str, title: str, url: nul(str), favicon: nul(str), description: nul(str) },
	['tool', 'title'],
);
const ThinkChunk = obj(
	'ThinkChunk',
	{
		type: lit('thinking'),
		thinking: list(
			tagged('ThinkingItem', 'type', { text: TextChunk, tool_reference: ToolReferenceChunk, reference: ReferenceChunk }, 'text'),
		),
		signature: nul(str),
		closed: bool,
	},
	['thinking'],
);
const AudioChunk = obj('AudioChunk', { type: lit('input_audio'), input_audio: str }, ['input_audio']);
const ContentChunk = tagged('ContentChunk', 'type', {
	text: TextChunk,
	image_url: ImageURLChunk,
	document_url: DocumentURLChunk,
	reference: ReferenceChunk,
	file: FileChunk,
	thinking: ThinkChunk,
	input_audio: AudioChunk,
});
const SystemChunk = tagged('SystemMessageContentChunks', 'type', { text: TextChunk, thinking: ThinkChunk });
const Content = anyOf(str, list(ContentChunk));

const FunctionCall = obj('FunctionCall', { name: str, arguments: anyOf(dict, str) }, ['name', 'arguments']);
const ToolCall = obj('ToolCall', { id: str, type: enumOf('function'), function: FunctionCall, index: int() }, ['function']);

const SystemMessage = obj('SystemMessage', { role: lit('system'), content: anyOf(str, list(SystemChunk)) }, ['content']);
const UserMessage = obj('UserMessage', { role: lit('user'), content: nul(Content) }, ['content']);
const AssistantMessage = obj('AssistantMessage', {
	role: lit('assistant'),
	content: nul(Content),
	tool_calls: nul(list(ToolCall)),
	prefix: bool,
});
// The spec makes tool_call_id optional and nullable; the brief (and Mistral's serving layer) needs
// it, so it is required here and must be a string.
const ToolMessage = obj(
	'ToolMessage',
	{ role: lit('tool'), content: nul(Content), tool_call_id: str, name: nul(str) },
	['content', 'tool_call_id'],
);
const Message = tagged('Message', 'role', {
	system: SystemMessage,
	user: UserMessage,
	assistant: AssistantMessage,
	tool: ToolMessage,
});

const FunctionDef = obj('Function', { name: str, description: str, strict: bool, parameters: dict }, ['name', 'parameters']);
const ToolConfiguration = obj('ToolConfiguration', {
	exclude: nul(list(str)),
	include: nul(list(str)),
	requires_confirmation: nul(list(str)),
});
const builtInTool = (type: string) =>
	obj(type, { type: enumOf(type), tool_configuration: nul(ToolConfiguration) });
const ConnectorAuth = tagged('Authorization', 'type', {
	'oauth2-token': obj('OAuth2TokenAuth', { type: enumOf('oauth2-token'), value: str }, ['value']),
	'api-key': obj('APIKeyAuth', { type: enumOf('api-key'), value: str }, ['value']),
});
const ToolSchema = tagged('Tool', 'type', {
	function: obj('Tool', { type: enumOf('function'), function: FunctionDef }, ['function']),
	web_search: builtInTool('web_search'),
	web_search_premium: builtInTool('web_search_premium'),
	code_interpreter: builtInTool('code_interpreter'),
	image_generation: builtInTool('image_generation'),
	document_library: obj(
		'DocumentLibraryTool',
		{ type: enumOf('document_library'), tool_configuration: nul(ToolConfiguration), library_ids: list(str, 1) },
		['library_ids'],
	),
	connector: obj(
		'CustomConnector',
		{ type: enumOf('connector'), connector_id: str, authorization: nul(ConnectorAuth), tool_configuration: nul(ToolConfiguration) },
		['connector_id'],
	),
});
const ToolChoice = obj(
	'ToolChoice',
	{ type: enumOf('function'), function: obj('FunctionName', { name: str }, ['name']) },
	['function'],
);
const ToolChoiceEnum = enumOf('auto', 'none', 'any', 'required');
const JsonSchema = obj('JsonSchema', { name: str, description: nul(str), schema: dict, strict: bool }, ['name', 'schema']);
const ResponseFormat = obj('ResponseFormat', {
	type: enumOf('text', 'json_object', 'json_schema'),
	json_schema: nul(JsonSchema),
});
const Prediction = obj('Prediction', { type: lit('content'), content: str });
// GuardrailConfig, ModerationLLMV1Config / V2Config and their threshold objects are not marked
// additionalProperties: false in the spec: extra keys are accepted (and ignored).
const thresholdsOf = (title: string, categories: string[]) =>
	obj(title, Object.fromEntries(categories.map((category) => [category, nul(num())])), [], true);
const V1_THRESHOLD_KEYS = ['sexual', 'hate_and_discrimination', 'violence_and_threats', 'dangerous_and_criminal_content', 'selfharm', 'health', 'financial', 'law', 'pii'];
const V2_THRESHOLD_KEYS = ['sexual', 'hate_and_discrimination', 'violence_and_threats', 'dangerous', 'criminal', 'selfharm', 'health', 'financial', 'law', 'pii', 'jailbreaking'];
const moderationLlmConfig = (title: string, thresholds: Schema) =>
	obj(
		title,
		{ model_name: str, custom_category_thresholds: nul(thresholds), ignore_other_categories: bool, action: enumOf('none', 'block') },
		[],
		true,
	);
const GuardrailConfig = obj(
	'GuardrailConfig',
	{
		block_on_error: bool,
		moderation_llm_v1: nul(moderationLlmConfig('ModerationLLMV1Config', thresholdsOf('ModerationLLMV1CategoryThresholds', V1_THRESHOLD_KEYS))),
		moderation_llm_v2: nul(moderationLlmConfig('ModerationLLMV2Config', thresholdsOf('ModerationLLMV2CategoryThresholds', V2_THRESHOLD_KEYS))),
	},
	[],
	true,
);

export const ChatCompletionRequest = obj(
	'ChatCompletionRequest',
	{
		model: str,
		temperature: nul(num({ ge: 0, le: 1.5 })),
		top_p: nul(num({ gt: 0, le: 1 })),
		max_tokens: nul(int({ ge: 0 })),
		stream: bool,
		stop: nul(anyOf(str, list(str))),
		random_seed: nul(int({ ge: 0 })),
		metadata: nul(dict),
		messages: list(Message),
		response_format: ResponseFormat,
		tools: nul(list(ToolSchema)),
		tool_choice: anyOf(ToolChoice, ToolChoiceEnum),
		presence_penalty: nul(num({ ge: -2, le: 2 })),
		frequency_penalty: nul(num({ ge: -2, le: 2 })),
		n: nul(int({ ge: 1 })),
		prediction: Prediction,
		parallel_tool_calls: bool,
		reasoning_effort: nul(enumOf('none', 'minimal', 'low', 'medium', 'high', 'xhigh')),
		prompt_mode: nul(enumOf('reasoning')),
		guardrails: nul(list(GuardrailConfig)),
		prompt_cache_key: nul(str),
		service_tier: nul(enumOf('auto', 'standard_only')),
		safe_prompt: bool,
	},
	['messages', 'model'],
);

export const EmbeddingRequest = obj(
	'EmbeddingRequest',
	{
		model: str,
		metadata: nul(dict),
		// The spec has no minItems; an empty list is still refused (422 too_short), as the brief asks.
		input: anyOf(str, list(str, 1)),
		output_dimension: nul(int({ gt: 0 })),
		output_dtype: enumOf('float', 'int8', 'uint8', 'binary', 'ubinary'),
		encoding_format: enumOf('float', 'base64'),
	},
	['input', 'model'],
);

/** /v1/moderations and /v1/classifications. */
export const ClassificationRequest = obj(
	'ClassificationRequest',
	{
		model: str,
		metadata: nul(dict),
		// As for embeddings: an empty list is refused (422 too_short).
		input: anyOf(str, list(str, 1)),
	},
	['input', 'model'],
);

/** /v1/chat/moderations: one conversation (a list of messages) or several (a list of such lists). */
export const ChatModerationRequest = obj(
	'ChatModerationRequest',
	{
		input: anyOf(list(Message, 1), list(list(Message, 1), 1)),
		model: str,
	},
	['input', 'model'],
);

// ----- the validator -------------------------------------------------------------------------------
function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pyRepr(value: number): string {
	return String(value);
}

function expectedList(values: string[]): string {
	const quoted = values.map((v) => `'${v}'`);
	if (quoted.length <= 1) return quoted.join('');
	return `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}

function accepts(schema: Schema, value: unknown): boolean {
	switch (schema.k) {
		case 'str':
		case 'uuid':
		case 'choice':
			return typeof value === 'string';
		case 'int':
		case 'num':
			return typeof value === 'number';
		case 'bool':
			return typeof value === 'boolean';
		case 'dict':
		case 'obj':
		case 'tagged':
			return isPlainObject(value);
		case 'list':
			// Looks one level in, so anyOf(list of X, list of lists of X) tells the two apart.
			return Array.isArray(value) && (value.length === 0 || accepts(schema.of, value[0]));
		case 'any':
			return true;
		case 'nullable':
			return value === null || accepts(schema.of, value);
		case 'anyOf':
			return schema.of.some((s) => accepts(s, value));
	}
}

const UUID_RE = /^(?:[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}|urn:uuid:[0-9a-fA-F-]{36})$/;

export function validate(value: unknown, schema: Schema, loc: Loc, errors: DetailEntry[]): void {
	const push = (type: string, msg: string, at: Loc = loc, input: unknown = value, ctx?: Record<string, unknown>) => {
		const entry: DetailEntry = { type, loc: at, msg, input };
		if (ctx) entry.ctx = ctx;
		errors.push(entry);
	};
	switch (schema.k) {
		case 'any':
			return;
		case 'str':
			if (typeof value !== 'string') push('string_type', 'Input should be a valid string');
			return;
		case 'uuid':
			if (typeof value !== 'string') push('uuid_type', 'UUID input should be a string, bytes or UUID object');
			else if (!UUID_RE.test(value)) {
				push('uuid_parsing', 'Input should be a valid UUID, invalid length or character', loc, value, {
					error: 'invalid character or length',
				});
			}
			return;
		case 'bool':
			if (typeof value !== 'boolean') push('bool_type', 'Input should be a valid boolean');
			return;
		case 'dict':
			if (!isPlainObject(value)) push('dict_type', 'Input should be a valid dictionary');
			return;
		case 'int':
			if (typeof value !== 'number' || !Number.isFinite(value)) {
				push('int_type', 'Input should be a valid integer');
				return;
			}
			if (!Number.isInteger(value)) {
				push('int_from_float', 'Input should be a valid integer, got a number with a fractional part');
				return;
			}
			checkBounds(value, schema, push);
			return;
		case 'num':
			if (typeof value !== 'number' || !Number.isFinite(value)) {
				push('float_type', 'Input should be a valid number');
				return;
			}
			checkBounds(value, schema, push);
			return;
		case 'choice':
			if (typeof value !== 'string' || !schema.values.includes(value)) {
				const expected = expectedList(schema.values);
				push(schema.err, `Input should be ${expected}`, loc, value, { expected });
			}
			return;
		case 'nullable':
			if (value === null) return;
			validate(value, schema.of, loc, errors);
			return;
		case 'anyOf': {
			const branch = schema.of.find((s) => accepts(s, value)) ?? schema.of[0];
			validate(value, branch, loc, errors);
			return;
		}
		case 'list': {
			if (!Array.isArray(value)) {
				push('list_type', 'Input should be a valid list');
				return;
			}
			if (schema.minItems !== undefined && value.length < schema.minItems) {
				push(
					'too_short',
					`List should have at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'} after validation, not ${value.length}`,
					loc,
					value,
					{ field_type: 'List', min_length: schema.minItems, actual_length: value.length },
				);
				return;
			}
			const item = schema.of;
			// Fast path for the huge list[str] of embeddings.
			if (item.k === 'str') {
				for (let i = 0; i < value.length; i++) {
					if (typeof value[i] !== 'string') {
						errors.push({ type: 'string_type', loc: [...loc, i], msg: 'Input should be a valid string', input: value[i] });
					}
				}
				return;
			}
			for (let i = 0; i < value.length; i++) validate(value[i], item, [...loc, i], errors);
			return;
		}
		case 'obj': {
			if (!isPlainObject(value)) {
				push('model_type', `Input should be a valid dictionary or instance of ${schema.title}`, loc, value, {
					class_name: schema.title,
				});
				return;
			}
			for (const key of Object.keys(value)) {
				const prop = schema.props[key];
				if (prop === undefined) {
					if (!schema.allowExtra) push('extra_forbidden', 'Extra inputs are not permitted', [...loc, key], value[key]);
					continue;
				}
				validate(value[key], prop, [...loc, key], errors);
			}
			for (const key of schema.required) {
				if (!(key in value)) push('missing', 'Field required', [...loc, key], value);
			}
			return;
		}
		case 'tagged': {
			if (!isPlainObject(value)) {
				push('model_attributes_type', 'Input should be a valid dictionary or object to extract fields from');
				return;
			}
			let tag = value[schema.tag];
			if (tag === undefined && schema.defaultTag !== undefined) tag = schema.defaultTag;
			if (tag === undefined) {
				push('union_tag_not_found', `Unable to extract tag using discriminator '${schema.tag}'`, loc, value, {
					discriminator: `'${schema.tag}'`,
				});
				return;
			}
			const tags = Object.keys(schema.map);
			if (typeof tag !== 'string' || !tags.includes(tag)) {
				const expected = expectedList(tags);
				push('literal_error', `Input should be ${expected}`, [...loc, schema.tag], tag, { expected });
				return;
			}
			validate(value, schema.map[tag], loc, errors);
			return;
		}
	}
}

function checkBounds(
	value: number,
	schema: { ge?: number; le?: number; gt?: number },
	push: (type: string, msg: string, at?: Loc, input?: unknown, ctx?: Record<string, unknown>) => void,
): void {
	if (schema.gt !== undefined && !(value > schema.gt)) {
		push('greater_than', `Input should be greater than ${pyRepr(schema.gt)}`, undefined, value, { gt: schema.gt });
	} else if (schema.ge !== undefined && value < schema.ge) {
		push('greater_than_equal', `Input should be greater than or equal to ${pyRepr(schema.ge)}`, undefined, value, {
			ge: schema.ge,
		});
	} else if (schema.le !== undefined && value > schema.le) {
		push('less_than_equal', `Input should be less than or equal to ${pyRepr(schema.le)}`, undefined, value, {
			le: schema.le,
		});
	}
}

/** Validates a request body; the body itself must be a JSON object (FastAPI's rule). */
export function validateBody(body: unknown, schema: Schema): DetailEntry[] {
	const errors: DetailEntry[] = [];
	if (!isPlainObject(body)) {
		errors.push({
			type: 'model_attributes_type',
			loc: ['body'],
			msg: 'Input should be a valid dictionary or object to extract fields from',
			input: body,
		});
		return errors;
	}
	validate(body, schema, ['body'], errors);
	return errors;
}
