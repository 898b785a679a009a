/**
 * Converts between n8n's AI messages (what the AI Agent hands a chat model) and Mistral's chat
 * messages (pure; the SDK is used for its types only, which vanish at run time).
 *
 * Mistral accepts only tool-call ids of 9 characters [a-zA-Z0-9]. Ids from elsewhere (another model's
 * history in a memory, ids LangChain made up) are mapped to such ids by a fixed function of the original,
 * so an assistant's tool call and the tool result that answers it always get the same new id.
 */
import type { FinishReason, GenerateResult, Message, MessageContent, TokenUsage } from '@n8n/ai-node-sdk';

import type { ChatMessage, ContentChunk } from '../MistralChat/actions/messages';

const MISTRAL_ID = /^[a-zA-Z0-9]{9}$/;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Two independent 32-bit FNV-1a hashes, about 53 bits of the 62^9 Mistral ids can hold. */
function hash(text: string, seed: number): number {
	let value = (0x811c9dc5 ^ seed) >>> 0;
	for (let i = 0; i < text.length; i++) {
		value ^= text.charCodeAt(i);
		value = Math.imul(value, 0x01000193) >>> 0;
	}
	return value;
}

/** A Mistral-shaped tool-call id: ids that already fit are kept, others are mapped the same way every time. */
export function mistralToolCallId(id: string): string {
	if (MISTRAL_ID.test(id)) return id;
	let number = (hash(id, 0) % 0x200000) * 0x100000000 + hash(id, 0x9e3779b9);
	let out = '';
	for (let i = 0; i < 9; i++) {
		out += ALPHABET[number % 62];
		number = Math.floor(number / 62);
	}
	return out;
}

function textOf(content: MessageContent[]): string {
	return content
		.filter((part): part is Extract<MessageContent, { type: 'text' }> => part.type === 'text')
		.map((part) => part.text)
		.join('');
}

function base64Of(data: string | Uint8Array): string {
	return typeof data === 'string' ? data : Buffer.from(data).toString('base64');
}

function userContent(content: MessageContent[]): string | ContentChunk[] {
	const chunks: ContentChunk[] = [];
	for (const part of content) {
		if (part.type === 'text' && part.text !== '') chunks.push({ type: 'text', text: part.text });
		if (part.type === 'file') {
			const url = typeof part.providerMetadata?.url === 'string' ? part.providerMetadata.url : undefined;
			const data = typeof part.data === 'string' && /^(https?:|data:)/.test(part.data) ? part.data : undefined;
			// A PDF or office file the agent passes goes as a document; anything else as an image, as before.
			const isDocument = part.mediaType !== undefined && /^application\/(pdf|vnd\.openxmlformats-officedocument\.)/.test(part.mediaType);
			if (isDocument && (url || data)) chunks.push({ type: 'document_url', document_url: (url ?? data) as string });
			else if (isDocument && part.data) chunks.push({ type: 'document_url', document_url: `data:${part.mediaType};base64,${base64Of(part.data)}` });
			else if (url || data) chunks.push({ type: 'image_url', image_url: (url ?? data) as string });
			else if (part.mediaType?.startsWith('image/') && part.data) {
				chunks.push({ type: 'image_url', image_url: `data:${part.mediaType};base64,${base64Of(part.data)}` });
			}
		}
	}
	if (chunks.every((chunk) => chunk.type === 'text')) return chunks.map((chunk) => (chunk as { text: string }).text).join('');
	return chunks;
}

function toolResultText(result: unknown): string {
	if (typeof result === 'string') return result;
	if (Array.isArray(result) && result.every((part) => part && typeof part === 'object' && 'text' in part)) {
		return result.map((part) => String((part as { text: unknown }).text)).join('');
	}
	return JSON.stringify(result ?? null);
}

/**
 * A tool call's arguments as the model sent them. n8n's AI Agent hands its own history back with the
 * call's id added to the arguments (`{"input":"17*23","id":"cp2aru0f7"}`); that key is dropped again
 * when it holds the call's own id, so the model reads back exactly what it said. Arguments that are
 * not a JSON object pass unchanged.
 */
export function argumentsAsCalled(input: string, callIds: Array<string | undefined>): string {
	if (input.trim() === '') return '{}';
	let parsed: unknown;
	try {
		parsed = JSON.parse(input);
	} catch {
		return input;
	}
	if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !('id' in parsed)) return input;
	const { id, ...rest } = parsed as Record<string, unknown>;
	return typeof id === 'string' && callIds.includes(id) ? JSON.stringify(rest) : input;
}

/**
 * n8n messages to Mistral messages. A tool result whose id matches none of the calls just made (or
 * has none) answers the next call not yet answered, so calls and results always pair up.
 */
export function toMistralMessages(messages: Message[]): ChatMessage[] {
	const out: ChatMessage[] = [];
	let openCalls: string[] = [];
	for (const [messageIndex, message] of messages.entries()) {
		switch (message.role) {
			case 'system':
				out.push({ role: 'system', content: textOf(message.content) });
				break;
			case 'user':
				out.push({ role: 'user', content: userContent(message.content) });
				break;
			case 'assistant': {
				const calls = message.content.filter((part): part is Extract<MessageContent, { type: 'tool-call' }> => part.type === 'tool-call');
				const toolCalls = calls.map((call, position) => {
					const id = mistralToolCallId(call.toolCallId ?? `n8n-${messageIndex}-${position}`);
					return { id, type: 'function', function: { name: call.toolName, arguments: argumentsAsCalled(call.input, [call.toolCallId, id]) } };
				});
				openCalls = toolCalls.map((call) => call.id);
				const text = textOf(message.content);
				const assistant: ChatMessage = { role: 'assistant', content: toolCalls.length > 0 && text === '' ? null : text };
				if (toolCalls.length > 0) assistant.tool_calls = toolCalls;
				out.push(assistant);
				break;
			}
			case 'tool':
				for (const part of message.content) {
					if (part.type !== 'tool-result') continue;
					let id = part.toolCallId ? mistralToolCallId(part.toolCallId) : undefined;
					if (id === undefined || !openCalls.includes(id)) id = openCalls[0] ?? id ?? mistralToolCallId(`n8n-result-${messageIndex}`);
					openCalls = openCalls.filter((open) => open !== id);
					const tool: ChatMessage = { role: 'tool', content: toolResultText(part.result), tool_call_id: id };
					if (typeof message.name === 'string' && message.name !== '') tool.name = message.name;
					out.push(tool);
				}
				break;
		}
	}
	return pairToolTurns(out);
}

/**
 * Mistral rejects a conversation where an assistant's tool calls and the tool results after it do not
 * match one to one, or where a tool result follows no call: what a windowed memory leaves when it cuts
 * a turn in half. Unanswered calls and orphan results are left out, and so is an assistant message
 * left with neither text nor calls.
 */
function pairToolTurns(messages: ChatMessage[]): ChatMessage[] {
	const out: ChatMessage[] = [];
	for (let i = 0; i < messages.length; i++) {
		const message = messages[i];
		if (message.role === 'tool') continue;
		if (message.role !== 'assistant' || !message.tool_calls?.length) {
			if (message.role === 'assistant' && (message.content === null || message.content === '')) continue;
			out.push(message);
			continue;
		}
		const results: ChatMessage[] = [];
		while (i + 1 < messages.length && messages[i + 1].role === 'tool') results.push(messages[++i]);
		const answered = new Set(results.map((result) => result.tool_call_id));
		const calls = (message.tool_calls as Array<{ id: string }>).filter((call) => answered.has(call.id));
		const kept = new Set(calls.map((call) => call.id));
		const assistant: ChatMessage = { ...message };
		if (calls.length > 0) assistant.tool_calls = calls;
		else delete assistant.tool_calls;
		if (calls.length === 0 && (assistant.content === null || assistant.content === '')) continue;
		out.push(assistant, ...results.filter((result) => kept.has(result.tool_call_id as string)));
	}
	return out;
}

const FINISH_REASONS: Record<string, FinishReason> = {
	stop: 'stop',
	length: 'length',
	model_length: 'length',
	tool_calls: 'tool-calls',
	error: 'error',
};

export function finishReasonOf(reason: unknown): FinishReason {
	return (typeof reason === 'string' && FINISH_REASONS[reason]) || 'other';
}

export function usageOf(raw: unknown): TokenUsage | undefined {
	if (typeof raw !== 'object' || raw === null) return undefined;
	const usage = raw as Record<string, unknown>;
	const count = (value: unknown) => (typeof value === 'number' ? value : 0);
	return {
		promptTokens: count(usage.prompt_tokens),
		completionTokens: count(usage.completion_tokens),
		totalTokens: count(usage.total_tokens) || count(usage.prompt_tokens) + count(usage.completion_tokens),
	};
}

export interface AnswerParts {
	text: string;
	reasoning?: string;
	toolCalls: Array<{ id: string; name: string; arguments: string }>;
}

/** The first choice of a chat completion: text, reasoning (Magistral's thinking) and tool calls, ids kept as Mistral sent them. */
export function answerOf(response: unknown): AnswerParts & { finishReason: FinishReason; usage?: TokenUsage; id?: string } {
	const body = (typeof response === 'object' && response !== null ? response : {}) as Record<string, unknown>;
	const choices = Array.isArray(body.choices) ? body.choices : [];
	const choice = (choices.find((entry) => (entry as { index?: unknown })?.index === 0) ?? choices[0]) as Record<string, unknown> | undefined;
	if (!choice || typeof choice.message !== 'object' || choice.message === null) {
		throw new Error('The server answered without any "choices". Check that the Base URL points at a Mistral or OpenAI-compatible chat API');
	}
	const message = choice.message as Record<string, unknown>;
	let text = '';
	let reasoning = '';
	if (typeof message.content === 'string') text = message.content;
	else if (Array.isArray(message.content)) {
		for (const chunk of message.content as Array<Record<string, unknown>>) {
			if (chunk?.type === 'text' && typeof chunk.text === 'string') text += chunk.text;
			if (chunk?.type === 'thinking' && Array.isArray(chunk.thinking)) {
				for (const inner of chunk.thinking as Array<Record<string, unknown>>) if (typeof inner?.text === 'string') reasoning += inner.text;
			}
		}
	}
	const rawCalls = Array.isArray(message.tool_calls) ? (message.tool_calls as Array<Record<string, unknown>>) : [];
	const toolCalls = rawCalls
		.filter((call) => typeof call === 'object' && call !== null)
		.map((call, position) => {
			const fn = (typeof call.function === 'object' && call.function !== null ? call.function : {}) as Record<string, unknown>;
			const args = fn.arguments;
			return {
				id: typeof call.id === 'string' && call.id !== '' && call.id !== 'null' ? call.id : mistralToolCallId(`${String(body.id)}-${position}`),
				name: typeof fn.name === 'string' ? fn.name : '',
				arguments: typeof args === 'string' ? (args.trim() === '' ? '{}' : args) : JSON.stringify(args ?? {}),
			};
		});
	return {
		id: typeof body.id === 'string' ? body.id : undefined,
		text,
		reasoning: reasoning || undefined,
		toolCalls,
		finishReason: finishReasonOf(choice.finish_reason),
		usage: usageOf(body.usage),
	};
}

/** The answer as n8n's AI message: reasoning first (kept apart from the text), then the text, then tool calls. */
export function toGenerateResult(response: unknown): GenerateResult {
	const answer = answerOf(response);
	const content: MessageContent[] = [];
	if (answer.reasoning) content.push({ type: 'reasoning', text: answer.reasoning });
	content.push({ type: 'text', text: answer.text });
	for (const call of answer.toolCalls) content.push({ type: 'tool-call', toolCallId: call.id, toolName: call.name, input: call.arguments });
	const model = (response as { model?: unknown })?.model;
	return {
		id: answer.id,
		finishReason: answer.finishReason,
		usage: answer.usage,
		message: { role: 'assistant', content, id: answer.id },
		providerMetadata: { model_provider: 'mistral', model_name: typeof model === 'string' ? model : undefined },
	};
}
