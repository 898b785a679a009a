/**
 * Foundation acceptance: the credential and the shared transport (nodes/shared/transport), run
 * through n8n's real engine (test/harness/engine.ts) against the local Mistral-compatible server,
 * over real HTTP. Needs a build: `npm run build`.
 */
import net from 'node:net';

import type { INodeParameters } from 'n8n-workflow';

import { credentialTestLogs, loadPackage, runNode, searchList, testCredential } from './harness/engine';
import type { RunNodeResult, TestCredentials } from './harness/engine';
import { startMistralServer, type MistralTestServer } from './server/mistralServer';
import { bareCards, mistralCards } from './server/models';

const CANARY = 'sk-canary-7f3a9b';
const MODEL = { __rl: true, mode: 'id', value: 'mistral-small-latest' };

/** A URL on 127.0.0.1 whose port nothing listens on (it was bound, then released). */
async function closedPortUrl(): Promise<string> {
	const probe = net.createServer();
	await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
	const { port } = probe.address() as net.AddressInfo;
	await new Promise<void>((resolve) => probe.close(() => resolve()));
	return `http://127.0.0.1:${port}/v1`;
}

/** Polls until `condition` holds (the server notices a closed socket a moment after the client). */
async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

const sortIds = (ids: string[]) => [...new Set(ids)].sort((a, b) => a.localeCompare(b));

describe('foundation: credential and transport through the n8n engine', () => {
	let server: MistralTestServer;
	const credentials = (overrides: Partial<TestCredentials> = {}): TestCredentials => ({
		apiKey: 'test-key',
		baseUrl: server.url,
		...overrides,
	});
	const requestsTo = (path: string) => server.requests.filter((request) => request.path === path);
	const chat = (options: INodeParameters = {}, extra: Partial<Parameters<typeof runNode>[0]> = {}) =>
		runNode({
			node: 'mistralChat',
			parameters: { model: MODEL, prompt: 'hello', options },
			credentials: credentials(),
			...extra,
		});

	beforeAll(async () => {
		server = await startMistralServer();
	});
	afterAll(async () => await server.close());
	beforeEach(() => {
		server.reset();
		server.configure({
			apiKey: 'test-key',
			models: 'mistral',
			latencyMs: 0,
			chatLatencyMs: undefined,
			embeddingsLatencyMs: undefined,
			faults: {},
			rateLimitPerSecond: undefined,
		});
	});

	describe('credential test (the request and rules of credentials/MistralAiApi.credentials.ts)', () => {
		it('passes with the right key, sending it as a Bearer token', async () => {
			const result = await testCredential(credentials());
			expect(result).toEqual({ status: 'OK', message: 'Connection successful!' });
			const models = requestsTo('/models');
			expect(models.length).toBeGreaterThanOrEqual(1);
			expect(models.every((request) => request.method === 'GET' && request.status === 200)).toBe(true);
			expect(models[0].authorization).toBe('Bearer test-key');
		});

		it('passes with a Base URL that has a trailing slash and spaces', async () => {
			const result = await testCredential(credentials({ baseUrl: ` ${server.url}/ ` }));
			expect(result.status).toBe('OK');
			expect(requestsTo('/models')[0].rawPath).toBe('/v1/models');
		});

		it('works without an API key against a server that needs none (self-hosted)', async () => {
			server.configure({ apiKey: null });
			expect(await testCredential(credentials({ apiKey: '' }))).toEqual({ status: 'OK', message: 'Connection successful!' });
			const result = await chat({}, { credentials: credentials({ apiKey: '' }) });
			expect(result.error).toBeUndefined();
			expect(result.items[0].json.content).toBe('Echo: hello');
			// No "Bearer " with an empty token.
			for (const request of server.requests) expect(request.authorization ?? '').not.toMatch(/Bearer/i);
		});

		it('fails clearly with a wrong key (the 401 rule)', async () => {
			const result = await testCredential(credentials({ apiKey: 'wrong-key' }));
			expect(result.status).toBe('Error');
			expect(result.message).toMatch(/API key was rejected/);
			expect(result.message).toMatch(/401/);
			expect(requestsTo('/models').every((request) => request.status === 401)).toBe(true);
		});

		it('fails clearly when the Base URL lacks /v1 (the 404 rule)', async () => {
			const result = await testCredential(credentials({ baseUrl: server.origin }));
			expect(result.status).toBe('Error');
			expect(result.message).toMatch(/404/);
			expect(result.message).toMatch(/\/v1/);
		});

		it('the nodes own the test (testedBy), so n8n runs their function, not a bare request', async () => {
			const { loader, nodeTypes, packageName } = await loadPackage();
			expect(loader.getCredential('mistralAiApi').type.test).toBeUndefined();
			for (const node of ['mistralChat', 'mistralEmbed']) {
				const type = nodeTypes.getByNameAndVersion(`${packageName}.${node}`);
				expect(type.description.credentials).toEqual([{ name: 'mistralAiApi', required: true, testedBy: 'mistralAiApiTest' }]);
				expect(typeof type.methods?.credentialTest?.mistralAiApiTest).toBe('function');
			}
		});

		it('says what is wrong and what to fix when nothing listens at the Base URL (closed port)', async () => {
			const result = await testCredential(credentials({ baseUrl: await closedPortUrl() }));
			expect(result.status).toBe('Error');
			expect(result.message).toMatch(/^Could not reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\)\. Nothing accepts connections at 127\.0\.0\.1:\d+\. Check the host and port of the Base URL/);
		});

		it.each([
			['no scheme', 'localhost:11434/v1', /^The Base URL "localhost:11434\/v1" must start with http:\/\/ or https:\/\//],
			['not a URL', 'api mistral ai', /^The Base URL "api mistral ai" is not a valid URL\. Use a full URL such as https:\/\/api\.mistral\.ai\/v1/],
			['an invalid port', 'http://127.0.0.1:99999/v1', /is not a valid URL/],
			['empty', '   ', /^The credential has no Base URL/],
		])('says how to write the Base URL when it is malformed (%s), without a request', async (_name, baseUrl, pattern) => {
			const result = await testCredential(credentials({ baseUrl }));
			expect(result).toEqual({ status: 'Error', message: expect.stringMatching(pattern) });
			expect(server.requests).toHaveLength(0);
		});

		it('https:// to a plain-HTTP server: says to use http://', async () => {
			const result = await testCredential(credentials({ baseUrl: server.url.replace('http://', 'https://') }));
			expect(result.status).toBe('Error');
			expect(result.message).toMatch(/^Could not set up HTTPS with 127\.0\.0\.1:\d+ \(\w+\)\. The server does not speak HTTPS on this port\. Use http:\/\//);
		});

		it.each([
			['a server that needs a key, without one', { apiKey: '' }, undefined, /^The server needs an API key \(401\)/],
			['403', {}, { path: '/models' as const, status: 403, body: { message: 'Forbidden for this workspace' } }, /^The API key may not list models at 127\.0\.0\.1:\d+ \(403\).*Forbidden for this workspace/],
			['503', {}, { path: '/models' as const, status: 503, body: { message: 'Service unavailable' } }, /^The server at 127\.0\.0\.1:\d+ failed \(503\)\. It may be down or overloaded/],
		])('explains %s', async (_name, overrides, script, pattern) => {
			if (script) server.enqueue(script);
			const result = await testCredential(credentials(overrides));
			expect(result).toEqual({ status: 'Error', message: expect.stringMatching(pattern) });
		});

		it('a rate-limited key is a working key (429)', async () => {
			server.enqueue({ path: '/models', status: 429, body: { message: 'Requests rate limit exceeded' } });
			expect((await testCredential(credentials())).status).toBe('OK');
		});

		it('keeps a query-string key in place (a proxy that takes the key that way)', async () => {
			const result = await testCredential(credentials({ baseUrl: `${server.url}/?key=abc123` }));
			expect(result.status).toBe('OK');
			expect(requestsTo('/models')[0].rawPath).toBe('/v1/models');
		});
	});

	describe('retries', () => {
		it('waits out a 429 with Retry-After: 1, then succeeds (model list)', async () => {
			server.enqueue({
				path: '/models',
				status: 429,
				headers: { 'Retry-After': '1' },
				body: { message: 'Requests rate limit exceeded' },
			});
			const result = await searchList('mistralChat', 'searchModels', credentials());
			expect(result.results.length).toBeGreaterThan(0);

			const [limited, retried, ...rest] = requestsTo('/models');
			expect(rest).toHaveLength(0);
			expect(limited.status).toBe(429);
			expect(retried.status).toBe(200);
			const waitedMs = retried.startedAt - limited.endedAt;
			expect(waitedMs).toBeGreaterThanOrEqual(900);
			expect(waitedMs).toBeLessThan(3000);
		});

		it('retries three consecutive 503s and then succeeds (chat)', async () => {
			const unavailable = {
				path: '/chat/completions' as const,
				status: 503,
				body: { object: 'error', message: 'Service unavailable', type: 'server_error', param: null, code: null },
			};
			server.enqueue(unavailable, unavailable, unavailable);
			const result = await chat();

			expect(result.error).toBeUndefined();
			expect(result.status).toBe('success');
			expect(requestsTo('/chat/completions').map((request) => request.status)).toEqual([503, 503, 503, 200]);
			expect(result.items).toHaveLength(1);
			expect(result.items[0].json.content).toBe('Echo: hello');
		});

		it('gives up after "Max Retries" and says how many attempts were made', async () => {
			const failing = {
				path: '/chat/completions' as const,
				status: 503,
				body: { object: 'error', message: 'Service unavailable', type: 'server_error', param: null, code: null },
			};
			server.enqueue(failing, failing);
			const result = await chat({ maxRetries: 1 });

			expect(result.status).toBe('error');
			expect(requestsTo('/chat/completions')).toHaveLength(2);
			expect(result.error?.message).toMatch(/503/);
			expect(result.error?.message).toMatch(/2 attempts/);
		});

		it('names the unreachable host in the error message', async () => {
			const baseUrl = await closedPortUrl();
			const result = await chat({ maxRetries: 0 }, { credentials: credentials({ baseUrl }) });
			expect(result.status).toBe('error');
			expect(result.error?.message).toContain(new URL(baseUrl).host);
			expect(result.error?.description).toMatch(/Base URL/);
		});

		it('does not retry a 400 and shows the server\'s message', async () => {
			const serverMessage = 'Invalid request: the frobnication level must be at most 3';
			server.enqueue({
				path: '/chat/completions',
				status: 400,
				body: { object: 'error', message: serverMessage, type: 'invalid_request_error', param: null, code: '3051' },
			});
			const result = await chat();

			expect(result.status).toBe('error');
			expect(result.items).toEqual([]);
			expect(requestsTo('/chat/completions')).toHaveLength(1);
			expect(result.error?.message).toContain(serverMessage);
			expect(result.error?.message).toMatch(/400/);
		});
	});

	describe('model list (listSearch "searchModels")', () => {
		it('offers only chat models to the Chat node on a Mistral server (capabilities present)', async () => {
			const { results } = await searchList('mistralChat', 'searchModels', credentials());
			const expected = sortIds(
				mistralCards()
					.filter((card) => card.capabilities?.completion_chat === true && !card.id.includes('embed'))
					.map((card) => card.id),
			);
			expect(results.map((entry) => entry.value)).toEqual(expected);
			expect(results.map((entry) => entry.value)).toContain('mistral-small-latest');
			expect(results.map((entry) => entry.value)).not.toContain('mistral-embed');
			expect(results.map((entry) => entry.value)).not.toContain('mistral-moderation-latest');
			expect(results.map((entry) => entry.value)).not.toContain('mistral-ocr-latest');
		});

		it('offers only embedding models to the Embed node on a Mistral server', async () => {
			const { results } = await searchList('mistralEmbed', 'searchModels', credentials());
			const expected = sortIds(mistralCards().filter((card) => card.id.includes('embed')).map((card) => card.id));
			expect(results.map((entry) => entry.value)).toEqual(expected);
		});

		it('offers every model when the server sends no capabilities', async () => {
			server.configure({ models: 'bare' });
			const all = sortIds(bareCards().map((card) => card.id));

			const chatList = await searchList('mistralChat', 'searchModels', credentials());
			expect(chatList.results.map((entry) => entry.value)).toEqual(all);

			const embedList = await searchList('mistralEmbed', 'searchModels', credentials());
			const embedValues = embedList.results.map((entry) => String(entry.value));
			expect(sortIds(embedValues)).toEqual(all);
			// Embedding models first.
			expect(embedValues.slice(0, 2).every((id) => id.includes('embed'))).toBe(true);
		});

		it('filters by the search text', async () => {
			const { results } = await searchList('mistralChat', 'searchModels', credentials(), 'LARGE');
			expect(results.map((entry) => entry.value)).toEqual(['mistral-large-2411', 'mistral-large-latest']);
		});
	});

	describe('the API key never leaks', () => {
		function expectNoCanary(result: RunNodeResult) {
			expect(result.error?.message ?? '').not.toContain(CANARY);
			expect(result.error?.description ?? '').not.toContain(CANARY);
			expect(JSON.stringify(result.error ?? {})).not.toContain(CANARY);
			expect(JSON.stringify(result.items)).not.toContain(CANARY);
			expect(JSON.stringify(result.run)).not.toContain(CANARY);
			expect(result.logs.length).toBeGreaterThan(0);
			for (const line of result.logs) expect(line).not.toContain(CANARY);
		}

		it('not on a 401 (the server expects another key)', async () => {
			const result = await chat({}, { credentials: credentials({ apiKey: CANARY }) });
			expect(result.status).toBe('error');
			expect(result.error?.message).toMatch(/API key was rejected/);
			// The canary really was sent.
			expect(requestsTo('/chat/completions')[0].authorization).toBe(`Bearer ${CANARY}`);
			expectNoCanary(result);
		});

		it('not on a 401 with Continue On Fail (the error is in the output item)', async () => {
			const result = await chat({}, { credentials: credentials({ apiKey: CANARY }), continueOnFail: true });
			expect(result.status).toBe('success');
			expect(result.items).toHaveLength(1);
			expect(JSON.stringify(result.items[0].json)).toMatch(/API key was rejected/);
			expectNoCanary(result);
		});

		it.each([
			['a 500 whose JSON body echoes the key', { status: 500, body: { object: 'error', message: `Internal error while serving key ${CANARY}`, type: 'server_error', param: null, code: null } }],
			['a 400 whose JSON body echoes the key', { status: 400, body: { object: 'error', message: `Key ${CANARY} may not set this field`, type: 'invalid_request_error', param: null, code: null } }],
			['a 502 HTML page that echoes the key', { status: 502, rawBody: `<html><body>Bad gateway for Bearer ${CANARY}</body></html>`, headers: { 'content-type': 'text/html' } }],
		])('not on %s', async (_label, scripted) => {
			server.configure({ apiKey: CANARY });
			server.enqueue({ path: '/chat/completions', ...scripted });
			const result = await chat({ maxRetries: 0 }, { credentials: credentials({ apiKey: CANARY }) });
			expect(result.status).toBe('error');
			expect(requestsTo('/chat/completions')).toHaveLength(1);
			expectNoCanary(result);
		});

		it('not when the host is unreachable', async () => {
			const result = await chat({ maxRetries: 0 }, { credentials: { apiKey: CANARY, baseUrl: await closedPortUrl() } });
			expect(result.status).toBe('error');
			expect(result.error?.context).toEqual(expect.objectContaining({ mistral: expect.objectContaining({ kind: 'network', code: 'ECONNREFUSED' }) }));
			expectNoCanary(result);
		});

		it('not in the model list error', async () => {
			const error = await searchList('mistralChat', 'searchModels', credentials({ apiKey: CANARY })).then(
				() => undefined,
				(caught: unknown) => caught as Error & { description?: string },
			);
			expect(error).toBeDefined();
			expect(error?.message).toMatch(/API key was rejected/);
			expect(error?.message).not.toContain(CANARY);
			expect(error?.description ?? '').not.toContain(CANARY);
			expect(JSON.stringify(error)).not.toContain(CANARY);
		});

		it('not in the credential test', async () => {
			const result = await testCredential(credentials({ apiKey: CANARY }));
			expect(result.status).toBe('Error');
			expect(result.message).not.toContain(CANARY);
			for (const line of credentialTestLogs()) expect(line).not.toContain(CANARY);
		});
	});

	describe('cancel', () => {
		it('aborts the in-flight request and ends the run at once', async () => {
			server.configure({ chatLatencyMs: 30_000 });
			const result = await chat({}, { cancelAfterMs: 300 });

			expect(result.durationMs).toBeLessThan(5000);
			expect(result.items).toEqual([]);

			const [request, ...rest] = requestsTo('/chat/completions');
			expect(rest).toHaveLength(0);
			await waitFor(() => request.endedAt > 0);
			// The client closed the connection: the server never answered, and the request ended long before its 30 s latency.
			expect(request.status).toBe(0);
			expect(request.endedAt).toBeGreaterThan(0);
			expect(request.endedAt - request.startedAt).toBeLessThan(5000);
			expect(server.inFlight).toBe(0);

			// n8n reported the run as canceled when it was stopped, and the engine's final status says so too.
			expect(result.statusAtCancel).toBe('canceled');
			expect(result.status).toBe('canceled');
		});
	});
});
