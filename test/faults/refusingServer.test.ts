/**
 * A server that refuses lists with a 422 blaming an input: splitting to find the text at fault is
 * bounded (counted at the server), where 0.2.0 turned 1,000 texts into 1,992 requests.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { runNode } from '../harness/engine';
import { SPLIT_LIMITS } from '../../nodes/MistralEmbed/actions/embedSlots';

interface RefusingServer {
	url: string;
	/** Inputs per request, in the order the server received them. */
	requests: number[];
	close(): Promise<void>;
}

/** Refuses every embeddings request with at least `refuseFrom` inputs; answers the others with vectors. */
async function startRefusingServer(refuseFrom: number): Promise<RefusingServer> {
	const requests: number[] = [];
	const server = http.createServer((request, response) => {
		let body = '';
		request.on('data', (chunk: Buffer) => (body += chunk.toString()));
		request.on('end', () => {
			const input = (JSON.parse(body) as { input: string[] }).input;
			requests.push(input.length);
			response.setHeader('content-type', 'application/json');
			if (input.length >= refuseFrom) {
				response.statusCode = 422;
				response.end(JSON.stringify({ object: 'error', message: 'Input at index 0 is invalid', type: 'invalid_request_error', param: null, code: '3210' }));
				return;
			}
			const data = input.map((_text, index) => ({ object: 'embedding', index, embedding: [index + 1, 0.5] }));
			response.end(JSON.stringify({ object: 'list', model: 'mistral-embed', data, usage: { prompt_tokens: 1, total_tokens: 1 } }));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/v1`,
		requests,
		close: async () => await new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

const TEXTS = 1_000;
const run = async (server: RefusingServer) =>
	await runNode({
		node: 'mistralEmbed',
		parameters: { model: { __rl: true, mode: 'id', value: 'mistral-embed' }, text: '={{ $json.text }}' },
		items: Array.from({ length: TEXTS }, (_, i) => ({ json: { text: `Row ${i}: some text to embed.` } })),
		credentials: { apiKey: 'sk-refusing-server-key', baseUrl: server.url },
		continueOnFail: true,
	});

describe('a server that refuses lists', () => {
	it('refusing every request: splitting stops after the first refused texts, every item gets the server\'s error', async () => {
		const server = await startRefusingServer(1);
		try {
			const result = await run(server);
			const batches = Math.ceil(TEXTS / 128);
			console.log(`Refuses every request: ${TEXTS} texts, ${server.requests.length} requests at the server (0.2.0: 1,992)`);
			expect(server.requests.length).toBeGreaterThan(batches);
			// The first batches split until eight texts stood alone and were refused; the others were not split.
			expect(server.requests.length).toBeLessThanOrEqual(batches + 4 * 2 * (SPLIT_LIMITS.fruitlessSingles + 7));
			expect(result.items).toHaveLength(TEXTS);
			expect(result.items.every((item) => typeof item.json.error === 'string' && /invalid/i.test(item.json.error as string))).toBe(true);
			expect(result.items.filter((item) => /not split further/.test(item.json.error as string)).length).toBeGreaterThan(TEXTS / 2);
		} finally {
			await server.close();
		}
	});

	it('refusing every list of two or more: at most 128 requests are spent splitting, and the texts they isolate get vectors', async () => {
		const server = await startRefusingServer(2);
		try {
			const result = await run(server);
			const batches = Math.ceil(TEXTS / 128);
			console.log(`Refuses every list: ${TEXTS} texts, ${server.requests.length} requests at the server (0.2.0: 1,992)`);
			// Concurrent batches may each have decided on one more split as the budget ran out.
			expect(server.requests.length).toBeLessThanOrEqual(batches + SPLIT_LIMITS.requests + 2 * 4);
			const embedded = result.items.filter((item) => Array.isArray(item.json.embedding));
			expect(embedded.length).toBe(server.requests.filter((inputs) => inputs === 1).length);
			expect(embedded.length).toBeGreaterThan(0);
			expect(result.items).toHaveLength(TEXTS);
		} finally {
			await server.close();
		}
	});
});
