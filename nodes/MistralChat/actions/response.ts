/** Reads a chat-completions answer into the simplified items the node emits (pure). */

export class ResponseError extends Error {}

export interface SimplifiedChoice {
	[key: string]: unknown;
	content: unknown;
	reasoning?: string;
	tool_calls?: Array<{ id?: string; type: string; function: { name: string; arguments: unknown } }>;
	finish_reason: unknown;
	model: unknown;
	usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

type Json = Record<string, unknown>;
function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
	try {
		return { ok: true, value: JSON.parse(text) };
	} catch {
		return { ok: false };
	}
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

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

function parseArguments(raw: unknown, toolName: string): unknown {
	if (typeof raw !== 'string') return raw ?? {};
	if (raw.trim() === '') return {};
	const parsed = parseJson(raw);
	if (!parsed.ok) {
		throw new ResponseError(`The model called tool "${toolName}" with arguments that are not valid JSON: ${raw.slice(0, 200)}`);
	}
	return parsed.value;
}

/** Models sometimes wrap JSON in a Markdown fence even in JSON mode. */
function stripFence(text: string): string {
	const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/i.exec(text);
	return fenced ? fenced[1] : text;
}

export function simplifyResponse(response: unknown, expectJson: boolean): SimplifiedChoice[] {
	if (!isObject(response) || !Array.isArray(response.choices) || response.choices.length === 0) {
		throw new ResponseError('The server answered without any "choices". Check that the Base URL points at a Mistral or OpenAI-compatible chat API');
	}
	const usageRaw = isObject(response.usage) ? response.usage : {};
	const count = (value: unknown) => (typeof value === 'number' ? value : 0);
	const usage = {
		prompt_tokens: count(usageRaw.prompt_tokens),
		completion_tokens: count(usageRaw.completion_tokens),
		total_tokens: count(usageRaw.total_tokens),
	};
	const ordered = [...response.choices].sort(
		(a, b) => count(isObject(a) ? a.index : 0) - count(isObject(b) ? b.index : 0),
	);
	return ordered.map((choice) => {
		if (!isObject(choice) || !isObject(choice.message)) {
			throw new ResponseError('The server answered with a choice that has no "message"');
		}
		const message = choice.message;
		let text = '';
		let reasoning = '';
		if (typeof message.content === 'string') text = message.content;
		else if (Array.isArray(message.content)) ({ text, reasoning } = textOf(message.content));

		const result: SimplifiedChoice = {
			content: text,
			finish_reason: choice.finish_reason ?? null,
			model: response.model ?? null,
			usage,
		};
		if (reasoning) result.reasoning = reasoning;

		const toolCalls = Array.isArray(message.tool_calls) ? message.tool_calls.filter(isObject) : [];
		if (toolCalls.length > 0) {
			result.tool_calls = toolCalls.map((call) => {
				const fn = isObject(call.function) ? call.function : {};
				const name = typeof fn.name === 'string' ? fn.name : '';
				return {
					id: typeof call.id === 'string' ? call.id : undefined,
					type: 'function',
					function: { name, arguments: parseArguments(fn.arguments, name) },
				};
			});
		}

		if (expectJson && toolCalls.length === 0) {
			const parsed = parseJson(stripFence(text));
			if (parsed.ok) result.content = parsed.value;
			else {
				const hint = choice.finish_reason === 'length' ? ' The answer was cut off (finish_reason "length"): raise "Max Tokens".' : '';
				throw new ResponseError(`The model returned invalid JSON: ${JSON.stringify(text.slice(0, 200))}.${hint}`);
			}
		}
		return result;
	});
}
