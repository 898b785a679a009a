import { runNode } from './harness/engine';
import { countEmbeddingTokens } from './server/tokens';
import { embeddingFor, startMistralServer, type MistralTestServer } from './server/mistralServer';

const model = (value = 'mistral-embed') => ({ __rl: true, mode: 'id', value });
const text = (i: number) => `Row ${i}: the customer asked about invoice ${i * 7} and shipping to Lyon.`;

describe('Mistral Embed through the n8n engine', () => {
	let server: MistralTestServer;
	const credentials = () => ({ apiKey: server.apiKey as string, baseUrl: server.url });
	const embedRequests = () => server.requests.filter((request) => request.path === '/embeddings');

	beforeAll(async () => {
		server = await startMistralServer();
	});
	afterAll(async () => await server.close());
	beforeEach(() => {
		server.reset();
		server.configure({ latencyMs: 0, embeddingsLatencyMs: 0 });
	});

	it('embeds 1,000 items in few requests, each vector its own text, in order, under the token cap', async () => {
		const items = Array.from({ length: 1000 }, (_, i) => ({ json: { id: i, text: text(i) } }));
		const result = await runNode({ node: 'mistralEmbed', parameters: { model: model(), options: { batchSize: 128 } }, items, credentials: credentials() });

		expect(result.error).toBeUndefined();
		expect(embedRequests().length).toBeLessThanOrEqual(Math.ceil(1000 / 128));
		expect(embedRequests().every((request) => request.status === 200 && (request.inputTokens ?? 0) <= 16_384)).toBe(true);
		expect(result.items).toHaveLength(1000);
		result.items.forEach((item, i) => {
			expect(item.json.id).toBe(i);
			expect(item.pairedItem).toEqual({ item: i });
		});
		for (const i of [0, 1, 499, 998, 999]) {
			expect(result.items[i].json.embedding).toEqual(embeddingFor(text(i), 'mistral-embed', 1024));
		}
	});

	it('splits by tokens: long texts never exceed 16,384 tokens per request', async () => {
		const long = (i: number) => `${text(i)} ${'lorem ipsum dolor sit amet '.repeat(120)}`;
		const items = Array.from({ length: 60 }, (_, i) => ({ json: { text: long(i) } }));
		const result = await runNode({ node: 'mistralEmbed', parameters: { model: model() }, items, credentials: credentials() });
		expect(result.error).toBeUndefined();
		expect(embedRequests().length).toBeGreaterThan(1);
		const serverMax = Math.max(...embedRequests().map((request) => request.inputTokens ?? 0));
		expect(serverMax).toBeLessThanOrEqual(16_384);
		expect(embedRequests().reduce((n, request) => n + (request.body.input as string[]).length, 0)).toBe(60);
		expect(result.items[59].json.embedding).toEqual(embeddingFor(long(59), 'mistral-embed', 1024));
	});

	it('with one 9,000-token input among 200 and Continue On Fail: 199 vectors and 1 error item', async () => {
		const huge = 'word '.repeat(9000);
		expect(countEmbeddingTokens(huge)).toBeGreaterThan(8192);
		const items = Array.from({ length: 200 }, (_, i) => ({ json: { text: i === 123 ? huge : text(i) } }));
		const result = await runNode({ node: 'mistralEmbed', parameters: { model: model() }, items, credentials: credentials(), continueOnFail: true });

		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(200);
		const errors = result.items.map((item, i) => [i, item.json.error]).filter(([, error]) => error);
		expect(errors).toEqual([[123, expect.stringMatching(/8192.*\[item 123\]/)]]);
		expect(result.items.filter((item) => Array.isArray(item.json.embedding))).toHaveLength(199);
		expect(result.items[124].json.embedding).toEqual(embeddingFor(text(124), 'mistral-embed', 1024));
	});

	it('texts over the 8,192-token input limit but under the request cap go alone: refused once each, no good text refused with them', async () => {
		// About 9,000 tokens each: packed by the request cap alone, each would share a request with
		// short texts, be refused with them, and cost a cascade of halvings.
		const long = (i: number) => `${i} ${'word '.repeat(9000)}`;
		const longAt = new Set([5, 50, 95]);
		const items = Array.from({ length: 100 }, (_, i) => ({ json: { text: longAt.has(i) ? long(i) : text(i) } }));
		const result = await runNode({ node: 'mistralEmbed', parameters: { model: model() }, items, credentials: credentials(), continueOnFail: true });

		expect(result.error).toBeUndefined();
		const refused = embedRequests().filter((request) => request.status !== 200);
		expect(refused.map((request) => request.inputCount)).toEqual([1, 1, 1]);
		// The 97 short texts in one request, each long text in one of its own.
		expect(embedRequests()).toHaveLength(4);
		const errors = result.items.map((item, i) => [i, item.json.error]).filter(([, error]) => error);
		expect(errors).toEqual([...longAt].map((i) => [i, expect.stringMatching(new RegExp(`8192.*\\[item ${i}\\]`))]));
		expect(result.items[6].json.embedding).toEqual(embeddingFor(text(6), 'mistral-embed', 1024));
	});

	it('without Continue On Fail, stops sending once an item has failed for good: no new batch starts', async () => {
		const huge = 'word '.repeat(9000);
		const items = Array.from({ length: 200 }, (_, i) => ({ json: { id: i, text: i === 23 ? huge : text(i) } }));
		const result = await runNode({ node: 'mistralEmbed', parameters: { model: model(), options: { batchSize: 10, maxConcurrency: 1 } }, items, credentials: credentials() });
		expect(result.error?.message).toMatch(/8192.*\[item 23\]/);
		const sent = new Set(embedRequests().flatMap((request) => request.body.input as string[]));
		// Every item up to the failing one was sent; no request started after the failing one was answered.
		expect([...Array(24).keys()].every((i) => sent.has(i === 23 ? huge : text(i)))).toBe(true);
		const failing = embedRequests().find((request) => (request.body.input as string[]).length === 1 && request.body.input[0] === huge)!;
		expect(failing.status).toBe(400);
		expect(embedRequests().filter((request) => request !== failing && request.startedAt >= failing.endedAt)).toEqual([]);
		// A batch may pass over an input that would overflow it (up to 8) to take later ones, so at most
		// items 24-40 ran ahead of item 23; none past them was ever sent.
		expect([...Array(159).keys()].map((k) => k + 41).filter((i) => sent.has(text(i)))).toEqual([]);
		expect(embedRequests().length).toBeLessThanOrEqual(8);

		// With Continue On Fail every other batch is still sent.
		server.reset();
		const continued = await runNode({ node: 'mistralEmbed', parameters: { model: model(), options: { batchSize: 10, maxConcurrency: 1 } }, items, credentials: credentials(), continueOnFail: true });
		expect(continued.items.filter((item) => Array.isArray(item.json.embedding))).toHaveLength(199);
		// The error item keeps the row's fields (Include Input Fields is on), so the failed row is known downstream.
		expect(continued.items[23].json).toEqual({ id: 23, text: huge, error: expect.stringMatching(/\[item 23\]$/), errorDescription: expect.any(String), httpCode: '400' });
	});

	it('with Include Input Fields off, an error item carries only the error', async () => {
		const items = [{ json: { id: 0, text: 'fine' } }, { json: { id: 1, text: '   ' } }];
		const result = await runNode({ node: 'mistralEmbed', parameters: { model: model(), includeInputFields: false }, items, credentials: credentials(), continueOnFail: true });
		expect(Object.keys(result.items[1].json).sort()).toEqual(['error']);
		expect(result.items[0].json.id).toBeUndefined();
	});

	it('bisects a batch rejected once for an input error ("Input at index 5 is invalid"): both halves are sent again and every item gets its vector', async () => {
		const items = Array.from({ length: 16 }, (_, i) => ({ json: { text: text(i) } }));
		server.enqueue({ path: '/embeddings', status: 400, body: { object: 'error', message: 'Input at index 5 is invalid', type: 'invalid_request_error', param: null, code: '3210' } });
		const result = await runNode({ node: 'mistralEmbed', parameters: { model: model() }, items, credentials: credentials(), continueOnFail: true });
		expect(result.items.filter((item) => item.json.error)).toHaveLength(0);
		expect(result.items.every((item, i) => JSON.stringify(item.json.embedding) === JSON.stringify(embeddingFor(text(i), 'mistral-embed', 1024)))).toBe(true);
		expect(embedRequests().length).toBe(3);
	});

	it('re-sends a batch the server finds too large ("Too many tokens overall") in pieces under the budget learned from it', async () => {
		const items = Array.from({ length: 20 }, (_, i) => ({ json: { text: text(i) } }));
		server.enqueue({
			path: '/embeddings',
			status: 400,
			body: { object: 'error', message: 'Too many tokens overall, split into more batches.', type: 'invalid_request_error', param: null, code: '3210' },
		});
		const result = await runNode({ node: 'mistralEmbed', parameters: { model: model() }, items, credentials: credentials() });
		expect(result.error).toBeUndefined();
		const sizes = embedRequests().map((request) => (request.body.input as string[]).length);
		expect(sizes[0]).toBe(20);
		expect(sizes.length).toBeGreaterThanOrEqual(3);
		expect(sizes.slice(1).reduce((sum, size) => sum + size, 0)).toBe(20);
		expect(embedRequests().slice(1).every((request) => request.status === 200)).toBe(true);
		expect(result.items[15].json.embedding).toEqual(embeddingFor(text(15), 'mistral-embed', 1024));
	});

	it('does not split a batch rejected for the model, and fails every item with the model named', async () => {
		const items = Array.from({ length: 20 }, (_, i) => ({ json: { text: text(i) } }));
		const result = await runNode({ node: 'mistralEmbed', parameters: { model: model('mistral-embed-nope') }, items, credentials: credentials(), continueOnFail: true });
		expect(embedRequests()).toHaveLength(1);
		expect(result.items.every((item, i) => new RegExp(`Model "mistral-embed-nope" was not found.*\\[item ${i}\\]`).test(String(item.json.error)))).toBe(true);
	});

	it('without Continue On Fail, a bad input stops the node before any request, naming the item', async () => {
		const items = [{ json: { text: 'fine' } }, { json: { text: '   ' } }];
		const result = await runNode({ node: 'mistralEmbed', parameters: { model: model() }, items, credentials: credentials() });
		expect(result.error?.message).toMatch(/"Text" is empty.*\[item 1\]/);
		expect(embedRequests()).toHaveLength(0);
	});

	it('gives identical numbers over base64 and JSON float transport', async () => {
		const items = Array.from({ length: 10 }, (_, i) => ({ json: { text: text(i) } }));
		const viaBase64 = await runNode({ node: 'mistralEmbed', parameters: { model: model(), options: { vectorTransport: 'base64' } }, items, credentials: credentials() });
		const viaFloat = await runNode({ node: 'mistralEmbed', parameters: { model: model(), options: { vectorTransport: 'float' } }, items, credentials: credentials() });
		expect(embedRequests().map((request) => request.body.encoding_format)).toEqual(['base64', undefined]);
		expect(viaBase64.items.map((item) => item.json.embedding)).toEqual(viaFloat.items.map((item) => item.json.embedding));
		expect(viaBase64.items[3].json.embedding).toEqual(embeddingFor(text(3), 'mistral-embed', 1024));
	});

	it('sends output_dimension and output_dtype and returns vectors of the asked size', async () => {
		const items = [{ json: { text: 'a' } }, { json: { text: 'b' } }];
		const sized = await runNode({ node: 'mistralEmbed', parameters: { model: model('codestral-embed'), options: { outputDimension: 256 } }, items, credentials: credentials() });
		expect((sized.items[0].json.embedding as number[]).length).toBe(256);
		const int8 = await runNode({ node: 'mistralEmbed', parameters: { model: model('codestral-embed'), options: { outputDimension: 512, outputDtype: 'int8' } }, items, credentials: credentials() });
		const vector = int8.items[1].json.embedding as number[];
		expect(vector).toHaveLength(512);
		expect(vector.every((value) => Number.isInteger(value) && value >= -128 && value <= 127)).toBe(true);
		expect(embedRequests().map((request) => [request.body.output_dimension, request.body.output_dtype])).toEqual([[256, undefined], [512, 'int8']]);
	});

	it('runs batches concurrently (shown by the server) and matches vectors by index', async () => {
		server.configure({ embeddingsLatencyMs: 50 });
		const items = Array.from({ length: 80 }, (_, i) => ({ json: { text: text(i) } }));
		const result = await runNode({ node: 'mistralEmbed', parameters: { model: model(), options: { batchSize: 10, maxConcurrency: 4 } }, items, credentials: credentials() });
		expect(result.error).toBeUndefined();
		expect(embedRequests()).toHaveLength(8);
		expect(server.maxInFlight).toBe(4);
		expect(result.items[77].json.embedding).toEqual(embeddingFor(text(77), 'mistral-embed', 1024));
	});

	it('embeds a list of strings as a list of vectors, or as one item per string', async () => {
		const items = [{ json: { text: ['alpha', 'beta'] } }, { json: { text: 'gamma' } }];
		const lists = await runNode({ node: 'mistralEmbed', parameters: { model: model() }, items, credentials: credentials() });
		expect(lists.items[0].json.embedding).toEqual([embeddingFor('alpha', 'mistral-embed', 1024), embeddingFor('beta', 'mistral-embed', 1024)]);
		const split = await runNode({ node: 'mistralEmbed', parameters: { model: model(), listMode: 'items', includeInputFields: false }, items, credentials: credentials() });
		expect(split.items.map((item) => [item.json.text, item.json.textIndex, item.pairedItem])).toEqual([
			['alpha', 0, { item: 0 }], ['beta', 1, { item: 0 }], [undefined, undefined, { item: 1 }],
		]);
	});
});

describe('Mistral Embed text mapping', () => {
	let server: MistralTestServer;
	beforeAll(async () => {
		server = await startMistralServer();
	});
	afterAll(async () => await server.close());

	it('reads a plain {{ $json.field }} mapping and any other expression the same way n8n does', async () => {
		const credentials = { apiKey: server.apiKey as string, baseUrl: server.url };
		const items = [{ json: { body: 'alpha', title: 'A' } }, { json: { body: 'beta', title: 'B' } }];
		const plain = await runNode({ node: 'mistralEmbed', parameters: { model: model(), text: '={{ $json.body }}' }, items, credentials });
		const composed = await runNode({ node: 'mistralEmbed', parameters: { model: model(), text: '={{ $json.title + ": " + $json.body }}' }, items, credentials });
		expect(plain.items.map((item) => item.json.embedding)).toEqual(['alpha', 'beta'].map((t) => embeddingFor(t, 'mistral-embed', 1024)));
		expect(composed.items[1].json.embedding).toEqual(embeddingFor('B: beta', 'mistral-embed', 1024));
		const missing = await runNode({ node: 'mistralEmbed', parameters: { model: model(), text: '={{ $json.nope }}' }, items, credentials });
		expect(missing.error?.message).toMatch(/"Text" is missing.*\[item 0\]/);
	});
});
