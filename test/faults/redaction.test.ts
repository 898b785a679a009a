/**
 * One redactor for every text that comes from outside. Each path a hostile server can push text
 * through (error bodies, streamed error events and events that are not JSON in Mistral Chat and in
 * Mistral Chat Model, batch job errors, job ids and statuses in the log, 2xx text quoted in an error,
 * invalid Base URLs) gets a canary: each test first checks that the server really sent the secret,
 * then that it appears nowhere in the output items, the error (serialised deeply), the run data or
 * n8n's log lines; in the raw, JSON-escaped and URL-encoded forms alike.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { HumanMessage, type AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import type { INodeExecutionData } from 'n8n-workflow';

import { runNode, supplyNode, type RunNodeResult } from '../harness/engine';
import { deepSerialize } from './faultHelpers';

const chatModel = { __rl: true, mode: 'id', value: 'mistral-small-latest' };
const embedModel = { __rl: true, mode: 'id', value: 'mistral-embed' };
const oneItem: INodeExecutionData[] = [{ json: { prompt: 'hello', text: 'hello' } }];

/** Every form a secret may take once it is in a text: raw, JSON-escaped (once, twice), URL-encoded. */
function formsOf(secret: string): string[] {
	const once = JSON.stringify(secret).slice(1, -1);
	return [...new Set([secret, once, JSON.stringify(once).slice(1, -1), encodeURIComponent(secret), encodeURIComponent(secret).toLowerCase()])];
}

/** The forms of `secret` found in `text`, as a list (empty: no leak). */
function leaks(text: string, secret: string): string[] {
	return formsOf(secret).filter((form) => text.includes(form));
}

interface Hostile {
	url: string;
	/** Every body the server sent, as text: the test's proof that the secret was echoed. */
	sent: string[];
	close(): Promise<void>;
}

type Handler = (request: { method: string; path: string; key: string; body: string }) => { status?: number; type?: string; body: string };

async function startHostile(handler: Handler, basePath = '/v1'): Promise<Hostile> {
	const sent: string[] = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const key = /^Bearer (.*)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
			const path = (req.url ?? '').split('?')[0].replace(basePath, '');
			const answer = handler({ method: req.method ?? 'GET', path, key, body: Buffer.concat(chunks).toString('utf8') });
			sent.push(answer.body);
			res.writeHead(answer.status ?? 200, { 'content-type': answer.type ?? 'application/json' });
			res.end(answer.body);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}${basePath}`,
		sent,
		close: async () => {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

const errorBody = (message: string) => JSON.stringify({ object: 'error', message, type: 'invalid_request_error', param: null, code: null });
const sse = (...events: string[]) => events.map((event) => `data: ${event}\n\n`).join('');

/** Everything a user or an admin could see of a run: items, error output, the error, the run data, the log. */
function everythingOf(result: RunNodeResult): string {
	return [deepSerialize(result.items), deepSerialize(result.errorItems), deepSerialize(result.error), deepSerialize(result.run.data), result.logs.join('\n')].join('\n');
}

function expectEchoedThenHidden(hostile: Hostile, visible: string, secret: string, echoedForm = secret): void {
	// The server really sent it (else the check below proves nothing).
	expect(hostile.sent.join('\n')).toContain(echoedForm);
	expect(leaks(visible, secret)).toEqual([]);
}

describe('every text from outside is redacted (canaries)', () => {
	const hostiles: Hostile[] = [];
	const hostile = async (handler: Handler, basePath?: string) => {
		const started = await startHostile(handler, basePath);
		hostiles.push(started);
		return started;
	};
	afterEach(async () => {
		for (const started of hostiles.splice(0)) await started.close();
	});

	describe('error bodies', () => {
		it.each([
			['raw', 'sk-canary-raw-51f0a2', (key: string) => key],
			['URL-encoded', 'sk-canary/enc+9 x', (key: string) => encodeURIComponent(key)],
			['JSON-escaped, a key holding " and \\', 'sk-"canary\\q7', (key: string) => key],
			['under 8 characters, as a whole token', 'k7Q', (key: string) => key],
		])('a 400 echoing the key %s', async (_name, key, echo) => {
			const server = await hostile(({ key: sentKey }) => ({ status: 400, body: errorBody(`key ${echo(sentKey)} is not allowed here`) }));
			const result = await runNode({ node: 'mistralChat', parameters: { model: chatModel }, items: oneItem, credentials: { apiKey: key, baseUrl: server.url } });
			expect(result.error?.message).toMatch(/Mistral rejected the request \(400\): key \*\*\* is not allowed here/);
			expectEchoedThenHidden(server, everythingOf(result), key, JSON.stringify(echo(key)).slice(1, -1));
		});
	});

	describe('streamed answers', () => {
		const key = 'sk-canary-stream-0c4e91';
		const cases: Array<[string, (key: string) => string, RegExp]> = [
			['an error event', (sentKey) => sse(JSON.stringify({ object: 'error', message: `key ${sentKey} is revoked`, type: 'invalid_request_error' })), /The server reported an error while streaming: key \*\*\* is revoked/],
			['an event that is not JSON', (sentKey) => sse(`oops ${sentKey}`), /The server streamed an event that is not JSON: oops \*\*\*/],
		];

		it.each(cases)('Mistral Chat: %s', async (_name, events, pattern) => {
			const server = await hostile(({ key: sentKey }) => ({ type: 'text/event-stream', body: events(sentKey) }));
			const result = await runNode({ node: 'mistralChat', parameters: { model: chatModel }, items: oneItem, credentials: { apiKey: key, baseUrl: server.url }, streaming: true });
			expect(result.error?.message).toMatch(pattern);
			expectEchoedThenHidden(server, everythingOf(result), key);
		});

		it.each(cases)('Mistral Chat Model (as an AI Agent streams it): %s', async (_name, events, pattern) => {
			const server = await hostile(({ key: sentKey }) => ({ type: 'text/event-stream', body: events(sentKey) }));
			const supplied = await supplyNode({ node: 'mistralChatModel', parameters: { model: chatModel, options: {} }, credentials: { apiKey: key, baseUrl: server.url } });
			const model = supplied.response as { stream(messages: BaseMessage[]): Promise<AsyncIterable<AIMessageChunk>> };
			let failure: unknown;
			try {
				for await (const chunk of await model.stream([new HumanMessage('hi')])) void chunk;
			} catch (error) {
				failure = error;
			}
			expect(String((failure as Error)?.message)).toMatch(pattern);
			expectEchoedThenHidden(server, [deepSerialize(failure), deepSerialize(supplied.runData()), supplied.logs().join('\n')].join('\n'), key);
		});
	});

	it('batch: job-level errors[], and the job id and status the node logs', async () => {
		const key = 'sk-canary-batch-7d21e0';
		let job: Record<string, unknown> = {};
		const server = await hostile(({ method, path, key: sentKey }) => {
			if (method === 'POST' && path === '/batch/jobs') {
				job = { id: `job-${sentKey}`, object: 'batch', status: 'QUEUED', total_requests: 1, completed_requests: 0, succeeded_requests: 0, failed_requests: 0, errors: [], metadata: {} };
				return { body: JSON.stringify(job) };
			}
			if (method === 'GET' && path.startsWith('/batch/jobs/')) {
				return { body: JSON.stringify({ ...job, status: `FAILED`, completed_requests: 1, failed_requests: 1, errors: [{ message: `quota of key ${sentKey} exhausted`, count: 1 }], outputs: [] }) };
			}
			return { status: 404, body: JSON.stringify({ detail: 'Not Found' }) };
		});
		const result = await runNode({ node: 'mistralChat', parameters: { model: chatModel, processing: 'batch' }, items: oneItem, credentials: { apiKey: key, baseUrl: server.url }, continueOnFail: true });
		const visible = everythingOf(result);
		expect(visible).toMatch(/batch job job-\*\*\* (QUEUED|FAILED)/);
		expect(visible).toMatch(/quota of key \*\*\* exhausted/);
		expectEchoedThenHidden(server, visible, key);
	});

	describe('text of a 2xx answer quoted in an error', () => {
		const key = 'sk-canary-2xx-b83f14';
		it('an answer that is not JSON', async () => {
			const server = await hostile(({ key: sentKey }) => ({ type: 'text/plain', body: `welcome ${sentKey}, this is not an API` }));
			const result = await runNode({ node: 'mistralChat', parameters: { model: chatModel }, items: oneItem, credentials: { apiKey: key, baseUrl: server.url } });
			expect(result.error?.message).toMatch(/answered with a body that is not JSON \(HTTP 200\)/);
			expectEchoedThenHidden(server, everythingOf(result), key);
		});

		it('an embeddings answer whose data[].index is not a number', async () => {
			const server = await hostile(({ key: sentKey }) => ({ body: JSON.stringify({ object: 'list', model: 'mistral-embed', data: [{ object: 'embedding', index: `i-${sentKey}`, embedding: [0.1, 0.2] }] }) }));
			const result = await runNode({ node: 'mistralEmbed', parameters: { model: embedModel }, items: [{ json: { text: 'a' } }, { json: { text: 'b' } }], credentials: { apiKey: key, baseUrl: server.url } });
			expect(deepSerialize(result.error)).toMatch(/i-\*\*\*/);
			expectEchoedThenHidden(server, everythingOf(result), key);
		});
	});

	describe('Base URL secrets', () => {
		it.each([
			['a password with "/"', 'http://user:pa/ss@127.0.0.1:9/v1', ['pa/ss']],
			['a password with "@" and a bad port', 'http://user:p@ss@127.0.0.1:99999/v1', ['p@ss']],
			['a query value with a space', 'http://127.0.0.1:99999/v1?key=a b', ['a b', 'a%20b', 'key=*** b']],
		])('an invalid Base URL with %s: the message shows the URL without it', async (_name, baseUrl, secrets) => {
			const result = await runNode({ node: 'mistralChat', parameters: { model: chatModel }, items: oneItem, credentials: { apiKey: 'sk-k', baseUrl } });
			expect(result.error?.message).toMatch(/Base URL ".*" is not a valid URL|Could not reach|failed/);
			const visible = everythingOf(result);
			for (const secret of secrets) expect(visible).not.toContain(secret);
		});

		it('a short query value ("json") is hidden where it stands as a value, and the word "json" stays in the message', async () => {
			const server = await hostile(() => ({ status: 400, body: errorBody('request format=json refused: send json bodies only') }), '/v1');
			const result = await runNode({ node: 'mistralChat', parameters: { model: chatModel }, items: oneItem, credentials: { apiKey: 'sk-canary-fmt-11', baseUrl: `${server.url}?format=json` } });
			expect(server.sent.join('')).toContain('format=json');
			expect(result.error?.message).toBe('Mistral rejected the request (400): request format=*** refused: send json bodies only [item 0]');
			expect(everythingOf(result)).not.toContain('format=json');
		});

		it('a password of any length echoed by the server', async () => {
			const server = await hostile(() => ({ status: 400, body: errorBody('login as user:pw2@ refused, password pw2 expired') }), '/v1');
			const baseUrl = server.url.replace('http://', 'http://user:pw2@');
			const result = await runNode({ node: 'mistralChat', parameters: { model: chatModel }, items: oneItem, credentials: { apiKey: 'sk-canary-pw-33', baseUrl } });
			expect(server.sent.join('')).toContain('pw2');
			expect(result.error?.message).toMatch(/user:\*\*\*@ refused, password \*\*\* expired/);
			expect(everythingOf(result)).not.toMatch(/\bpw2\b/);
		});
	});
});
