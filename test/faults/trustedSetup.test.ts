/**
 * An execution's first request goes alone, so a wrong key or Base URL costs one request; once the
 * server accepted a Base URL and key, this process's next executions with them skip that wait
 * (nodes/shared/transport/verifiedSetups.ts). Counted at the server, through n8n's real engine.
 */
import type { INodeExecutionData } from 'n8n-workflow';

import { runNode } from '../harness/engine';
import { startMistralServer, type MistralTestServer, type RecordedRequest } from '../server/mistralServer';
import { TRUSTED_FOR_MS, VerifiedSetups } from '../../nodes/shared/transport/verifiedSetups';

const chatModel = { __rl: true, mode: 'id', value: 'mistral-small-latest' };
const items = (n: number): INodeExecutionData[] => Array.from({ length: n }, (_, i) => ({ json: { id: i, prompt: `Question ${i}` } }));
const LATENCY_MS = 150;

/** Requests that started before the execution's first request had its answer. */
const startedBeforeFirstAnswer = (requests: RecordedRequest[]) => requests.filter((request) => request.startedAt < requests[0].endedAt).length;

describe('the first request of an execution, alone or not', () => {
	let server: MistralTestServer;
	beforeAll(async () => {
		server = await startMistralServer({ latencyMs: LATENCY_MS });
	});
	afterAll(async () => await server.close());

	const chat = async (apiKey: string, count = 8) => {
		server.requests.length = 0;
		return await runNode({
			node: 'mistralChat',
			parameters: { model: chatModel, options: { maxConcurrency: 4 } },
			items: items(count),
			credentials: { apiKey, baseUrl: server.url },
			continueOnFail: true,
		});
	};

	it('goes alone for a setup the server has not accepted yet, and not once it has; a key revoked since costs the requests in flight, then one again', async () => {
		const key = server.apiKey as string;
		// A key the server never accepted: one request, every item told why.
		const wrong = await chat('not-the-key');
		expect(server.requests).toHaveLength(1);
		expect(wrong.items.every((item) => /401|key/i.test(String(item.json.error)))).toBe(true);

		// The first execution with the right key: the other requests wait for the first answer.
		const first = await chat(key);
		expect(first.items.every((item) => typeof item.json.error === 'undefined')).toBe(true);
		expect(server.requests).toHaveLength(8);
		expect(startedBeforeFirstAnswer(server.requests)).toBe(1);

		// The next execution: four requests at once from the start, so one round trip less (the wall times are printed, not asserted: timing is the bench's).
		const second = await chat(key);
		expect(second.items.every((item) => typeof item.json.error === 'undefined')).toBe(true);
		expect(server.requests).toHaveLength(8);
		expect(startedBeforeFirstAnswer(server.requests)).toBe(4);
		console.log(`[trusted setup] 8 chat items at concurrency 4, ${LATENCY_MS} ms latency: first execution ${first.durationMs} ms, next ${second.durationMs} ms`);

		// The key is revoked: the requests already in flight fail (4 at most, none billed), the rest are not sent.
		server.configure({ apiKey: 'rotated-key' });
		try {
			const revoked = await chat(key, 20);
			expect(server.requests.length).toBeGreaterThanOrEqual(1);
			expect(server.requests.length).toBeLessThanOrEqual(4);
			expect(server.requests.every((request) => request.status === 401)).toBe(true);
			expect(revoked.items).toHaveLength(20);
			expect(revoked.items.every((item) => /401|key/i.test(String(item.json.error)))).toBe(true);
			// And the setup is no longer trusted: one request again.
			await chat(key, 20);
			expect(server.requests).toHaveLength(1);
		} finally {
			server.configure({ apiKey: key });
		}
	});
});

describe('VerifiedSetups', () => {
	it('trusts a setup for TRUSTED_FOR_MS after its last accepted answer, forgets it on a refusal, and keeps no key', () => {
		let now = 1_000_000;
		const setups = new VerifiedSetups(() => now);
		const key = VerifiedSetups.keyOf('https://api.mistral.ai/v1', 'Bearer sk-secret-123');
		expect(key).not.toContain('sk-secret-123');
		expect(VerifiedSetups.keyOf('https://api.mistral.ai/v1', 'Bearer other')).not.toBe(key);
		expect(setups.trusts(key)).toBe(false);
		setups.accepted(key);
		now += TRUSTED_FOR_MS - 1;
		expect(setups.trusts(key)).toBe(true);
		now += 1;
		expect(setups.trusts(key)).toBe(false);
		setups.accepted(key);
		setups.refused(key);
		expect(setups.trusts(key)).toBe(false);
		setups.accepted(key);
		setups.forgetAll();
		expect(setups.trusts(key)).toBe(false);
	});
});
