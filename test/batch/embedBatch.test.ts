import { runNode } from '../harness/engine';
import { countTokens, embeddingFor, startMistralServer, type MistralTestServer } from '../server/mistralServer';

const model = { __rl: true, mode: 'id', value: 'mistral-embed' };
const text = (i: number) => `Row ${i}: the customer asked about invoice ${i * 7} and shipping to Lyon.`;

describe('Mistral Embed in batch mode (n8n engine, fast-clock server)', () => {
	let server: MistralTestServer;
	const credentials = () => ({ apiKey: server.apiKey as string, baseUrl: server.url });
	const jobCreations = () => server.requests.filter((request) => request.path === '/batch/jobs' && request.method === 'POST');
	const batchParameters = (extra: Record<string, unknown> = {}) => ({ model, processing: 'batch', ...extra });

	beforeAll(async () => {
		server = await startMistralServer();
	});
	afterAll(async () => await server.close());
	beforeEach(() => {
		server.reset();
		server.configure({ embeddingDimension: undefined, batch: { speed: 100_000, queueSeconds: 5, requestsPerSecond: 100 } });
	});

	it('gives the same items as realtime mode from the same packed request bodies, lists included', async () => {
		const items = Array.from({ length: 300 }, (_, i) => ({ json: { id: i, text: i % 50 === 3 ? [text(i), `${text(i)} (part 2)`] : text(i) } }));
		const parameters = { model, listMode: 'items', options: { batchSize: 64, includeUsage: true } };
		const realtime = await runNode({ node: 'mistralEmbed', parameters, items, credentials: credentials() });
		const realtimeBodies = server.requests.filter((request) => request.path === '/embeddings').map((request) => request.body);
		server.reset();
		const batch = await runNode({ node: 'mistralEmbed', parameters: { ...parameters, processing: 'batch' }, items, credentials: credentials() });

		expect(batch.error).toBeUndefined();
		expect(server.requests.filter((request) => request.path === '/embeddings')).toHaveLength(0);
		const lines = jobCreations()[0].body.requests as Array<{ custom_id: string; body: { input: string[] } }>;
		expect(jobCreations()[0].body).toMatchObject({ endpoint: '/v1/embeddings', model: 'mistral-embed' });
		expect(lines.map((line) => line.custom_id)).toEqual(lines.map((_line, i) => String(i)));
		const byFirstInput = (bodies: Array<{ input: string[] }>) => [...bodies].sort((a, b) => a.input[0].localeCompare(b.input[0]));
		expect(byFirstInput(lines.map((line) => line.body))).toEqual(byFirstInput(realtimeBodies));
		expect(batch.items.map(({ json: { batchJob, ...rest } }) => rest)).toEqual(realtime.items.map((item) => item.json));
		expect(batch.items.map((item) => item.pairedItem)).toEqual(realtime.items.map((item) => item.pairedItem));
		const jobIds = server.batch.jobSummaries().map((job) => job.id);
		expect(batch.items.every((item) => jobIds.includes((item.json.batchJob as { id: string }).id))).toBe(true);
		expect(batch.run.data.resultData.runData['Mistral Embed'][0].hints?.[0].message).toMatch(/^Mistral (batch job|\d+ batch jobs) .*SUCCESS/);
		expect(batch.items[4].json).toMatchObject({ text: `${text(3)} (part 2)`, textIndex: 1, embedding: embeddingFor(`${text(3)} (part 2)`, 'mistral-embed', 1024) });
	});

	it('20,000 texts: one job of packed requests, every vector matched to its item', async () => {
		server.configure({ embeddingDimension: 16 });
		const items = Array.from({ length: 20_000 }, (_, i) => ({ json: { id: i, text: text(i) } }));
		const result = await runNode({ node: 'mistralEmbed', parameters: batchParameters(), items, credentials: credentials() });
		expect(result.error).toBeUndefined();
		const requests = jobCreations().reduce((sum, request) => sum + request.body.requests.length, 0);
		expect(jobCreations()).toHaveLength(1);
		expect(requests).toBeLessThanOrEqual(Math.ceil(20_000 / 128) + 1);
		expect(result.items).toHaveLength(20_000);
		result.items.forEach((item, i) => {
			expect(item.json.id).toBe(i);
			expect(item.pairedItem).toEqual({ item: i });
		});
		for (const i of [0, 1, 127, 128, 9_999, 19_998, 19_999]) expect(result.items[i].json.embedding).toEqual(embeddingFor(text(i), 'mistral-embed', 16));
		console.log(`[batch] embed 20,000 texts: ${jobCreations().length} job, ${requests} requests`);
	});

	it('more than 10,000 requests: several jobs, submitted and collected together', async () => {
		server.configure({ embeddingDimension: 8 });
		const items = Array.from({ length: 12_000 }, (_, i) => ({ json: { text: text(i) } }));
		const result = await runNode({ node: 'mistralEmbed', parameters: batchParameters({ options: { batchSize: 1 } }), items, credentials: credentials() });
		expect(result.error).toBeUndefined();
		expect(jobCreations().map((request) => request.body.requests.length)).toEqual([10_000, 2_000]);
		expect(jobCreations().map((request) => request.body.metadata.part)).toEqual(['1/2', '2/2']);
		expect(result.items).toHaveLength(12_000);
		for (const i of [0, 9_999, 10_000, 11_999]) expect(result.items[i].json.embedding).toEqual(embeddingFor(text(i), 'mistral-embed', 8));
	});

	it('a text over the 8,192-token input limit fails alone; the texts around it get their vectors', async () => {
		const huge = 'word '.repeat(9000);
		expect(countTokens(huge)).toBeGreaterThan(8192);
		const items = Array.from({ length: 200 }, (_, i) => ({ json: { text: i === 123 ? huge : text(i) } }));
		const result = await runNode({ node: 'mistralEmbed', parameters: batchParameters(), items, credentials: credentials(), continueOnFail: true });
		expect(result.items).toHaveLength(200);
		const errors = result.items.map((item, i) => [i, item.json.error]).filter(([, error]) => error);
		expect(errors).toEqual([[123, expect.stringMatching(/8192.*\[item 123\]/)]]);
		expect(result.items[124].json.embedding).toEqual(embeddingFor(text(124), 'mistral-embed', 1024));
	});

	it('a request Mistral rejects for one of its texts is split in follow-up jobs until that text stands alone', async () => {
		server.configure({ batch: { speed: 100_000, queueSeconds: 5, requestsPerSecond: 100, rejectInputsContaining: '[bad]' } });
		const items = Array.from({ length: 40 }, (_, i) => ({ json: { text: i === 13 ? `${text(i)} [bad]` : text(i) } }));
		const result = await runNode({ node: 'mistralEmbed', parameters: batchParameters({ options: { batchSize: 16 } }), items, credentials: credentials(), continueOnFail: true });
		expect(result.items).toHaveLength(40);
		const errors = result.items.map((item, i) => [i, item.json.error]).filter(([, error]) => error);
		expect(errors).toEqual([[13, expect.stringMatching(/Mistral rejected the request \(400\): The text is invalid.*\[item 13\]/)]]);
		expect(result.items.filter((item) => Array.isArray(item.json.embedding))).toHaveLength(39);
		expect(result.items[12].json.embedding).toEqual(embeddingFor(text(12), 'mistral-embed', 1024));
		// 16 texts -> 8 -> 4 -> 2 -> 1: four follow-up jobs after the first.
		const creations = jobCreations();
		expect(creations).toHaveLength(5);
		expect(creations.slice(1).map((request) => request.body.requests.map((line: { body: { input: string[] } }) => line.body.input.length))).toEqual([[8, 8], [4, 4], [2, 2], [1, 1]]);
		expect(creations[1].body.metadata.follow_up).toBe('1');
	});

	it('a server that refuses every text: one round of halves, all refused, ends the splitting (2 jobs, not 5)', async () => {
		server.configure({ batch: { speed: 100_000, queueSeconds: 5, requestsPerSecond: 100, rejectInputsContaining: '[bad]' } });
		const items = Array.from({ length: 40 }, (_, i) => ({ json: { text: `${text(i)} [bad]` } }));
		const result = await runNode({ node: 'mistralEmbed', parameters: batchParameters({ options: { batchSize: 16 } }), items, credentials: credentials(), continueOnFail: true });
		expect(result.items).toHaveLength(40);
		expect(result.items.every((item) => /Mistral rejected the request \(400\)/.test(String(item.json.error)))).toBe(true);
		const creations = jobCreations();
		expect(creations.map((request) => request.body.requests.map((line: { body: { input: string[] } }) => line.body.input.length))).toEqual([[16, 16, 8], [8, 8, 8, 8, 4, 4]]);
	});

	it('Submit Only, then Collect Results: the vectors of realtime mode, the reference field dropped', async () => {
		const items = Array.from({ length: 50 }, (_, i) => ({ json: { id: i, text: i === 7 ? [text(i), 'second'] : text(i) } }));
		const realtime = await runNode({ node: 'mistralEmbed', parameters: { model, options: { outputDtype: 'int8' } }, items, credentials: credentials() });
		server.reset();
		server.configure({ batch: { speed: 1, queueSeconds: 600 } });
		const submitted = await runNode({ node: 'mistralEmbed', parameters: batchParameters({ batchMode: 'submit', options: { outputDtype: 'int8' } }), items, credentials: credentials() });
		expect(submitted.error).toBeUndefined();
		expect(submitted.items[7].json.mistralBatch).toMatchObject({ parts: [{ customId: '0', index: 7 }, { customId: '0', index: 8 }], dtype: 'int8' });
		server.batch.advance(3_600_000);
		const collected = await runNode({
			node: 'mistralEmbed',
			parameters: batchParameters({ batchMode: 'collect' }),
			items: submitted.items.map((item) => ({ json: item.json })),
			credentials: credentials(),
		});
		expect(collected.error).toBeUndefined();
		expect(collected.items.map(({ json: { batchJob, ...rest } }) => rest)).toEqual(realtime.items.map((item) => item.json));
		expect(collected.items.map((item) => item.pairedItem)).toEqual(items.map((_item, i) => ({ item: i })));
	});
});
