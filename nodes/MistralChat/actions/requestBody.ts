/**
 * Turns the node's parameters into a chat-completions body with only the fields Mistral's spec
 * names, and only those the user set (pure). Throws ParameterError naming the parameter.
 */
import { guardrailsField } from '../../shared/moderation/guardrails';
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

function inRange(value: unknown, label: string, min: number, max: number, minExclusive = false): number {
	if (typeof value !== 'number' || Number.isNaN(value)) throw new ParameterError(`"${label}" must be a number`);
	if (value > max || value < min || (minExclusive && value === min)) {
		throw new ParameterError(`"${label}" is ${value}; it must be ${minExclusive ? 'above' : 'at least'} ${min} and at most ${max}`);
	}
	return value;
}

function wholeNumber(value: unknown, label: string, min: number): number {
	if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
		throw new ParameterError(`"${label}" is ${JSON.stringify(value)}; it must be a whole number of at least ${min}`);
	}
	return value;
}

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
	switch (params.responseFormat ?? 'text') {
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
		default:
			throw new ParameterError(`"Response Format" "${params.responseFormat}" is not one of text, json_object, json_schema`);
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

	if (options.temperature !== undefined) body.temperature = inRange(options.temperature, 'Temperature', 0, 1.5);
	if (options.topP !== undefined) body.top_p = inRange(options.topP, 'Top P', 0, 1, true);
	if (options.maxTokens !== undefined) body.max_tokens = wholeNumber(options.maxTokens, 'Max Tokens', 1);
	if (options.stop !== undefined) {
		const stop = stopSequences(String(options.stop));
		if (stop !== undefined) body.stop = stop;
	}
	if (options.randomSeed !== undefined) body.random_seed = wholeNumber(options.randomSeed, 'Random Seed', 0);
	if (options.presencePenalty !== undefined) body.presence_penalty = inRange(options.presencePenalty, 'Presence Penalty', -2, 2);
	if (options.frequencyPenalty !== undefined) body.frequency_penalty = inRange(options.frequencyPenalty, 'Frequency Penalty', -2, 2);
	if (options.n !== undefined && options.n !== 1) body.n = wholeNumber(options.n, 'Number of Completions', 1);
	// Deprecated by Mistral but still in its spec: sent as before for workflows that set it.
	if (options.safePrompt) body.safe_prompt = true;
	if (options.guardrails !== undefined) {
		const { guardrails, problem } = guardrailsField(options.guardrails);
		if (problem) throw new ParameterError(problem);
		if (guardrails) body.guardrails = guardrails;
	}
	if (options.reasoningMode) body.prompt_mode = 'reasoning';
	if (options.reasoningEffort) body.reasoning_effort = options.reasoningEffort;
	if (options.prediction !== undefined && options.prediction !== '') {
		body.prediction = { type: 'content', content: String(options.prediction) };
	}

	const format_ = responseFormat(format);
	if (format_) body.response_format = format_;

	const tools = normalizeTools(options.tools);
	if (tools && tools.length > 0) {
		body.tools = tools;
		if (options.toolChoice === 'function') {
			const name = (options.toolChoiceFunction ?? '').trim();
			if (!name) throw new ParameterError('"Tool Choice" is "A Specific Function" but "Function Name" is empty');
			if (!tools.some((tool) => (tool as { function: { name: string } }).function.name === name)) {
				throw new ParameterError(`"Function Name" "${name}" is not one of the tools`);
			}
			body.tool_choice = { type: 'function', function: { name } };
		} else if (options.toolChoice !== undefined && options.toolChoice !== 'auto') {
			body.tool_choice = options.toolChoice;
		}
		if (options.parallelToolCalls === false) body.parallel_tool_calls = false;
	}
	return body;
}
