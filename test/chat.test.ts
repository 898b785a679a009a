import type { INodeType } from 'n8n-workflow';

import { loadPackage, runNode } from './harness/engine';
import { startMistralServer, type MistralTestServer } from './server/mistralServer';
import { runsOnN8nV1 } from '../nodes/shared/n8nLine';

const model = (value = 'mistral-small-latest') => ({ __rl: true, mode: 'id', value });
const PNG = Buffer.from(
	'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
	'base64',
);

describe('Mistral Chat through the n8n engine', () => {
	let server: MistralTestServer;
	const credentials = () => ({ apiKey: server.apiKey as string, baseUrl: server.url });
	const chatRequests = () => server.requests.filter((request) => request.path === '/chat/completions');

	beforeAll(async () => {
		server = await startMistralServer();
	});
	afterAll(async () => await server.close());
	beforeEach(() => {
		server.reset();
		server.configure({ latencyMs: 0, faults: {} });
	});

	it('sends one valid request per item and keeps the input order', async () => {
		const items = ['first', 'second', 'third'].map((prompt) => ({ json: { prompt } }));
		const result = await runNode({ node: 'mistralChat', parameters: { model: model() }, items, credentials: credentials() });

		expect(result.error).toBeUndefined();
		expect(chatRequests()).toHaveLength(3);
		expect(chatRequests().every((request) => request.status === 200)).toBe(true);
		expect(result.items.map((item) => item.json.content)).toEqual(['Echo: first', 'Echo: second', 'Echo: third']);
		expect(result.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(result.items[0].json.usage).toEqual(expect.objectContaining({ prompt_tokens: expect.any(Number), total_tokens: expect.any(Number) }));
		expect(result.items[0].json.finish_reason).toBe('stop');
	});

	it('sends system, extra and history messages before the prompt, in that order', async () => {
		const history = [
			{ role: 'user', content: 'earlier question', id: 'mem-1' },
			{ role: 'assistant', content: 'earlier answer' },
		];
		const result = await runNode({
			node: 'mistralChat',
			parameters: {
				model: model(),
				systemMessage: 'You are terse.',
				extraMessages: { message: [{ role: 'user', content: 'example in' }, { role: 'assistant', content: 'example out' }] },
				options: { historyField: 'history' },
			},
			items: [{ json: { prompt: 'now', history } }],
			credentials: credentials(),
		});
		expect(result.error).toBeUndefined();
		const sent = chatRequests()[0].body.messages;
		expect(sent).toEqual([
			{ role: 'system', content: 'You are terse.' },
			{ role: 'user', content: 'earlier question' },
			{ role: 'assistant', content: 'earlier answer' },
			{ role: 'user', content: 'example in' },
			{ role: 'assistant', content: 'example out' },
			{ role: 'user', content: 'now' },
		]);
	});

	it('sends images from binary data as data URLs and from URLs as given', async () => {
		const result = await runNode({
			node: 'mistralChat',
			parameters: {
				model: model('pixtral-12b-latest'),
				images: { image: [{ source: 'binary', binaryProperty: 'photo' }, { source: 'url', url: 'https://example.com/cat.jpg' }] },
			},
			items: [{ json: { prompt: 'describe' }, binary: { photo: { data: PNG.toString('base64'), mimeType: 'image/png', fileName: 'a.png' } } }],
			credentials: credentials(),
		});
		expect(result.error).toBeUndefined();
		const content = chatRequests()[0].body.messages[0].content;
		expect(content).toEqual([
			{ type: 'text', text: 'describe' },
			{ type: 'image_url', image_url: `data:image/png;base64,${PNG.toString('base64')}` },
			{ type: 'image_url', image_url: 'https://example.com/cat.jpg' },
		]);
		expect(result.items[0].json.content).toBe('Echo: describe [images: 2]');
	});

	it('parses JSON-schema answers into objects and reports invalid JSON clearly', async () => {
		const parameters = {
			model: model(),
			responseFormat: 'json_schema',
			schemaName: 'echo',
			jsonSchema: '{"type":"object","properties":{"echo":{"type":"string"}}}',
		};
		const ok = await runNode({ node: 'mistralChat', parameters, items: [{ json: { prompt: 'structured' } }], credentials: credentials() });
		expect(ok.error).toBeUndefined();
		expect(ok.items[0].json.content).toEqual({ echo: 'structured' });
		expect(chatRequests()[0].body.response_format).toEqual({
			type: 'json_schema',
			json_schema: { name: 'echo', schema: { type: 'object', properties: { echo: { type: 'string' } } }, strict: true },
		});

		const bad = await runNode({ node: 'mistralChat', parameters, items: [{ json: { prompt: 'oops [invalid-json]' } }], credentials: credentials() });
		expect(bad.error?.message).toMatch(/The model returned invalid JSON.*\[item 0\]/);
	});

	it('returns tool calls with parsed arguments', async () => {
		const tools = JSON.stringify([{ type: 'function', function: { name: 'search_docs', parameters: { type: 'object', properties: { query: { type: 'string' } } } } }]);
		const result = await runNode({
			node: 'mistralChat',
			parameters: { model: model(), options: { tools, toolChoice: 'any' } },
			items: [{ json: { prompt: 'find n8n' } }],
			credentials: credentials(),
		});
		expect(result.error).toBeUndefined();
		expect(result.items[0].json.finish_reason).toBe('tool_calls');
		expect(result.items[0].json.tool_calls).toEqual([
			{ id: expect.any(String), type: 'function', function: { name: 'search_docs', arguments: { query: 'find n8n' } } },
		]);
		expect(chatRequests()[0].body.tool_choice).toBe('any');
	});

	it('"Tool Choice Function Name" is offered only with Tool Choice "A Specific Function", and then names the function sent', async () => {
		const { nodeTypes, packageName } = await loadPackage();
		const options = (nodeTypes.getByNameAndVersion(`${packageName}.mistralChat`, 1) as INodeType).description.properties.find((property) => property.name === 'options')!.options as Array<Record<string, any>>;
		expect(options.find((option) => option.name === 'toolChoiceFunction')!.displayOptions).toEqual({ show: { toolChoice: ['function'] } });
		const tools = JSON.stringify([{ type: 'function', function: { name: 'search_docs', parameters: { type: 'object', properties: { query: { type: 'string' } } } } }]);
		const result = await runNode({
			node: 'mistralChat',
			parameters: { model: model(), options: { tools, toolChoice: 'function', toolChoiceFunction: 'search_docs' } },
			items: [{ json: { prompt: 'find n8n' } }],
			credentials: credentials(),
		});
		expect(result.error).toBeUndefined();
		expect(chatRequests()[0].body.tool_choice).toEqual({ type: 'function', function: { name: 'search_docs' } });
	});

	it('separates reasoning from the answer', async () => {
		const result = await runNode({
			node: 'mistralChat',
			parameters: { model: model('magistral-medium-latest'), options: { reasoningMode: true } },
			items: [{ json: { prompt: 'why?' } }],
			credentials: credentials(),
		});
		expect(result.error).toBeUndefined();
		expect(result.items[0].json).toMatchObject({ content: 'Echo: why?', reasoning: 'Thinking about: why?' });
		expect(chatRequests()[0].body.prompt_mode).toBe('reasoning');
	});

	it('emits one item per choice with n > 1, each paired to its input', async () => {
		const result = await runNode({
			node: 'mistralChat',
			parameters: { model: model(), options: { n: 3 } },
			items: [{ json: { prompt: 'a' } }, { json: { prompt: 'b' } }],
			credentials: credentials(),
		});
		expect(result.items.map((item) => [item.json.content, item.pairedItem])).toEqual([
			['Echo: a', { item: 0 }], ['Echo: a #1', { item: 0 }], ['Echo: a #2', { item: 0 }],
			['Echo: b', { item: 1 }], ['Echo: b #1', { item: 1 }], ['Echo: b #2', { item: 1 }],
		]);
	});

	it('runs items concurrently (server saw 4 in flight), output still in order', async () => {
		server.configure({ chatLatencyMs: 100 });
		const items = Array.from({ length: 20 }, (_, i) => ({ json: { prompt: `p${i}` } }));
		const result = await runNode({ node: 'mistralChat', parameters: { model: model(), options: { maxConcurrency: 4 } }, items, credentials: credentials() });
		server.configure({ chatLatencyMs: 0 });
		expect(result.error).toBeUndefined();
		expect(server.maxInFlight).toBe(4);
		expect(result.items.map((item) => item.json.content)).toEqual(items.map((_, i) => `Echo: p${i}`));
	});

	it('with Continue On Fail, one empty prompt gives one error item and 19 answers', async () => {
		const items = Array.from({ length: 20 }, (_, i) => ({ json: { prompt: i === 7 ? '' : `p${i}` } }));
		const result = await runNode({ node: 'mistralChat', parameters: { model: model() }, items, credentials: credentials(), continueOnFail: true });
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(20);
		const errors = result.items.filter((item) => item.json.error);
		expect(errors).toHaveLength(1);
		expect(errors[0].json.error).toMatch(/"Prompt" is empty.*\[item 7\]/);
		expect(errors[0].pairedItem).toEqual({ item: 7 });
		expect(chatRequests()).toHaveLength(19);
	});

	it('without Continue On Fail, the node fails naming the item', async () => {
		const items = [{ json: { prompt: 'ok' } }, { json: { prompt: 42 } }];
		const result = await runNode({ node: 'mistralChat', parameters: { model: model() }, items, credentials: credentials() });
		expect(result.error?.message).toMatch(/"Prompt" must be text, got a number.*\[item 1\]/);
	});

	it("honours Retry-After on a proxy's 429 HTML page, then succeeds", async () => {
		server.enqueue({ path: '/chat/completions', status: 429, rawBody: '<html><body>Too Many Requests</body></html>', headers: { 'content-type': 'text/html', 'retry-after': '1' } });
		const result = await runNode({ node: 'mistralChat', parameters: { model: model() }, items: [{ json: { prompt: 'again' } }], credentials: credentials() });
		expect(result.error).toBeUndefined();
		expect(result.items[0].json.content).toBe('Echo: again');
		const [limited, answered] = chatRequests();
		expect([limited.status, answered.status]).toEqual([429, 200]);
		expect(answered.startedAt - limited.endedAt).toBeGreaterThanOrEqual(900);
	});

	it('returns the raw body when Simplify Output is off, and keeps input fields when asked', async () => {
		const raw = await runNode({ node: 'mistralChat', parameters: { model: model(), simplify: false }, items: [{ json: { prompt: 'x' } }], credentials: credentials() });
		expect(raw.items[0].json).toMatchObject({ object: 'chat.completion', choices: [expect.objectContaining({ index: 0 })] });
		const kept = await runNode({
			node: 'mistralChat',
			parameters: { model: model(), includeInputFields: true },
			items: [{ json: { prompt: 'x', ticketId: 12 } }],
			credentials: credentials(),
		});
		expect(kept.items[0].json).toMatchObject({ ticketId: 12, prompt: 'x', content: 'Echo: x' });
	});

	it('keeps the input fields by default, next to the answer and next to an error (Continue On Fail)', async () => {
		const items = [{ json: { ticketId: 1, prompt: 'x' } }, { json: { ticketId: 2, prompt: '' } }];
		const result = await runNode({ node: 'mistralChat', parameters: { model: model() }, items, credentials: credentials(), continueOnFail: true });
		expect(result.items[0].json).toMatchObject({ ticketId: 1, prompt: 'x', content: 'Echo: x' });
		expect(result.items[1].json).toEqual({ ticketId: 2, prompt: '', error: expect.stringMatching(/"Prompt" is empty.*\[item 1\]$/) });
		const bare = await runNode({ node: 'mistralChat', parameters: { model: model(), includeInputFields: false }, items, credentials: credentials(), continueOnFail: true });
		expect(bare.items[0].json.ticketId).toBeUndefined();
		expect(Object.keys(bare.items[1].json)).toEqual(['error']);
	});

	it('"Continue (using error output)": n8n routes each failure to the error output, with its input fields and what to do', async () => {
		server.enqueue({ path: '/chat/completions', status: 400, body: { object: 'error', message: 'Prompt contains forbidden content', type: 'invalid_request_error', param: null, code: '3051' } });
		const items = [{ json: { ticketId: 1, prompt: 'x' } }, { json: { ticketId: 2, prompt: '' } }, { json: { ticketId: 3, prompt: 'y' } }];
		const result = await runNode({ node: 'mistralChat', parameters: { model: model(), options: { maxConcurrency: 1 } }, items, credentials: credentials(), errorOutput: true });
		expect(result.items.map((item) => item.json.ticketId)).toEqual([3]);
		expect(result.errorItems.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		// n8n 1.x routes only a json of `error` and `message` to the error output (when the engine
		// suites run on n8n 1.x's engine, scripts/e2e.sh): there the two share `message`.
		expect(result.errorItems[0].json).toEqual(
			runsOnN8nV1()
				? { error: expect.stringMatching(/forbidden content.*\[item 0\]$/), message: expect.stringMatching(/Check the node's parameters.*HTTP 400$/) }
				: {
						error: expect.stringMatching(/forbidden content.*\[item 0\]$/),
						details: { errorDescription: expect.stringMatching(/Check the node's parameters/), httpCode: '400' },
					},
		);
		expect(result.errorItems[1].json).toEqual({ error: expect.stringMatching(/"Prompt" is empty.*\[item 1\]$/) });
	});

	it('defaults suit reasoning models and keep rows: Chat waits 300 s, Embed 60 s; Include Input Fields is on for both', async () => {
		const { nodeTypes, packageName } = await loadPackage();
		const property = (node: string, name: string) => {
			const properties = nodeTypes.getByNameAndVersion(`${packageName}.${node}`).description.properties;
			const top = properties.find((entry) => entry.name === name);
			if (top) return top;
			const options = properties.find((entry) => entry.name === 'options')?.options as Array<{ name: string; default: unknown }>;
			return options.find((entry) => entry.name === name);
		};
		expect(property('mistralChat', 'timeout')?.default).toBe(300);
		expect(property('mistralEmbed', 'timeout')?.default).toBe(60);
		expect(property('mistralChat', 'includeInputFields')?.default).toBe(true);
		expect(property('mistralEmbed', 'includeInputFields')?.default).toBe(true);
		expect(property('mistralChat', 'maxAmbiguousRetries')?.default).toBe(1);
	});
});
