/**
 * Answers of the wrong shape, through n8n's real engine against the local server's scripted answers:
 * a vector that is empty, not base64, not finite, or of another length than its neighbours fails
 * the items of that request with what was wrong (never an empty or null-holding vector); /models
 * entries of the wrong shape are skipped.
 */
import { runNode, searchList } from '../harness/engine';
import { embeddingFor, startMistralServer, type MistralTestServer } from '../server/mistralServer';

const embedModel = { __rl: true, mode: 'id', value: 'mistral-embed' };
const text = (i: number) => `Row ${i}: an ordinary sentence to embed.`;
const float32 = (values: number[]) => Buffer.from(new Float32Array(values).buffer).toString('base64');
const answer = (embeddings: unknown[]) => ({
	id: 'emb-scripted',
	object: 'list',
	model: 'mistral-embed',
	usage: { prompt_tokens: 30, total_tokens: 30, completion_tokens: 0 },
	data: embeddings.map((embedding, index) => ({ object: 'embedding', index, embedding })),
});

describe('answers of the wrong shape', () => {
	let server: MistralTestServer;
	const credentials = () => ({ apiKey: server.apiKey as string, baseUrl: server.url });
	beforeAll(async () => {
		server = await startMistralServer();
	});
	afterAll(async () => await server.close());
	beforeEach(() => server.reset());

	const good = (i: number) => float32(embeddingFor(text(i), 'mistral-embed', 1024));
	it.each([
		['an empty base64 vector', () => [good(0), '', good(2)], 'The server\'s vector for input 1 is not usable: an empty text'],
		['a vector that is not base64', () => [good(0), 'éé==', good(2)], 'The server\'s vector for input 1 is not usable: text that is not base64'],
		['a NaN float32', () => [good(0), float32([0.1, NaN]), good(2)], 'The server\'s vector for input 1 is not usable: NaN at position 1'],
		['an empty list', () => [good(0), [], good(2)], 'The server\'s vector for input 1 is not usable: an empty list'],
		['vectors of different lengths', () => [good(0), float32([0.5, 0.25]), good(2)], 'The server answered with vectors of different lengths in one request (1024 numbers for input 0, 2 for input 1)'],
	])('%s: the request\'s items fail with what was wrong, one request, nothing invented', async (_name, embeddings, message) => {
		server.enqueue({ path: '/embeddings', body: answer(embeddings()) });
		const result = await runNode({
			node: 'mistralEmbed',
			parameters: { model: embedModel, text: '={{ $json.text }}' },
			items: [0, 1, 2].map((i) => ({ json: { text: text(i) } })),
			credentials: credentials(),
			continueOnFail: true,
		});
		expect(server.requests.filter((request) => request.path === '/embeddings')).toHaveLength(1);
		expect(result.items).toHaveLength(3);
		result.items.forEach((item, i) => {
			expect(item.json.embedding).toBeUndefined();
			expect(String(item.json.error)).toContain(message);
			expect(String(item.json.error)).toMatch(new RegExp(`\\[item ${i}\\]$`));
			expect(item.json.errorDescription).toMatch(/check the Base URL/);
		});
	});

	it('the same answers in float mode (JSON numbers) are refused the same way', async () => {
		server.enqueue({ path: '/embeddings', body: answer([[0.1, 0.2], [0.1, 0.2, 0.3]]) });
		const result = await runNode({
			node: 'mistralEmbed',
			parameters: { model: embedModel, text: '={{ $json.text }}', options: { vectorTransport: 'float' } },
			items: [0, 1].map((i) => ({ json: { text: text(i) } })),
			credentials: credentials(),
		});
		expect(result.error?.message).toMatch(/^The server answered with vectors of different lengths in one request \(2 numbers for input 0, 3 for input 1\)/);
	});

	it('/models with entries of the wrong shape: they are skipped, the others listed', async () => {
		server.enqueue({ path: '/models', body: { object: 'list', data: [null, 'mistral-embed', { id: 7 }, {}, { id: 'mistral-embed', object: 'model' }, { id: 'codestral-embed' }] } });
		const found = await searchList('mistralEmbed', 'searchModels', credentials());
		expect(found.results.map((result) => result.value)).toEqual(['codestral-embed', 'mistral-embed']);
		expect(server.requests.filter((request) => request.path === '/models')).toHaveLength(1);
	});
});
