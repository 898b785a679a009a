/**
 * Turns the node's parameters into a chat-completions body with only the fields Mistral's spec
 * names, and only those the user set (pure). Throws ParameterError naming the parameter.
 */
import { guardrailsField } from '../../shared/moderation/guardrails';
import { checkedChoice, checkedNumber } from '../../shared/optionRanges';
import type { ChatMessage } from './messages';

export class ParameterError extends Error {}

export interface ChatOptions {
	temperature?: number;
	topP?: number;
	maxTokens?: number;
	stop?: string;
	randomSeed?: number;
	presencePenalty?: number;
	frequencyPenalty?: number;
	n?: number;
	safePrompt?: boolean;
	/** The "Guardrails" option as n8n hands it over (guardrailSettingsOf). */
	guardrails?: unknown;
	reasoningMode?: boolean;
	reasoningEffort?: string;
	tools?: unknown;
	toolChoice?: string;
	toolChoiceFunction?: string;
	parallelToolCalls?: boolean;
	prediction?: string;
}

export interface ResponseFormatParams {
	responseFormat?: string;
	schemaName?: string;
	jsonSchema?: unknown;
	strictSchema?: boolean;
}

type Body = Record<string, unknown>;

export function parseJsonParameter(value: unknown, label: string): unknown {
	if (typeof value !== 'string') return value;
	if (value.trim() === '') return undefined;
	let parseProblem = '';
	try {
		return JSON.parse(value);
	} catch (error) {
		parseProblem = (error as Error).message;
	}
	throw new ParameterError(`"${label}" is not valid JSON (${parseProblem}). Fix the JSON in the editor`);
}

function stopSequences(raw: string): string | string[] | undefined {
	const lines = raw.split('\n').map((line) => line.replace(/\r$/, '')).filter((line) => line !== '');
	if (lines.length === 0) return undefined;
	return lines.length === 1 ? lines[0] : lines;
}

const TOOL_KEYS = new Set(['type', 'function']);
const FUNCTION_KEYS = new Set(['name', 'description', 'parameters', 'strict']);

/** Accepts a list of tools in Mistral's form, or bare function definitions, and checks each. */
export function normalizeTools(raw: unknown): unknown[] | undefined {
	const value = parseJsonParameter(raw, 'Tools');
	if (value === undefined || value === null) return undefined;
	if (!Array.isArray(value)) throw new ParameterError('"Tools" must be a JSON list of function definitions');
	if (value.length > 128) throw new ParameterError(`"Tools" has ${value.length} entries; Mistral accepts at most 128`);
	return value.map((entry, index) => {
		if (typeof entry !== 'object' || entry === null) {
			throw new ParameterError(`Tool ${index} in "Tools" must be an object`);
		}
		const record = entry as Record<string, unknown>;
		const fn = (record.function ?? record) as Record<string, unknown>;
		if (record.function !== undefined) {
			const extra = Object.keys(record).filter((key) => !TOOL_KEYS.has(key));
			if (extra.length) throw new ParameterError(`Tool ${index} in "Tools" has unknown field(s) ${extra.join(', ')}`);
			if (record.type !== undefined && record.type !== 'function') {
				throw new ParameterError(`Tool ${index} in "Tools" has type "${String(record.type)}"; only "function" is supported`);
			}
		}
		if (typeof fn.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(fn.name)) {
			throw new ParameterError(`Tool ${index} in "Tools" needs a "name" of letters, digits, _ or - (at most 64)`);
		}
		const extra = Object.keys(fn).filter((key) => !FUNCTION_KEYS.has(key));
		if (extra.length) {
			throw new ParameterError(`Tool "${fn.name}" has unknown field(s) ${extra.join(', ')}; use name, description, parameters, strict`);
		}
		const parameters = fn.parameters ?? { type: 'object', properties: {} };
		if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) {
			throw new ParameterError(`Tool "${fn.name}" needs "parameters" as a JSON Schema object`);
		}
		return { type: 'function', function: { ...fn, parameters } };
	});
}

function responseFormat(params: ResponseFormatParams): Body | undefined {
	switch (checkedChoice<'text' | 'json_object' | 'json_schema'>('responseFormat', params.responseFormat, 'text')) {
		case 'text':
			return undefined;
		case 'json_object':
			return { type: 'json_object' };
		case 'json_schema': {
			const schema = parseJsonParameter(params.jsonSchema, 'JSON Schema');
			if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
				throw new ParameterError('"JSON Schema" must be a JSON object, e.g. {"type":"object","properties":{...}}');
			}
			const name = (params.schemaName ?? '').trim() || 'response';
			if (!/^[a-zA-Z0-9_-]{1,64}$/.test(name)) {
				throw new ParameterError(`"Schema Name" "${name}" may only hold letters, digits, _ and - (at most 64)`);
			}
			return { type: 'json_schema', json_schema: { name, schema, strict: params.strictSchema ?? true } };
		}
	}
}

export function buildChatBody(
	model: string,
	messages: ChatMessage[],
	options: ChatOptions,
	format: ResponseFormatParams,
): Body {
	if (typeof model !== 'string' || model.trim() === '') throw new ParameterError('"Model" is empty. Pick a model or enter its ID');
	const body: Body = { model: model.trim(), messages };

	// Each number checked against the option table (OptionValueError names the option, value and range).
	const set = (field: string, value: number | undefined) => {
		if (value !== undefined) body[field] = value;
	};
	set('temperature', checkedNumber('temperature', options.temperature));
	set('top_p', checkedNumber('topP', options.topP));
	set('max_tokens', checkedNumber('maxTokens', options.maxTokens));
	if (options.stop !== undefined) {
		const stop = stopSequences(String(options.stop));
		if (stop !== undefined) body.stop = stop;
	}
	set('random_seed', checkedNumber('randomSeed', options.randomSeed));
	set('presence_penalty', checkedNumber('presencePenalty', options.presencePenalty));
	set('frequency_penalty', checkedNumber('frequencyPenalty', options.frequencyPenalty));
	const n = checkedNumber('n', options.n, 1);
	if (n !== 1) body.n = n;
	// Deprecated by Mistral but still in its spec: sent as before for workflows that set it.
	if (options.safePrompt) body.safe_prompt = true;
	if (options.guardrails !== undefined) {
		const { guardrails, problem } = guardrailsField(options.guardrails);
		if (problem) throw new ParameterError(problem);
		if (guardrails) body.guardrails = guardrails;
	}
	if (options.reasoningMode) body.prompt_mode = 'reasoning';
	const effort = checkedChoice('reasoningEffort', options.reasoningEffort, '');
	if (effort) body.reasoning_effort = effort;
	if (options.prediction !== undefined && options.prediction !== '') {
		body.prediction = { type: 'content', content: String(options.prediction) };
	}

	const format_ = responseFormat(format);
	if (format_) body.response_format = format_;

	const tools = normalizeTools(options.tools);
	if (tools && tools.length > 0) {
		body.tools = tools;
		const toolChoice = checkedChoice('toolChoice', options.toolChoice, 'auto');
		if (toolChoice === 'function') {
			const name = (options.toolChoiceFunction ?? '').trim();
			if (!name) throw new ParameterError('"Tool Choice" is "A Specific Function" but "Function Name" is empty');
			if (!tools.some((tool) => (tool as { function: { name: string } }).function.name === name)) {
				throw new ParameterError(`"Function Name" "${name}" is not one of the tools`);
			}
			body.tool_choice = { type: 'function', function: { name } };
		} else if (toolChoice !== 'auto') {
			body.tool_choice = toolChoice;
		}
		if (options.parallelToolCalls === false) body.parallel_tool_calls = false;
	}
	return body;
}
