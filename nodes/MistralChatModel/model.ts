/**
 * The chat model the "Mistral Chat Model" sub-node supplies to the AI Agent and chains. It builds its
 * requests with the Mistral Chat node's request builder and sends them through our transport (retries,
 * 429 gate, timeouts, key redaction). Only this module loads @n8n/ai-node-sdk, and only the sub-node's
 * supplyData loads this module, so the package still loads on an n8n without the SDK.
 */
import {
	BaseChatModel,
	type ChatModelConfig,
	type GenerateResult,
	getParametersJsonSchema,
	type Message,
	type StreamChunk,
	type Tool,
} from '@n8n/ai-node-sdk';
import type { IDataObject } from 'n8n-workflow';

import { buildChatBody, type ChatOptions } from '../MistralChat/actions/requestBody';
import { StreamedAnswer } from '../MistralChat/actions/streamedAnswer';
import { isGuardrailBlockMessage } from '../shared/moderation/guardrails';
import { failureInfoOf, type MistralClient } from '../shared/transport/client';
import { finishReasonOf, toGenerateResult, toMistralMessages, usageOf } from './conversation';

export interface MistralModelSettings {
	model: string;
	options: ChatOptions;
	responseFormat: 'text' | 'json_object';
	/** The item the sub-node was supplied for; errors name it. */
	itemIndex: number;
}

type ChatRequest = Record<string, unknown>;

export class MistralChatModel extends BaseChatModel {
	constructor(
		private readonly client: MistralClient,
		private readonly settings: MistralModelSettings,
		tools: Tool[] = [],
	) {
		super('mistral', settings.model, undefined, tools);
	}

	withTools(tools: Tool[]): MistralChatModel {
		return new MistralChatModel(this.client, this.settings, tools);
	}

	/** The request body; per-call config from the agent (e.g. stop sequences) is applied over the node's options. */
	requestBody(messages: Message[], config?: ChatModelConfig): ChatRequest {
		const options: ChatOptions = { ...this.settings.options };
		if (config?.temperature !== undefined) options.temperature = config.temperature;
		if (config?.maxTokens !== undefined) options.maxTokens = config.maxTokens;
		if (config?.topP !== undefined) options.topP = config.topP;
		if (config?.stopSequences?.length) options.stop = config.stopSequences.join('\n');
		const functionTools = this.tools.filter((tool) => tool.type === 'function');
		if (functionTools.length > 0) {
			options.tools = functionTools.map((tool) => ({
				type: 'function',
				function: {
					name: tool.name,
					...(tool.description ? { description: tool.description } : {}),
					parameters: cleanSchema(getParametersJsonSchema(tool)),
				},
			}));
		}
		return buildChatBody(this.settings.model, toMistralMessages(messages), options, { responseFormat: this.settings.responseFormat });
	}

	async generate(messages: Message[], config?: ChatModelConfig): Promise<GenerateResult> {
		const body = this.requestBody(messages, config);
		const sent = await settle(this.client.post<IDataObject>('/chat/completions', body as IDataObject, { model: this.settings.model }, this.settings.itemIndex));
		if (!sent.ok) return guardrailAnswer(sent.error) ?? Promise.reject(sent.error);
		return toGenerateResult(sent.value);
	}

	async *stream(messages: Message[], config?: ChatModelConfig): AsyncIterable<StreamChunk> {
		const body = this.requestBody(messages, config);
		const opened = await settle(this.client.postStream('/chat/completions', { ...body, stream: true } as IDataObject, { model: this.settings.model }, this.settings.itemIndex));
		if (!opened.ok) {
			const blocked = guardrailAnswer(opened.error);
			if (!blocked) return yield* rejected(opened.error);
			yield* resultAsChunks(blocked);
			return;
		}
		const answer = opened.value;
		if (answer.kind === 'json') {
			yield* resultAsChunks(toGenerateResult(answer.body));
			return;
		}
		const assembled = new StreamedAnswer();
		try {
			for await (const data of answer.events) {
				for (const delta of assembled.add(data)) {
					if (delta.choice !== 0) continue;
					yield delta.kind === 'text' ? { type: 'text-delta', delta: delta.text } : { type: 'reasoning-delta', delta: delta.text };
				}
				if (assembled.done) break;
			}
		} finally {
			await answer.events.return(undefined);
		}
		if (!assembled.done && !assembled.finished) {
			throw new Error('The stream ended before the answer was complete (no finish_reason and no [DONE]); try again');
		}
		const response = assembled.response();
		const result = toGenerateResult(response);
		// Each call whole, with its own id: calls sent in pieces were joined above.
		for (const part of result.message.content) {
			if (part.type === 'tool-call') yield { type: 'tool-call-delta', id: part.toolCallId, name: part.toolName, argumentsDelta: part.input };
		}
		yield { type: 'finish', finishReason: finishReasonOf((response.choices as Array<{ finish_reason?: unknown }>)[0]?.finish_reason), usage: usageOf(response.usage) };
	}
}

async function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
	return await promise.then(
		(value) => ({ ok: true as const, value }),
		(error: unknown) => ({ ok: false as const, error }),
	);
}

/** Fails the stream with the transport's own error (already a NodeApiError naming the item). */
// eslint-disable-next-line require-yield
async function* rejected(error: unknown): AsyncGenerator<StreamChunk> {
	await Promise.reject(error);
}

/**
 * A request Mistral's guardrail refused, as the model's answer: the agent (and the chat user) read
 * that the message was blocked and why, instead of the whole execution failing.
 */
function guardrailAnswer(error: unknown): GenerateResult | undefined {
	const info = failureInfoOf(error);
	const message = (error as Error)?.message;
	if (info?.status !== 403 || !isGuardrailBlockMessage(message)) return undefined;
	const text = `${message.replace(/ \[item \d+\]$/, '')}. The request was not answered.`;
	return {
		finishReason: 'content-filter',
		message: { role: 'assistant', content: [{ type: 'text', text }] },
		providerMetadata: { model_provider: 'mistral', guardrail_blocked: true },
	};
}

function* resultAsChunks(result: GenerateResult): Generator<StreamChunk> {
	for (const part of result.message.content) {
		if (part.type === 'reasoning') yield { type: 'reasoning-delta', delta: part.text };
		if (part.type === 'text' && part.text !== '') yield { type: 'text-delta', delta: part.text };
		if (part.type === 'tool-call') yield { type: 'tool-call-delta', id: part.toolCallId, name: part.toolName, argumentsDelta: part.input };
	}
	yield { type: 'finish', finishReason: result.finishReason ?? 'other', usage: result.usage };
}

/** JSON-schema keys Mistral's function parameters do not need ($schema from zod's conversion). */
function cleanSchema(schema: unknown): unknown {
	if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return { type: 'object', properties: {} };
	const clean: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(schema)) if (key !== '$schema') clean[key] = value;
	return clean;
}
