import { runNode } from '../harness/engine';
import { startMistralServer, type MistralTestServer } from '../server/mistralServer';

const model = { __rl: true, mode: 'id', value: 'mistral-small-latest' };
const prompt = (i: number) => `Ticket ${i}: my parcel ${i * 3} arrived damaged, what now?`;
const itemsOf = (n: number, text = prompt) => Array.from({ length: n }, (_, i) => ({ json: { id: i, prompt: text(i) } }));

describe('Mistral Chat in batch mode (n8n engine, fast-clock server)', () => {
	let server: MistralTestServer;
	const credentials = () => ({ apiKey: server.apiKey as string, baseUrl: server.url });
	const jobCreations = () => server.requests.filter((request) => request.path === '/batch/jobs' && request.method === 'POST');

	beforeAll(async () => {
		server = await startMistralServer();
	});
	afterAll(async () => await server.close());
	beforeEach(() => {
		server.reset();
		server.configure({ batch: { speed: 1000, queueSeconds: 5, requestsPerSecond: 100 } });
	});

	it('gives the same items as realtime mode, from the same request bodies, with pairedItem', async () => {
		const items = itemsOf(30);
		const parameters = { model, includeInputFields: true, options: { temperature: 0.2, maxTokens: 64 } };
		const realtime = await runNode({ node: 'mistralChat', parameters, items, credentials: credentials() });
		const realtimeBodies = server.requests.filter((request) => request.path === '/chat/completions').map((request) => request.body);
		server.reset();
		const batch = await runNode({ node: 'mistralChat', parameters: { ...parameters, processing: 'batch' }, items, credentials: credentials() });

		expect(batch.error).toBeUndefined();
		expect(server.requests.filter((request) => request.path === '/chat/completions')).toHaveLength(0);
		expect(jobCreations()).toHaveLength(1);
		const sent = jobCreations()[0].body;
		expect(sent.endpoint).toBe('/v1/chat/completions');
		expect(sent.requests.map((line: { body: unknown }) => line.body)).toEqual(
			[...realtimeBodies].sort((a, b) => items.findIndex((item) => item.json.prompt === a.messages[0].content) - items.findIndex((item) => item.json.prompt === b.messages[0].content)),
		);
		expect(batch.items.map((item) => item.json)).toEqual(realtime.items.map((item) => item.json));
		expect(batch.items.map((item) => item.pairedItem)).toEqual(items.map((_item, i) => ({ item: i })));
		expect(batch.logs.some((line) => /batch job .* (RUNNING|SUCCESS|QUEUED): \d+\/30 request/.test(line))).toBe(true);
	});
});
