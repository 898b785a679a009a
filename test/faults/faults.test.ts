/**
 * Fault injection through n8n's real engine against the local Mistral-compatible server.
 *
 *  - Mild mix (per request: 8% 429 — half with Retry-After, half without —, 5% 500/502/503,
 *    1% connection resets, 1% hangs past the timeout, 1% truncated or HTML bodies) with the
 *    default Max Retries (5): every item succeeds, none lost or duplicated, vectors and answers
 *    exact, order and pairedItem exact, requests bounded.
 *  - Harsh mix (30% failures) with Max Retries 1 and Continue On Fail: exactly the items whose
 *    requests failed every attempt fail, each error naming the cause and the item; the rest succeed.
 *  - 401 storm: the node fails fast after the first 401.
 *
 * `npm test` runs a scaled-down version (2,000 embed items in batches of 50, 200 chat items);
 * `npm run test:faults` (FAULTS_FULL=1) runs 10,000 embed items (default batch size) and 1,000 chat
 * items. Each run prints one summary line and is recorded in test/faults/last-run.json.
 *
 * Test-speed settings (the retry policy's 1 s backoff base cannot be changed from node parameters):
 * Retry-After is 0.25 s (the client accepts fractional delta-seconds), the node's timeout is 1-2 s
 * so hangs end quickly. 429s without Retry-After and 5xx use the real backoff (1 s base, equal jitter).
 */
import { runNode } from '../harness/engine';
import type { INodeExecutionData } from 'n8n-workflow';
import {
	embeddingFor,
	startMistralServer,
	type FaultMix,
	type MistralTestServer,
	type RecordedRequest,
	type ScriptedResponse,
} from '../server/mistralServer';
import {
	type AttemptGroup,
	chatKey,
	cleanSuccess,
	embedKey,
	groupAttempts,
	recordRun,
	summarize,
	summaryLine,
} from './faultHelpers';

const FULL = process.env.FAULTS_FULL === '1';
const MODE = FULL ? 'full' : 'scaled';

const SCALE = FULL
	? { embedItems: 10_000, batchSize: undefined as number | undefined, chatItems: 1_000 }
	: { embedItems: 2_000, batchSize: 50 as number | undefined, chatItems: 200 };
const HARSH_SCALE = FULL ? { embedItems: 2_000, batchSize: 50, chatItems: 400 } : { embedItems: 500, batchSize: 10, chatItems: 100 };
const DEFAULT_BATCH_SIZE = 128;

/** 16% of requests fail: 8% 429 (half with Retry-After), 5% 5xx, 1% reset, 1% hang, 1% bad body. */
const MILD: FaultMix = {
	rate429: 0.04,
	rate429NoRetryAfter: 0.04,
	rate5xx: 0.05,
	rateReset: 0.01,
	rateHang: 0.01,
	rateBadBody: 0.01,
	retryAfterSeconds: 0.25,
};
/** 30% of requests fail. */
const HARSH: FaultMix = {
	rate429: 0.08,
	rate429NoRetryAfter: 0.03,
	rate5xx: 0.11,
	rateReset: 0.03,
	rateHang: 0.02,
	rateBadBody: 0.03,
	retryAfterSeconds: 0.25,
};

const CHAT_TIMEOUT_S = 1;
// Timeout covers the whole answer (not only pauses between bytes): on a loaded machine a 50-vector
// answer can take over 2 s to arrive and be read, and a request aborted then is sent again (embeddings
// are repeatable), so its texts would be embedded twice at the server.
const EMBED_TIMEOUT_S = 4;
const MAX_RETRIES_DEFAULT = 5;

const embedModel = { __rl: true, mode: 'id', value: 'mistral-embed' };
const chatModel = { __rl: true, mode: 'id', value: 'mistral-small-latest' };
const embedText = (i: number) => `Row ${i}: the customer asked about invoice ${i * 7} and shipping to Lyon.`;
const chatPrompt = (i: number) => `Question ${i}: what is the status of order ${i * 13}?`;

jest.setTimeout(FULL ? 15 * 60_000 : 60_000);

/**
 * Failures after which a chat completion may have been processed and billed: retried once at most.
 * A 500 or 502 (JSON or a proxy's HTML page) is one of them: a gateway answers so while the model
 * behind it may still run. A 503 says the work was not started. (Embeddings are cheap to repeat:
 * every failure of theirs is retried up to Max Retries.)
 */
function ambiguousForChat(attempt: RecordedRequest): boolean {
	if (attempt.fault === 'reset' || attempt.fault === 'hang' || attempt.fault === 'bad-body-truncated' || attempt.fault === 'bad-body-html') return true;
	return attempt.fault === '5xx' && attempt.status !== 503;
}

/** Chat requests that were sent again after more than one ambiguous failure (must be none). */
function silentlyRepeated(groups: Map<string, AttemptGroup>): string[] {
	return [...groups.values()].filter((group) => group.attempts.slice(0, -1).filter(ambiguousForChat).length > 1).map((group) => group.key);
}

/** A chat request whose two attempts both ended ambiguously: the one way a mild-mix item may fail. */
function twiceAmbiguous(group: AttemptGroup): boolean {
	return !group.succeeded && group.attempts.filter(ambiguousForChat).length === 2 && ambiguousForChat(group.last);
}

/** Compares an output vector with the server's own vector for the text; returns a problem or undefined. */
function vectorProblem(actual: unknown, text: string): string | undefined {
	const expected = embeddingFor(text, 'mistral-embed', 1024);
	if (!Array.isArray(actual)) return 'no vector';
	if (actual.length !== expected.length) return `length ${actual.length}`;
	for (let k = 0; k < expected.length; k++) if (actual[k] !== expected[k]) return `value ${k} differs`;
	return undefined;
}

/** The expected error text for a request whose last attempt ended like `last`. */
function causePattern(last: RecordedRequest): RegExp {
	switch (last.fault) {
		case '429':
		case '429-no-retry-after':
		case 'rate-limit':
			return /Rate limit exceeded \(429\) after 2 attempts/;
		case '5xx':
			return new RegExp(`The Mistral server failed \\(${last.status}\\) after 2 attempts`);
		case 'reset':
			return /The connection to 127\.0\.0\.1:\d+ was dropped \(ECONNRESET\) after 2 attempts/;
		case 'hang':
			return /No answer from 127\.0\.0\.1:\d+ within \d+ s \(2 attempts\)/;
		case 'bad-body-html':
			return /answered with an HTML page \(HTTP 502\) after 2 attempts/;
		case 'bad-body-truncated':
			return /answered with a body that is not JSON \(HTTP 200\) after 2 attempts/;
		default:
			return new RegExp(`unexpected last attempt: status ${last.status}`);
	}
}

describe(`fault injection (${MODE})`, () => {
	let server: MistralTestServer;
	const credentials = () => ({ apiKey: server.apiKey as string, baseUrl: server.url });

	beforeAll(async () => {
		server = await startMistralServer({ latencyMs: 5 });
	});
	afterAll(async () => await server.close());
	beforeEach(() => {
		server.reset();
		server.configure({ latencyMs: 5, faults: {}, seed: 1 });
	});

	describe('mild mix, default Max Retries (5): every item succeeds (but one whose request ended ambiguously twice)', () => {
		it(`embeds ${SCALE.embedItems} items: none lost or duplicated, every vector its own text, order and pairedItem exact`, async () => {
			const n = SCALE.embedItems;
			const batchSize = SCALE.batchSize ?? DEFAULT_BATCH_SIZE;
			const items: INodeExecutionData[] = Array.from({ length: n }, (_, i) => ({ json: { id: i, text: embedText(i) } }));
			server.configure({ faults: MILD, seed: 20251125 });

			const options: Record<string, number> = { timeout: EMBED_TIMEOUT_S };
			if (SCALE.batchSize !== undefined) options.batchSize = SCALE.batchSize;
			const result = await runNode({ node: 'mistralEmbed', parameters: { model: embedModel, options }, items, credentials: credentials() });

			const requests = server.requests.filter((request) => request.path === '/embeddings');
			const groups = groupAttempts(requests, embedKey);
			const summary = summarize(
				{
					name: 'embed-mild',
					node: 'mistralEmbed',
					items: n,
					wallMs: result.durationMs,
					succeededItems: result.items.filter((item) => Array.isArray(item.json.embedding)).length,
					failedItems: result.items.filter((item) => item.json.error !== undefined).length,
					maxInFlight: server.maxInFlight,
					settings: { faults: MILD, batchSize, maxRetries: MAX_RETRIES_DEFAULT, timeoutS: EMBED_TIMEOUT_S, maxConcurrency: 4 },
				},
				requests,
				groups,
			);
			console.log(summaryLine(MODE, summary));
			recordRun(MODE, summary);

			expect(result.error).toBeUndefined();
			expect(result.status).toBe('success');
			// None lost, none duplicated, in order, paired to its own input.
			expect(result.items).toHaveLength(n);
			const problems: string[] = [];
			result.items.forEach((item, i) => {
				if (item.json.id !== i) problems.push(`output ${i} carries id ${String(item.json.id)}`);
				if (JSON.stringify(item.pairedItem) !== JSON.stringify({ item: i })) problems.push(`output ${i} pairedItem ${JSON.stringify(item.pairedItem)}`);
				const vector = vectorProblem(item.json.embedding, embedText(i));
				if (vector) problems.push(`output ${i}: ${vector}`);
			});
			expect(problems).toEqual([]);

			// Server side: each text was embedded successfully, and more than once only where the node had
			// given up on an earlier answer: embeddings are repeatable, so a request whose answer took longer
			// than the Timeout is sent again (the README's retry table says why), but never an answered one.
			const successes = new Map<string, RecordedRequest[]>();
			for (const request of requests.filter(cleanSuccess)) {
				for (const text of request.body.input as string[]) successes.set(text, [...(successes.get(text) ?? []), request]);
			}
			expect(successes.size).toBe(n);
			const gaveUpOn = (request: RecordedRequest) => request.endedAt - request.startedAt >= EMBED_TIMEOUT_S * 1000 * 0.9;
			const repeatedAfterAnAnswer = [...successes.entries()]
				.filter(([, answered]) => [...answered].sort((a, b) => a.startedAt - b.startedAt).slice(0, -1).some((request) => !gaveUpOn(request)))
				.map(([text, answered]) => `${text}: ${answered.map((request) => `${request.endedAt - request.startedAt} ms`).join(', ')}`);
			expect(repeatedAfterAnAnswer).toEqual([]);

			// Bounded: one logical request per batch, each tried at most 1 + maxRetries times, and the
			// total stays close to what a 16% failure rate costs (expected about 1.19 attempts each).
			expect(groups.size).toBe(Math.ceil(n / batchSize));
			expect(Math.max(...[...groups.values()].map((group) => group.attempts.length))).toBeLessThanOrEqual(1 + MAX_RETRIES_DEFAULT);
			expect(requests.length).toBeLessThanOrEqual(Math.ceil(groups.size * 1.5));
			expect(requests.length).toBeGreaterThan(groups.size); // the mix did inject faults
			expect(server.maxInFlight).toBeLessThanOrEqual(4);
		});

		it(`answers ${SCALE.chatItems} chat items: none lost or duplicated, each answer its own prompt, order and pairedItem exact; no billed call repeated twice`, async () => {
			const m = SCALE.chatItems;
			const items: INodeExecutionData[] = Array.from({ length: m }, (_, i) => ({ json: { id: i, prompt: chatPrompt(i) } }));
			server.configure({ faults: MILD, seed: 4242 });

			// Continue On Fail: an item whose request timed out or dropped twice fails by design (it may have
			// been billed twice already), about 0.06% of requests in this mix; the others must all succeed.
			const result = await runNode({
				node: 'mistralChat',
				parameters: { model: chatModel, includeInputFields: true, options: { timeout: CHAT_TIMEOUT_S } },
				items,
				credentials: credentials(),
				continueOnFail: true,
			});

			const requests = server.requests.filter((request) => request.path === '/chat/completions');
			const groups = groupAttempts(requests, chatKey);
			const summary = summarize(
				{
					name: 'chat-mild',
					node: 'mistralChat',
					items: m,
					wallMs: result.durationMs,
					succeededItems: result.items.filter((item) => typeof item.json.content === 'string').length,
					failedItems: result.items.filter((item) => item.json.error !== undefined).length,
					maxInFlight: server.maxInFlight,
					settings: { faults: MILD, maxRetries: MAX_RETRIES_DEFAULT, timeoutS: CHAT_TIMEOUT_S, maxConcurrency: 4 },
				},
				requests,
				groups,
			);
			console.log(summaryLine(MODE, summary));
			recordRun(MODE, summary);

			expect(result.error).toBeUndefined();
			expect(result.status).toBe('success');
			expect(result.items).toHaveLength(m);
			const problems: string[] = [];
			let twice = 0;
			result.items.forEach((item, i) => {
				if (item.json.id !== i) problems.push(`output ${i} carries id ${String(item.json.id)}`);
				if (JSON.stringify(item.pairedItem) !== JSON.stringify({ item: i })) problems.push(`output ${i} pairedItem ${JSON.stringify(item.pairedItem)}`);
				const group = groups.get(chatPrompt(i));
				if (group && twiceAmbiguous(group)) {
					twice++;
					const cause = new RegExp(causePattern(group.last).source.replace('2 attempts', '\\d+ attempts'));
					if (!cause.test(String(item.json.error))) problems.push(`item ${i}: "${String(item.json.error)}" does not name the cause`);
					return;
				}
				if (item.json.content !== `Echo: ${chatPrompt(i)}`) problems.push(`output ${i} content ${JSON.stringify(item.json.content ?? item.json.error)}`);
			});
			expect(problems).toEqual([]);
			console.log(`[faults ${MODE}] chat-mild: ${twice} item(s) failed after two ambiguous failures (not retried a second time)`);
			expect(twice).toBeLessThanOrEqual(Math.max(2, m * 0.005));

			// Server side: each prompt answered successfully at most once (exactly once unless twice ambiguous); bounded attempts.
			expect(groups.size).toBe(m);
			const answeredTwice = [...groups.values()].filter((group) => group.attempts.filter(cleanSuccess).length !== (twiceAmbiguous(group) ? 0 : 1));
			expect(answeredTwice.map((group) => group.key)).toEqual([]);
			expect(silentlyRepeated(groups)).toEqual([]);
			expect(Math.max(...[...groups.values()].map((group) => group.attempts.length))).toBeLessThanOrEqual(1 + MAX_RETRIES_DEFAULT);
			expect(requests.length).toBeLessThanOrEqual(Math.ceil(m * 1.5));
			expect(requests.length).toBeGreaterThan(m);
			expect(server.maxInFlight).toBeLessThanOrEqual(4);
		});
	});

	describe('harsh mix (30% failures), Max Retries 1, Continue On Fail: only the affected items fail', () => {
		it(`embed: ${HARSH_SCALE.embedItems} items in batches of ${HARSH_SCALE.batchSize}`, async () => {
			const n = HARSH_SCALE.embedItems;
			const items: INodeExecutionData[] = Array.from({ length: n }, (_, i) => ({ json: { id: i, text: embedText(i) } }));
			server.configure({ faults: HARSH, seed: 777 });

			const result = await runNode({
				node: 'mistralEmbed',
				parameters: { model: embedModel, options: { batchSize: HARSH_SCALE.batchSize, maxRetries: 1, timeout: EMBED_TIMEOUT_S } },
				items,
				credentials: credentials(),
				continueOnFail: true,
			});

			const requests = server.requests.filter((request) => request.path === '/embeddings');
			const groups = groupAttempts(requests, embedKey);
			const groupOfText = new Map<string, AttemptGroup>();
			for (const group of groups.values()) for (const text of group.attempts[0].body.input as string[]) groupOfText.set(text, group);
			const summary = summarize(
				{
					name: 'embed-harsh',
					node: 'mistralEmbed',
					items: n,
					wallMs: result.durationMs,
					succeededItems: result.items.filter((item) => Array.isArray(item.json.embedding)).length,
					failedItems: result.items.filter((item) => item.json.error !== undefined).length,
					maxInFlight: server.maxInFlight,
					settings: { faults: HARSH, batchSize: HARSH_SCALE.batchSize, maxRetries: 1, timeoutS: EMBED_TIMEOUT_S, maxConcurrency: 4 },
				},
				requests,
				groups,
			);
			console.log(summaryLine(MODE, summary));
			recordRun(MODE, summary);

			expect(result.error).toBeUndefined();
			expect(result.items).toHaveLength(n);
			expect(groups.size).toBe(Math.ceil(n / HARSH_SCALE.batchSize));
			expect(Math.max(...[...groups.values()].map((group) => group.attempts.length))).toBeLessThanOrEqual(2);

			const problems: string[] = [];
			let failed = 0;
			result.items.forEach((item, i) => {
				if (JSON.stringify(item.pairedItem) !== JSON.stringify({ item: i })) problems.push(`output ${i} pairedItem ${JSON.stringify(item.pairedItem)}`);
				const group = groupOfText.get(embedText(i));
				if (!group) {
					problems.push(`item ${i} was never sent`);
					return;
				}
				if (group.succeeded) {
					if (item.json.error !== undefined) problems.push(`item ${i} failed although its batch succeeded: ${String(item.json.error)}`);
					const vector = vectorProblem(item.json.embedding, embedText(i));
					if (vector) problems.push(`item ${i}: ${vector}`);
					if (item.json.id !== i) problems.push(`output ${i} carries id ${String(item.json.id)}`);
					return;
				}
				failed++;
				const message = String(item.json.error ?? '');
				if (!causePattern(group.last).test(message)) problems.push(`item ${i}: "${message}" does not name the cause (${group.last.fault ?? group.last.status})`);
				if (!message.endsWith(`[item ${i}]`)) problems.push(`item ${i}: "${message}" does not name the item`);
				if (item.json.embedding !== undefined) problems.push(`item ${i} failed but carries a vector`);
			});
			expect(problems).toEqual([]);
			// The mix must have made some batches fail both attempts, and most succeed.
			expect(failed).toBeGreaterThan(0);
			expect(failed).toBeLessThan(n / 2);
		});

		it(`chat: ${HARSH_SCALE.chatItems} items`, async () => {
			const m = HARSH_SCALE.chatItems;
			const items: INodeExecutionData[] = Array.from({ length: m }, (_, i) => ({ json: { id: i, prompt: chatPrompt(i) } }));
			server.configure({ faults: HARSH, seed: 31337 });

			const result = await runNode({
				node: 'mistralChat',
				parameters: { model: chatModel, includeInputFields: true, options: { maxRetries: 1, timeout: CHAT_TIMEOUT_S } },
				items,
				credentials: credentials(),
				continueOnFail: true,
			});

			const requests = server.requests.filter((request) => request.path === '/chat/completions');
			const groups = groupAttempts(requests, chatKey);
			const summary = summarize(
				{
					name: 'chat-harsh',
					node: 'mistralChat',
					items: m,
					wallMs: result.durationMs,
					succeededItems: result.items.filter((item) => typeof item.json.content === 'string').length,
					failedItems: result.items.filter((item) => item.json.error !== undefined).length,
					maxInFlight: server.maxInFlight,
					settings: { faults: HARSH, maxRetries: 1, timeoutS: CHAT_TIMEOUT_S, maxConcurrency: 4 },
				},
				requests,
				groups,
			);
			console.log(summaryLine(MODE, summary));
			recordRun(MODE, summary);

			expect(result.error).toBeUndefined();
			expect(result.items).toHaveLength(m);
			expect(groups.size).toBe(m);
			expect(Math.max(...[...groups.values()].map((group) => group.attempts.length))).toBeLessThanOrEqual(2);

			const problems: string[] = [];
			const causes: Record<string, number> = {};
			let failed = 0;
			result.items.forEach((item, i) => {
				if (JSON.stringify(item.pairedItem) !== JSON.stringify({ item: i })) problems.push(`output ${i} pairedItem ${JSON.stringify(item.pairedItem)}`);
				const group = groups.get(chatPrompt(i));
				if (!group) {
					problems.push(`item ${i} was never sent`);
					return;
				}
				if (group.succeeded) {
					if (item.json.content !== `Echo: ${chatPrompt(i)}`) problems.push(`item ${i}: ${JSON.stringify(item.json)}`);
					if (item.json.id !== i) problems.push(`output ${i} carries id ${String(item.json.id)}`);
					return;
				}
				failed++;
				const kind = group.last.fault ?? String(group.last.status);
				causes[kind] = (causes[kind] ?? 0) + 1;
				const message = String(item.json.error ?? '');
				if (!causePattern(group.last).test(message)) problems.push(`item ${i}: "${message}" does not name the cause (${kind})`);
				if (!message.endsWith(`[item ${i}]`)) problems.push(`item ${i}: "${message}" does not name the item`);
				if (typeof item.json.errorDescription !== 'string' || item.json.errorDescription === '') problems.push(`item ${i}: no errorDescription`);
			});
			console.log(`[faults ${MODE}] chat-harsh failed items by cause of the last attempt: ${JSON.stringify(causes)}`);
			expect(problems).toEqual([]);
			expect(failed).toBeGreaterThan(0);
			expect(failed).toBeLessThan(m / 2);
		});
	});
});

describe('one cause at a time (scripted, Max Retries 1): the error names the cause, the host, the attempts and the item', () => {
	let server: MistralTestServer;
	const HTML_502 = '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>';
	const rateBody = { object: 'error', message: 'Rate limit exceeded', type: 'rate_limited', param: null, code: '1300' };
	const serverError = (status: number) => ({ object: 'error', message: `Upstream error ${status}`, type: 'server_error', param: null, code: null });

	beforeAll(async () => {
		server = await startMistralServer();
	});
	afterAll(async () => await server.close());
	beforeEach(() => server.reset());

	const cases: Array<[string, ScriptedResponse, RegExp]> = [
		['429 with Retry-After', { status: 429, headers: { 'retry-after': '0.1' }, body: rateBody }, /^Rate limit exceeded \(429\) after 2 attempts/],
		['429 without Retry-After', { status: 429, body: rateBody }, /^Rate limit exceeded \(429\) after 2 attempts/],
		['500', { status: 500, body: serverError(500) }, /^The Mistral server failed \(500\) after 2 attempts/],
		['502', { status: 502, body: serverError(502) }, /^The Mistral server failed \(502\) after 2 attempts/],
		['503', { status: 503, body: serverError(503) }, /^The Mistral server failed \(503\) after 2 attempts/],
		['HTML proxy page (502)', { status: 502, rawBody: HTML_502, headers: { 'content-type': 'text/html' } }, /^The server at 127\.0\.0\.1:\d+ answered with an HTML page \(HTTP 502\) after 2 attempts/],
		['truncated JSON body (200)', { status: 200, rawBody: '{"id":"abc","object":"chat.completion","choices":[{"ind' }, /^The server at 127\.0\.0\.1:\d+ answered with a body that is not JSON \(HTTP 200\) after 2 attempts/],
		['hang past the timeout', { hang: true }, /^No answer from 127\.0\.0\.1:\d+ within 1 s \(2 attempts\)/],
		// Regression guard: n8n's NodeApiError swaps any message containing "ECONNRESET" for its generic
		// "The connection to the server was closed unexpectedly..." sentence (losing host and attempts);
		// client.ts restores its own message after constructing the error (fixed in d4a5ab9).
		['connection reset', { reset: true }, /127\.0\.0\.1:\d+.*(ECONNRESET|reset|closed|dropped).*2 attempts/i],
	];

	it.each(cases)('%s', async (_name, script, pattern) => {
		server.enqueue({ path: '/chat/completions', ...script }, { path: '/chat/completions', ...script });
		const result = await runNode({
			node: 'mistralChat',
			parameters: { model: chatModel, options: { maxRetries: 1, timeout: 1, maxConcurrency: 1 } },
			items: [{ json: { prompt: 'unlucky' } }, { json: { prompt: 'fine' } }],
			credentials: { apiKey: server.apiKey as string, baseUrl: server.url },
			continueOnFail: true,
		});
		// Item 0 is sent first (concurrency 1) and gets both scripted answers; item 1 a normal one.
		expect(server.requests.filter((request) => request.path === '/chat/completions')).toHaveLength(3);
		expect(result.items).toHaveLength(2);
		const message = String(result.items[0].json.error);
		expect(message).toMatch(pattern);
		expect(message).toMatch(/\[item 0\]$/);
		expect(result.items[0].json.errorDescription).toEqual(expect.any(String));
		expect(result.items[1].json).toMatchObject({ content: 'Echo: fine' });
	});

	it('connection refused on the first request (nothing listens on the port): a setup failure, named with its host, not retried', async () => {
		const closed = await startMistralServer();
		const baseUrl = closed.url;
		await closed.close();
		const result = await runNode({
			node: 'mistralChat',
			parameters: { model: chatModel, options: { maxRetries: 1, timeout: 1 } },
			items: [{ json: { prompt: 'anyone?' } }],
			credentials: { apiKey: 'k', baseUrl },
			continueOnFail: true,
		});
		// Regression guard: as for ECONNRESET, n8n would replace "Could not reach <host> (ECONNREFUSED)"
		// with "The service refused the connection - perhaps it is offline".
		// Refused before the server ever answered: a wrong host or port, so no retries (test/faults/setupFailures.test.ts).
		expect(String(result.items[0].json.error)).toMatch(/^Could not reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\) \[item 0\]$/);
		expect(result.items[0].json.errorDescription).toMatch(/Base URL/);
	});
});

/** Every request got a 401, and every item (or the node) says the key is wrong. */
function expectKeyRejected(
	node: string,
	result: Awaited<ReturnType<typeof runNode>>,
	itemCount: number,
	continueOnFail: boolean,
	requests: Array<{ status: number }>,
): void {
	console.log(`[faults] 401 storm ${node} (continueOnFail ${continueOnFail}): ${requests.length} requests reached the server`);
	expect(requests.every((request) => request.status === 401)).toBe(true);
	if (continueOnFail) {
		expect(result.items).toHaveLength(itemCount);
		result.items.forEach((item, i) => {
			expect(item.json.error).toMatch(new RegExp(`The API key was rejected \\(401 Unauthorized\\).*\\[item ${i}\\]$`));
			expect(item.json.errorDescription).toMatch(/Check the API key in the "Mistral AI API" credential/);
		});
	} else {
		expect(result.error?.message).toMatch(/The API key was rejected \(401 Unauthorized\)/);
		expect(result.error?.description).toMatch(/Check the API key in the "Mistral AI API" credential/);
	}
}

describe('401 storm: the node fails fast after the first 401', () => {
	let server: MistralTestServer;
	// The server expects another key than the one in the credential.
	const wrongCredentials = () => ({ apiKey: 'sk-wrong-0000', baseUrl: server.url });

	beforeAll(async () => {
		server = await startMistralServer({ apiKey: 'sk-the-real-key', latencyMs: 5 });
	});
	afterAll(async () => await server.close());
	beforeEach(() => server.reset());

	const embedItems = () => Array.from({ length: 50 }, (_, i) => ({ json: { text: embedText(i) } }));
	const chatItems = () => Array.from({ length: 20 }, (_, i) => ({ json: { prompt: chatPrompt(i) } }));

	it.each([false, true])('embed, 50 items in 10 batches (Continue On Fail: %s): exactly 1 request reaches the server', async (continueOnFail) => {
		const result = await runNode({
			node: 'mistralEmbed',
			parameters: { model: embedModel, options: { batchSize: 5 } },
			items: embedItems(),
			credentials: wrongCredentials(),
			continueOnFail,
		});
		expectKeyRejected('embed', result, 50, continueOnFail, server.requests);
		// The first request of an execution goes alone (client.ts), and the 401 latches: the other 9 batches
		// fail at once. n8n-core would send a request that THREW a 401 a second time (its
		// httpRequestWithAuthentication refresh path); the client asks for every status as an answer instead.
		expect(server.requests).toHaveLength(1);
	});

	it.each([false, true])('chat, 20 items (Continue On Fail: %s): exactly 1 request reaches the server', async (continueOnFail) => {
		const result = await runNode({
			node: 'mistralChat',
			parameters: { model: chatModel },
			items: chatItems(),
			credentials: wrongCredentials(),
			continueOnFail,
		});
		expectKeyRejected('chat', result, 20, continueOnFail, server.requests);
		// See the embed case: without the first-request-alone rule, 4 items were sent before any 401 was back.
		expect(server.requests).toHaveLength(1);
	});
});
