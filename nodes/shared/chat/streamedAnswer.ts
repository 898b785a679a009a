/**
 * Assembles a streamed chat completion (pure). Each `data:` event is a chunk whose choices carry a
 * `delta`: text content (a string, or chunks where `thinking` holds reasoning), tool calls (Mistral sends
 * each whole; OpenAI-compatible servers send the id and name first, then the arguments in pieces), and
 * at the end a finish_reason and the usage. `add` returns the text to show now; `response` gives the
 * same shape as a non-streamed answer, so the rest of the package reads both alike.
 */
import { AnswerError } from '../errors';
import { isObject, type JsonObject, parseJson } from '../json';

export interface StreamDelta {
	choice: number;
	kind: 'text' | 'reasoning';
	text: string;
}

interface ToolCallParts {
	id?: string;
	name: string;
	arguments: string | Record<string, unknown>;
}

interface ChoiceParts {
	text: string;
	reasoning: string;
	toolCalls: Map<number, ToolCallParts>;
	finishReason: string | null;
}




function contentDeltas(content: unknown): Array<Omit<StreamDelta, 'choice'>> {
	if (typeof content === 'string') return content === '' ? [] : [{ kind: 'text', text: content }];
	if (!Array.isArray(content)) return [];
	const deltas: Array<Omit<StreamDelta, 'choice'>> = [];
	for (const chunk of content) {
		if (!isObject(chunk)) continue;
		if (chunk.type === 'text' && typeof chunk.text === 'string' && chunk.text !== '') deltas.push({ kind: 'text', text: chunk.text });
		if (chunk.type === 'thinking' && Array.isArray(chunk.thinking)) {
			for (const inner of chunk.thinking) {
				if (isObject(inner) && typeof inner.text === 'string' && inner.text !== '') deltas.push({ kind: 'reasoning', text: inner.text });
			}
		}
	}
	return deltas;
}

export class StreamedAnswer {
	private readonly choices = new Map<number, ChoiceParts>();

	private id: unknown;

	private model: unknown;

	private created: unknown;

	private usage: unknown;

	/** True once the server sent `[DONE]`. */
	done = false;

	/** Reads one event's data; returns the text and reasoning it adds. */
	add(data: string): StreamDelta[] {
		if (data.trim() === '[DONE]') {
			this.done = true;
			return [];
		}
		const parsed = parseJson(data);
		if (!parsed.ok) throw new AnswerError(`The server streamed an event that is not JSON: ${data.slice(0, 200)}`);
		const chunk = parsed.value;
		if (!isObject(chunk)) return [];
		if (isObject(chunk.error) || chunk.object === 'error') {
			const error = isObject(chunk.error) ? chunk.error : chunk;
			const message = typeof error.message === 'string' ? error.message : JSON.stringify(error.message ?? error);
			throw new AnswerError(`The server reported an error while streaming: ${message}`);
		}
		this.id ??= chunk.id;
		this.model ??= chunk.model;
		this.created ??= chunk.created;
		if (isObject(chunk.usage)) this.usage = chunk.usage;
		const deltas: StreamDelta[] = [];
		for (const choice of Array.isArray(chunk.choices) ? chunk.choices : []) {
			if (!isObject(choice)) continue;
			const index = typeof choice.index === 'number' ? choice.index : 0;
			const parts = this.choiceParts(index);
			const delta = isObject(choice.delta) ? choice.delta : {};
			for (const piece of contentDeltas(delta.content)) {
				if (piece.kind === 'text') parts.text += piece.text;
				else parts.reasoning += piece.text;
				deltas.push({ choice: index, ...piece });
			}
			if (Array.isArray(delta.tool_calls)) this.addToolCalls(parts, delta.tool_calls);
			if (typeof choice.finish_reason === 'string') parts.finishReason = choice.finish_reason;
		}
		return deltas;
	}

	private choiceParts(index: number): ChoiceParts {
		let parts = this.choices.get(index);
		if (!parts) {
			parts = { text: '', reasoning: '', toolCalls: new Map(), finishReason: null };
			this.choices.set(index, parts);
		}
		return parts;
	}

	private addToolCalls(parts: ChoiceParts, calls: unknown[]): void {
		for (const [position, call] of calls.entries()) {
			if (!isObject(call)) continue;
			const key = typeof call.index === 'number' ? call.index : parts.toolCalls.size + position;
			const fn = isObject(call.function) ? call.function : {};
			const existing = parts.toolCalls.get(key);
			if (!existing) {
				parts.toolCalls.set(key, {
					id: typeof call.id === 'string' && call.id !== 'null' ? call.id : undefined,
					name: typeof fn.name === 'string' ? fn.name : '',
					arguments: isObject(fn.arguments) ? fn.arguments : typeof fn.arguments === 'string' ? fn.arguments : '',
				});
				continue;
			}
			if (typeof call.id === 'string' && call.id !== 'null' && !existing.id) existing.id = call.id;
			if (typeof fn.name === 'string' && fn.name !== '' && existing.name === '') existing.name = fn.name;
			if (typeof fn.arguments === 'string' && typeof existing.arguments === 'string') existing.arguments += fn.arguments;
			else if (isObject(fn.arguments)) existing.arguments = fn.arguments;
		}
	}

	/** True when every choice has its finish_reason. */
	get finished(): boolean {
		return this.choices.size > 0 && [...this.choices.values()].every((parts) => parts.finishReason !== null);
	}

	/** The answer as a non-streamed chat completion would have it. */
	response(): JsonObject {
		const choices = [...this.choices.entries()]
			.sort(([a], [b]) => a - b)
			.map(([index, parts]) => {
				const toolCalls = [...parts.toolCalls.entries()]
					.sort(([a], [b]) => a - b)
					.map(([, call]) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }));
				const content = parts.reasoning
					? [
							{ type: 'thinking', thinking: [{ type: 'text', text: parts.reasoning }] },
							{ type: 'text', text: parts.text },
						]
					: parts.text;
				return {
					index,
					message: { role: 'assistant', content, tool_calls: toolCalls.length > 0 ? toolCalls : null },
					finish_reason: parts.finishReason,
				};
			});
		return { id: this.id, object: 'chat.completion', model: this.model, created: this.created, usage: this.usage ?? null, choices };
	}
}
