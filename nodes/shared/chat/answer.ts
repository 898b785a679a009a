/**
 * Reads a chat-completions answer (pure): one reader for plain, streamed (StreamedAnswer.response()
 * gives the same shape) and batched answers. `readAnswer` gives each choice's text, reasoning
 * (Magistral's thinking chunks) and tool calls as Mistral sent them; `simplifyAnswer` turns them into
 * the items Mistral Chat emits, and Mistral Chat Model builds n8n's AI message from the first choice.
 */
import { AnswerError } from '../errors';
import { isObject, parseJson } from '../json';

export interface AnswerToolCall {
	/** As the server sent it; undefined when it sent none (or the string "null"). */
	id?: string;
	name: string;
	/** A JSON string from Mistral; some OpenAI-compatible servers send an object. */
	arguments: unknown;
}

export interface AnswerChoice {
	index: number;
	text: string;
	reasoning: string;
	toolCalls: AnswerToolCall[];
	finishReason: unknown;
}

export interface Answer {
	id?: string;
	model: unknown;
	/** The server's usage object, or undefined when it sent none. */
	usage?: Record<string, unknown>;
	/** In the order of their `index`. */
	choices: AnswerChoice[];
}

const count = (value: unknown) => (typeof value === 'number' ? value : 0);

function textOf(chunks: unknown[]): { text: string; reasoning: string } {
	let text = '';
	let reasoning = '';
	for (const chunk of chunks) {
		if (!isObject(chunk)) continue;
		if (chunk.type === 'text' && typeof chunk.text === 'string') text += chunk.text;
		if (chunk.type === 'thinking') {
			const inner = Array.isArray(chunk.thinking) ? chunk.thinking : [];
			reasoning += textOf(inner).text;
		}
	}
	return { text, reasoning };
}

export function readAnswer(response: unknown): Answer {
	if (!isObject(response) || !Array.isArray(response.choices) || response.choices.length === 0) {
		throw new AnswerError('The server answered without any "choices". Check that the Base URL points at a Mistral or OpenAI-compatible chat API');
	}
	const ordered = [...response.choices].sort((a, b) => count(isObject(a) ? a.index : 0) - count(isObject(b) ? b.index : 0));
	const choices = ordered.map((choice): AnswerChoice => {
		if (!isObject(choice) || !isObject(choice.message)) {
			throw new AnswerError('The server answered with a choice that has no "message"');
		}
		const message = choice.message;
		let text = '';
		let reasoning = '';
		if (typeof message.content === 'string') text = message.content;
		else if (Array.isArray(message.content)) ({ text, reasoning } = textOf(message.content));
		const calls = Array.isArray(message.tool_calls) ? message.tool_calls.filter(isObject) : [];
		const toolCalls = calls.map((call): AnswerToolCall => {
			const fn = isObject(call.function) ? call.function : {};
			return {
				id: typeof call.id === 'string' && call.id !== '' && call.id !== 'null' ? call.id : undefined,
				name: typeof fn.name === 'string' ? fn.name : '',
				arguments: fn.arguments,
			};
		});
		return { index: count(choice.index), text, reasoning, toolCalls, finishReason: choice.finish_reason ?? null };
	});
	return {
		id: typeof response.id === 'string' ? response.id : undefined,
		model: response.model ?? null,
		usage: isObject(response.usage) ? response.usage : undefined,
		choices,
	};
}

export interface SimplifiedChoice {
	[key: string]: unknown;
	content: unknown;
	reasoning?: string;
	tool_calls?: Array<{ id?: string; type: string; function: { name: string; arguments: unknown } }>;
	finish_reason: unknown;
	model: unknown;
	usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

function parseArguments(raw: unknown, toolName: string): unknown {
	if (typeof raw !== 'string') return raw ?? {};
	if (raw.trim() === '') return {};
	const parsed = parseJson(raw);
	if (!parsed.ok) {
		throw new AnswerError(`The model called tool "${toolName}" with arguments that are not valid JSON: ${raw.slice(0, 200)}`);
	}
	return parsed.value;
}

/** Models sometimes wrap JSON in a Markdown fence even in JSON mode. */
function stripFence(text: string): string {
	const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/i.exec(text);
	return fenced ? fenced[1] : text;
}

/** One item per choice: the text (parsed when JSON was asked for), reasoning, tool calls with parsed arguments, usage. */
export function simplifyAnswer(response: unknown, expectJson: boolean): SimplifiedChoice[] {
	const answer = readAnswer(response);
	const usageRaw = answer.usage ?? {};
	const usage = {
		prompt_tokens: count(usageRaw.prompt_tokens),
		completion_tokens: count(usageRaw.completion_tokens),
		total_tokens: count(usageRaw.total_tokens),
	};
	return answer.choices.map((choice) => {
		const result: SimplifiedChoice = { content: choice.text, finish_reason: choice.finishReason, model: answer.model, usage };
		if (choice.reasoning) result.reasoning = choice.reasoning;
		if (choice.toolCalls.length > 0) {
			result.tool_calls = choice.toolCalls.map((call) => ({
				id: call.id,
				type: 'function',
				function: { name: call.name, arguments: parseArguments(call.arguments, call.name) },
			}));
		}
		if (expectJson && choice.toolCalls.length === 0) {
			const parsed = parseJson(stripFence(choice.text));
			if (parsed.ok) result.content = parsed.value;
			else {
				const hint = choice.finishReason === 'length' ? ' The answer was cut off (finish_reason "length"): raise "Max Tokens".' : '';
				throw new AnswerError(`The model returned invalid JSON: ${JSON.stringify(choice.text.slice(0, 200))}.${hint}`);
			}
		}
		return result;
	});
}
