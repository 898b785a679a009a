/**
 * The AI sub-nodes through n8n-core's SupplyDataContext (what n8n hands a connected sub-node), with the
 * objects used the way the AI Agent (LangChain's chat-model interface, through the SDK's adapter) and the
 * vector stores (embedDocuments / embedQuery) use them. test/e2e/subnodes.e2e.ts runs them in a real n8n.
 */
import { HumanMessage, ToolMessage, type AIMessage, type AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import type { INodeParameters } from 'n8n-workflow';
import { z } from 'zod';

import { supplyNode } from './harness/engine';
import { countTokens, embeddingFor, startMistralServer, type MistralTestServer } from './server/mistralServer';

interface ChatModelLike {
	invoke(messages: BaseMessage[]): Promise<AIMessage>;
	stream(messages: BaseMessage[]): Promise<AsyncIterable<AIMessageChunk>>;
	bindTools(tools: unknown[]): ChatModelLike;
}
interface EmbeddingsLike {
	embedDocuments(texts: string[]): Promise<number[][]>;
	embedQuery(text: string): Promise<number[]>;
}

const calculator = tool(async ({ input }: { input: string }) => String(input), {
	name: 'calculator',
	description: 'Evaluates arithmetic',
	schema: z.object({ input: z.string() }),
});

describe('AI sub-nodes through n8n-core', () => {
	let server: MistralTestServer;
	const credentials = () => ({ apiKey: server.apiKey as string, baseUrl: server.url });
	const chats = () => server.requests.filter((request) => request.path === '/chat/completions');
	const embeds = () => server.requests.filter((request) => request.path === '/embeddings');

	beforeAll(async () => {
		server = await startMistralServer();
	});
	afterAll(async () => await server.close());
	beforeEach(() => {
		server.reset();
		server.configure({ streamChunkDelayMs: undefined, faults: {} });
	});

	async function chatModel(options: INodeParameters = {}) {
		const supplied = await supplyNode({
			node: 'mistralChatModel',
			parameters: { model: { __rl: true, mode: 'id', value: 'mistral-small-latest' }, options },
			credentials: credentials(),
		});
		return { model: supplied.response as ChatModelLike, supplied };
	}

	it('answers, with usage, and sends only what the user set', async () => {
		const { model } = await chatModel({ temperature: 0.2, randomSeed: 7, safePrompt: true });
		const answer = await model.invoke([new HumanMessage('hello there')]);
		expect(answer.text).toBe('Echo: hello there');
		expect(answer.usage_metadata).toMatchObject({ input_tokens: expect.any(Number), output_tokens: expect.any(Number) });
		expect(chats()[0].status).toBe(200);
		expect(chats()[0].body).toEqual({
			model: 'mistral-small-latest',
			messages: [{ role: 'user', content: 'hello there' }],
			temperature: 0.2,
			random_seed: 7,
			safe_prompt: true,
		});
	});

	it('calls a bound tool with a Mistral id, and takes the result paired with that id (foreign ids mapped)', async () => {
		const { model } = await chatModel();
		const withTools = model.bindTools([calculator]);
		const first = await withTools.invoke([new HumanMessage('12*7')]);
		expect(first.tool_calls).toEqual([expect.objectContaining({ name: 'calculator', args: { input: '12*7' }, id: expect.stringMatching(/^[a-zA-Z0-9]{9}$/) })]);
		expect(chats()[0].body.tools[0]).toEqual({
			type: 'function',
			function: { name: 'calculator', description: 'Evaluates arithmetic', parameters: expect.objectContaining({ type: 'object', properties: { input: { type: 'string' } } }) },
		});
		const second = await withTools.invoke([new HumanMessage('12*7'), first, new ToolMessage({ content: '84', tool_call_id: first.tool_calls![0].id! })]);
		expect(second.text).toBe('Echo: 12*7 (tool result: 84)');

		// A history from another provider: its ids are mapped, the same way in the call and its result.
		const foreign = { ...first, tool_calls: [{ ...first.tool_calls![0], id: 'call_Zx81AAqp0w2lKc' }] } as AIMessage;
		Object.setPrototypeOf(foreign, Object.getPrototypeOf(first));
		const third = await withTools.invoke([new HumanMessage('12*7'), foreign, new ToolMessage({ content: '84', tool_call_id: 'call_Zx81AAqp0w2lKc' })]);
		expect(third.text).toBe('Echo: 12*7 (tool result: 84)');
		const sent = chats()[2].body.messages;
		expect(sent[1].tool_calls[0].id).toMatch(/^[a-zA-Z0-9]{9}$/);
		expect(sent[2].tool_call_id).toBe(sent[1].tool_calls[0].id);
		expect(chats().every((request) => request.status === 200)).toBe(true);
	});

	it('streams token by token, tool calls included, with usage at the end', async () => {
		server.configure({ streamChunkDelayMs: 10 });
		const { model } = await chatModel();
		const pieces: string[] = [];
		let usage: unknown;
		for await (const chunk of await model.stream([new HumanMessage('one two three four five')])) {
			if (chunk.text) pieces.push(chunk.text);
			if (chunk.usage_metadata) usage = chunk.usage_metadata;
		}
		expect(pieces.length).toBeGreaterThanOrEqual(5);
		expect(pieces.join('')).toBe('Echo: one two three four five');
		expect(usage).toMatchObject({ input_tokens: expect.any(Number), output_tokens: expect.any(Number) });
		expect(chats()[0].body.stream).toBe(true);

		let streamedCall: AIMessageChunk | undefined;
		for await (const chunk of await model.bindTools([calculator]).stream([new HumanMessage('2+2')])) {
			streamedCall = streamedCall ? streamedCall.concat(chunk) : chunk;
		}
		expect(streamedCall!.tool_calls).toEqual([expect.objectContaining({ name: 'calculator', args: { input: '2+2' }, id: expect.stringMatching(/^[a-zA-Z0-9]{9}$/) })]);
	});

	it("logs the tool-calling step with the tool's name and arguments, and sends back the arguments as the model said them", async () => {
		const { model, supplied } = await chatModel();
		const withTools = model.bindTools([calculator]);
		const first = await withTools.invoke([new HumanMessage('17*23')]);
		const [call] = first.tool_calls!;
		// What the model's log entry for that step shows in the editor (n8n's tracing output).
		const steps = supplied.runData()['Mistral Chat Model'];
		const generation = (steps[0].data!.ai_languageModel![0]![0].json as any).response.generations[0][0];
		expect(generation.text).toBe('Tool call: calculator({"input":"17*23"})');
		expect(generation.generationInfo.tool_calls).toEqual([{ name: 'calculator', args: { input: '17*23' }, id: call.id }]);
		// The agent's own copy of the answer is untouched: no text, one call.
		expect(first.text).toBe('');

		// n8n's AI Agent hands the history back with the call's id among the arguments.
		const echoed = { ...first, tool_calls: [{ ...call, args: { ...call.args, id: call.id } }] } as unknown as AIMessage;
		Object.setPrototypeOf(echoed, Object.getPrototypeOf(first));
		const second = await withTools.invoke([new HumanMessage('17*23'), echoed, new ToolMessage({ content: '391', tool_call_id: call.id! })]);
		expect(second.text).toBe('Echo: 17*23 (tool result: 391)');
		expect(chats()[1].body.messages[1].tool_calls[0].function.arguments).toBe('{"input":"17*23"}');
		// The answer step logs its text as before.
		expect((supplied.runData()['Mistral Chat Model'][1].data!.ai_languageModel![0]![0].json as any).response.generations[0][0].text).toBe('Echo: 17*23 (tool result: 391)');
	});

	it("logs a streamed answer's exact token counts from the stream's last chunk, as an unstreamed one", async () => {
		const { model, supplied } = await chatModel();
		const prompt = 'count the tokens of this streamed answer exactly please';
		const unstreamed = await model.invoke([new HumanMessage(prompt)]);
		for await (const chunk of await model.stream([new HumanMessage(prompt)])) void chunk;
		const logged = supplied.runData()['Mistral Chat Model'].map((step) => step.data!.ai_languageModel![0]![0].json);
		expect(logged).toHaveLength(2);
		const exact = {
			promptTokens: unstreamed.usage_metadata!.input_tokens,
			completionTokens: unstreamed.usage_metadata!.output_tokens,
			totalTokens: unstreamed.usage_metadata!.total_tokens,
		};
		// The server's own count (Mistral's tokenizer) of the answer, and no estimate in either log.
		expect(exact.completionTokens).toBe(countTokens(`Echo: ${prompt}`));
		expect(logged[0].tokenUsage).toEqual(exact);
		expect(logged[1].tokenUsage).toEqual(exact);
		expect(logged[1].tokenUsageEstimate).toBeUndefined();
		expect(chats()[1].body.stream).toBe(true);
	});

	it('keeps Magistral thinking apart from the answer', async () => {
		const supplied = await supplyNode({
			node: 'mistralChatModel',
			parameters: { model: { __rl: true, mode: 'id', value: 'magistral-medium-latest' }, options: { reasoningMode: true } },
			credentials: credentials(),
		});
		const answer = await (supplied.response as ChatModelLike).invoke([new HumanMessage('why')]);
		expect(answer.text).toBe('Echo: why');
		expect(JSON.stringify(answer.content)).toContain('Thinking about: why');
		expect(chats()[0].body.prompt_mode).toBe('reasoning');
	});

	it('waits out a 429 with Retry-After once, without LangChain retrying on top', async () => {
		server.enqueue({ path: '/chat/completions', status: 429, body: { message: 'Requests rate limit exceeded' }, headers: { 'retry-after': '1' } });
		const { model } = await chatModel();
		const answer = await model.invoke([new HumanMessage('after a wait')]);
		expect(answer.text).toBe('Echo: after a wait');
		expect(chats().map((request) => request.status)).toEqual([429, 200]);

		// A failure that our transport gave up on is not sent again by LangChain's own retry loop.
		server.reset();
		server.configure({ faults: { rate5xx: 1 } });
		const { model: failing } = await chatModel({ maxRetries: 1 });
		await expect(failing.invoke([new HumanMessage('x')])).rejects.toThrow(/503|502|500|server/i);
		expect(chats()).toHaveLength(2);
	});

	it('never puts the key in an error', async () => {
		const supplied = await supplyNode({
			node: 'mistralChatModel',
			parameters: { model: { __rl: true, mode: 'id', value: 'mistral-small-latest' }, options: {} },
			credentials: { apiKey: 'sk-canary-0123456789abcdef', baseUrl: server.url },
		});
		const error = await (supplied.response as ChatModelLike).invoke([new HumanMessage('x')]).then(
			() => undefined,
			(caught: unknown) => caught,
		);
		expect(String((error as Error).message)).toMatch(/401|API key/i);
		expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain('sk-canary-0123456789abcdef');
	});

	it('Mistral Embeddings: token-budgeted batches, vectors in document order, logged for the editor', async () => {
		const supplied = await supplyNode({
			node: 'mistralEmbeddings',
			parameters: { model: { __rl: true, mode: 'id', value: 'mistral-embed' }, options: { maxTokensPerRequest: 2000 } },
			credentials: credentials(),
		});
		const embeddings = supplied.response as EmbeddingsLike;
		const texts = Array.from({ length: 60 }, (_, index) => `Document ${index}: ${'lorem ipsum dolor sit amet '.repeat(8)}`);
		const vectors = await embeddings.embedDocuments(texts);
		expect(vectors).toHaveLength(60);
		vectors.forEach((vector, index) => {
			const expected = embeddingFor(texts[index], 'mistral-embed', 1024);
			expect(vector).toHaveLength(expected.length);
			expect(vector.every((value, i) => Math.abs(value - expected[i]) < 1e-6)).toBe(true);
		});
		expect(embeds().length).toBeGreaterThan(1);
		expect(embeds().every((request) => request.status === 200 && (request.inputTokens ?? 0) <= 2000)).toBe(true);
		const query = await embeddings.embedQuery('find me');
		expect(query).toHaveLength(1024);
		const logged = supplied.runData()['Mistral Embeddings'];
		expect(logged).toHaveLength(2);
		expect(logged[0].inputOverride?.ai_embedding?.[0]?.[0].json).toEqual({ documents: texts });
		// One `response` entry per document, as n8n's own embeddings log: the canvas labels the edge with
		// its length ("60 items"); past the log's size cap the later vectors are a short note each.
		const insertLogged = logged[0].data?.ai_embedding?.[0]?.[0].json as { response: unknown[] };
		expect(insertLogged.response).toHaveLength(60);
		expect(insertLogged.response[0]).toEqual(vectors[0]);
		expect(insertLogged.response[59]).toBe('vector of 1024 numbers (not kept in this log)');
		expect(logged[1].data?.ai_embedding?.[0]?.[0].json).toEqual({ response: query });
	});

	it('Mistral Embeddings: a document over the per-input limit fails alone, named, after the others were tried', async () => {
		const supplied = await supplyNode({
			node: 'mistralEmbeddings',
			parameters: { model: { __rl: true, mode: 'id', value: 'mistral-embed' }, options: {} },
			credentials: credentials(),
		});
		const texts = ['short one', 'word '.repeat(9000), 'short two'];
		await expect((supplied.response as EmbeddingsLike).embedDocuments(texts)).rejects.toThrow(/Document 1: .*8192/);
		await expect((supplied.response as EmbeddingsLike).embedDocuments(['ok', '  '])).rejects.toThrow(/Document 1 has no text/);
		const logged = supplied.runData()['Mistral Embeddings'];
		expect(logged[0].error?.message).toMatch(/Document 1/);
	});
});
