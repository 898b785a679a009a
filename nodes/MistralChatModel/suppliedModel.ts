/**
 * The LangChain model the SDK supplies for the Mistral Chat Model: the SDK wraps our model in a
 * LangChain model whose tracing callback (n8n's N8nLlmTracing) writes each request's input and output to the
 * sub-node's run data. Two things it gets wrong for us are mended on that callback, for this model
 * only (never on n8n's shared classes):
 *  - a step where the model asked for tools logged only `{"text":""}`: the log's copy of the answer
 *    now names each tool call with its arguments (the agent's own copy is untouched);
 *  - a streamed answer showed an estimate ("~251 tokens"): LangChain reports a stream's usage as
 *    promptTokens/completionTokens, which the SDK's parser does not read (it reads input_tokens/
 *    output_tokens, the names of the unstreamed path), so it fell back to its own estimate although
 *    Mistral sent the exact usage in the stream's last chunk.
 * The callback is found by its name and shape; on an SDK where it looks different nothing is changed.
 */

interface TokenUsage {
	completionTokens: number;
	promptTokens: number;
	totalTokens: number;
	[key: string]: unknown;
}

interface TracingCallback {
	name?: unknown;
	options?: { tokensUsageParser?: (result: unknown) => TokenUsage };
	handleLLMEnd?: (output: unknown, ...rest: unknown[]) => unknown;
	mistralTracing?: true;
}

interface ToolCall {
	id?: unknown;
	name?: unknown;
	args?: unknown;
}

function isTracingCallback(handler: unknown): handler is TracingCallback {
	return typeof handler === 'object' && handler !== null && (handler as TracingCallback).name === 'N8nLlmTracing' && typeof (handler as TracingCallback).handleLLMEnd === 'function';
}

const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/** The usage under either set of names: LangChain's for streams, the SDK adapter's for single answers. */
export function usageOfResult(result: unknown): { promptTokens: number; completionTokens: number; totalTokens: number } {
	const usage = ((result as { llmOutput?: { tokenUsage?: Record<string, unknown> } })?.llmOutput?.tokenUsage ?? {}) as Record<string, unknown>;
	const promptTokens = count(usage.promptTokens) || count(usage.input_tokens);
	const completionTokens = count(usage.completionTokens) || count(usage.output_tokens);
	return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}

/** One line per call, as a user reads it: `Tool call: Calculator({"input":"17*23"})`. */
export function describeToolCalls(calls: ToolCall[]): string {
	return calls.map((call) => `Tool call: ${String(call.name)}(${JSON.stringify(call.args ?? {})})`).join('\n');
}

/**
 * The log's copy of a result: generations whose message calls tools get the calls in
 * `generationInfo.tool_calls` (name, arguments, id) and, when the model wrote no text, a readable
 * line in `text`, which is what the editor's log shows for a model step.
 */
export function withToolCallsShown(output: unknown): unknown {
	const generations = (output as { generations?: unknown })?.generations;
	if (!Array.isArray(generations)) return output;
	let changed = false;
	const shown = generations.map((row: unknown) =>
		Array.isArray(row)
			? row.map((generation: Record<string, unknown>) => {
					const calls = (generation?.message as { tool_calls?: ToolCall[] } | undefined)?.tool_calls;
					if (!Array.isArray(calls) || calls.length === 0) return generation;
					changed = true;
					const toolCalls = calls.map((call) => ({ name: call.name, args: call.args, id: call.id }));
					const text = typeof generation.text === 'string' && generation.text !== '' ? generation.text : describeToolCalls(calls);
					return { ...generation, text, generationInfo: { ...((generation.generationInfo as object) ?? {}), tool_calls: toolCalls } };
				})
			: row,
	);
	return changed ? { ...(output as object), generations: shown } : output;
}

function mendCallback(handler: TracingCallback): void {
	if (handler.mistralTracing) return;
	handler.mistralTracing = true;
	const parser = handler.options?.tokensUsageParser;
	if (handler.options && typeof parser === 'function') {
		handler.options.tokensUsageParser = (result: unknown) => {
			const parsed = parser(result);
			if (count(parsed?.completionTokens) > 0) return parsed;
			const usage = usageOfResult(result);
			return usage.completionTokens > 0 ? { ...parsed, ...usage } : parsed;
		};
	}
	const end = handler.handleLLMEnd!.bind(handler);
	handler.handleLLMEnd = async (output: unknown, ...rest: unknown[]) => await end(withToolCallsShown(output), ...rest);
}

/**
 * Prepares the LangChain model the SDK supplied, and every model `bindTools` derives from it (the AI
 * Agent binds its tools, which makes a new model with its own callbacks and retry loop): tracing
 * mended as above, and LangChain's own retries off, because our transport already retried and
 * LangChain's loop around each call would repeat billed requests on top.
 */
export function prepareSuppliedModel<T>(model: T): T {
	const target = model as {
		callbacks?: unknown;
		caller?: { maxRetries?: unknown };
		bindTools?: (...args: unknown[]) => unknown;
		mistralBindTools?: true;
	};
	if (typeof target !== 'object' || target === null) return model;
	if (target.caller && typeof target.caller.maxRetries === 'number') target.caller.maxRetries = 0;
	if (Array.isArray(target.callbacks)) target.callbacks.filter(isTracingCallback).forEach(mendCallback);
	if (typeof target.bindTools === 'function' && !target.mistralBindTools) {
		const bindTools = target.bindTools.bind(target);
		target.bindTools = (...args: unknown[]) => prepareSuppliedModel(bindTools(...args));
		target.mistralBindTools = true;
	}
	return model;
}
