/**
 * One client per execution: MistralClient.variant (batch job creation, cancel requests) shares the
 * client's rate-limit gate and statistics, so a 429 answered to one pauses the other, and the
 * totals count every request. Counted at the test server, through n8n's real HTTP helper.
 */
import { MistralClient } from '../../../../nodes/shared/transport/client';
import { executeContextFor } from '../../../harness/engine';
import { startMistralServer, type MistralTestServer } from '../../../server/mistralServer';

describe('MistralClient.variant', () => {
	let server: MistralTestServer;
	beforeAll(async () => {
		server = await startMistralServer();
	});
	afterAll(async () => {
		await server.close();
	});

	it('waits at the same 429 gate and adds to the same totals', async () => {
		const context = await executeContextFor({ apiKey: 'test-key', baseUrl: server.url });
		const client = new MistralClient(context, { timeoutMs: 10_000, maxRetries: 2 });
		const variant = client.variant({ maxAmbiguousRetries: 0 });
		server.enqueue({ path: '/models', method: 'GET', status: 429, headers: { 'retry-after': '1' }, body: { message: 'Rate limit exceeded' } });

		const viaClient = client.get('/models');
		// Sent while the client's first request is still waiting out its 429: must wait at the same gate.
		await new Promise((resolve) => setTimeout(resolve, 200));
		const viaVariant = variant.get('/models');
		await Promise.all([viaClient, viaVariant]);

		const models = server.requests.filter((request) => request.path === '/models');
		expect(models.map((request) => request.status)).toEqual([429, 200, 200]);
		// The variant's request went out after the 429's Retry-After, not 200 ms after the first one.
		expect(models[2].startedAt - models[0].endedAt).toBeGreaterThanOrEqual(900);
		expect(client.stats).toEqual(variant.stats);
		expect(client.stats.requests).toBe(3);
		expect(client.stats.retries).toBe(1);
	});
});
