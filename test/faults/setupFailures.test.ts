/**
 * Setup failures end the execution's requests at once; transient failures keep their retries; a
 * request that may have been processed and billed is not silently repeated. Through n8n's real
 * engine, over real sockets: a closed port, a plain-HTTP port asked for HTTPS, a server that does not
 * speak HTTP, servers answering 401/403/404/unknown model, and a server that goes away mid-run.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';

import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { runNode, type NodeName, type RunNodeResult } from '../harness/engine';
import { startMistralServer, type MistralTestServer, type ScriptedResponse } from '../server/mistralServer';

const chatModel = { __rl: true, mode: 'id', value: 'mistral-small-latest' };
const embedModel = { __rl: true, mode: 'id', value: 'mistral-embed' };
const chatItems = (n: number): INodeExecutionData[] => Array.from({ length: n }, (_, i) => ({ json: { id: i, prompt: `Question ${i}` } }));
const embedItems = (n: number): INodeExecutionData[] => Array.from({ length: n }, (_, i) => ({ json: { id: i, text: `Row ${i}` } }));

async function freePort(): Promise<number> {
	const probe = net.createServer();
	await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
	const { port } = probe.address() as net.AddressInfo;
	await new Promise<void>((resolve) => probe.close(() => resolve()));
	return port;
}

/** Every item is an error item naming itself and matching `pattern`; returns the error texts. */
function expectEveryItemFailed(result: RunNodeResult, count: number, pattern: RegExp): void {
	expect(result.error).toBeUndefined();
	expect(result.items).toHaveLength(count);
	result.items.forEach((item, i) => {
		expect(item.json.error).toMatch(pattern);
		expect(item.json.error).toMatch(new RegExp(`\\[item ${i}\\]$`));
		expect(item.pairedItem).toEqual({ item: i });
	});
}

/**
 * Connection attempts to `port`, counted at the socket layer (nothing listens on a closed port to
 * count them, and the node's own log is not a witness): every connect, and those refused.
 */
function socketsTo(port: number): { attempts: () => number; refused: () => number; restore: () => void } {
	const original = net.Socket.prototype.connect;
	let attempts = 0;
	let refused = 0;
	net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
		// connect(options | port, ...) or, from net.createConnection, connect([options, callback]).
		const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
		const target = typeof first === 'object' && first !== null ? (first as { port?: unknown }).port : first;
		if (Number(target) === port) {
			attempts++;
			this.once('error', (error: NodeJS.ErrnoException) => {
				if (error.code === 'ECONNREFUSED') refused++;
			});
		}
		return (original as (...a: unknown[]) => net.Socket).apply(this, args);
	} as typeof original;
	return { attempts: () => attempts, refused: () => refused, restore: () => (net.Socket.prototype.connect = original) };
}

async function withSocketsTo<T>(port: number, run: (sockets: ReturnType<typeof socketsTo>) => Promise<T>): Promise<T> {
	const sockets = socketsTo(port);
	try {
		return await run(sockets);
	} finally {
		sockets.restore();
	}
}

/**
 * A host that drops packets, built on loopback only: a child process listens with a backlog of 1 and
 * never accepts (its event loop is blocked), two connections fill its accept queue, and Linux then
 * drops every further SYN, so a connection attempt hangs as it would against a blackholed address.
 */
async function startBlackhole(): Promise<{ port: number; close: () => void }> {
	const code =
		"const s=require('net').createServer();s.listen({port:0,host:'127.0.0.1',backlog:1},()=>{process.stdout.write(s.address().port+'\\n',()=>Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0));});";
	const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
	const port = await new Promise<number>((resolve, reject) => {
		child.stdout.once('data', (data: Buffer) => resolve(Number(String(data).trim())));
		child.once('exit', () => reject(new Error('the blackhole process ended')));
	});
	const fillers = [net.connect(port, '127.0.0.1'), net.connect(port, '127.0.0.1')];
	await Promise.all(fillers.map((socket) => new Promise((resolve) => socket.once('connect', resolve))));
	// Proof that it is a blackhole: a third connection attempt gets no answer.
	const probe = net.connect(port, '127.0.0.1');
	const connected = await Promise.race([new Promise((resolve) => probe.once('connect', () => resolve(true))), new Promise((resolve) => setTimeout(() => resolve(false), 500))]);
	probe.destroy();
	if (connected) throw new Error('the loopback blackhole accepted a connection');
	return {
		port,
		close: () => {
			for (const socket of fillers) socket.destroy();
			child.kill('SIGKILL');
		},
	};
}

describe('a host that drops packets (a loopback blackhole) is a setup failure, latched like a refused port', () => {
	let blackhole: Awaited<ReturnType<typeof startBlackhole>>;
	beforeAll(async () => {
		blackhole = await startBlackhole();
	});
	afterAll(() => blackhole.close());

	it.each([
		['mistralChat', { model: chatModel }, chatItems(40)],
		['mistralEmbed', { model: embedModel, options: { batchSize: 5 } }, embedItems(40)],
	] as Array<[NodeName, INodeParameters, INodeExecutionData[]]>)('%s, 40 items, default Timeout and retries: every item fails within one connect timeout (8 s), not 40 × Timeout', async (node, parameters, items) => {
		const { result, attempts } = await withSocketsTo(blackhole.port, async (sockets) => {
			const result = await runNode({ node, parameters, items, credentials: { apiKey: 'k', baseUrl: `http://127.0.0.1:${blackhole.port}/v1` }, continueOnFail: true });
			return { result, attempts: sockets.attempts() };
		});
		console.log(`[setup] blackhole, 40 ${node} items: ${result.durationMs} ms, ${attempts} connection attempt(s) (the first request and its model-list check)`);
		expectEveryItemFailed(result, 40, /^Could not connect to 127\.0\.0\.1:\d+: no answer within 8 s/);
		expect(result.items[0].json.errorDescription).toMatch(/drops the connection attempts/);
		expect(result.items[39].json.errorDescription).toMatch(/not sent: an earlier request of this execution already failed this way/);
		expect(result.durationMs).toBeGreaterThanOrEqual(7500);
		expect(result.durationMs).toBeLessThan(12_000);
		// Counted at the socket layer: nothing answers at a blackhole to count them.
		expect(attempts).toBe(2);
	});
});

describe('a non-streamed answer has an overall deadline too', () => {
	it('a body trickled one byte every 200 ms ends at Timeout (2 s), retried once as a timeout may have been billed', async () => {
		let bodiesStarted = 0;
		const trickle = http.createServer((req, res) => {
			req.resume();
			bodiesStarted++;
			res.writeHead(200, { 'content-type': 'application/json' });
			const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(' ')), 200);
			res.on('close', () => clearInterval(timer));
		});
		await new Promise<void>((resolve) => trickle.listen(0, '127.0.0.1', resolve));
		try {
			const baseUrl = `http://127.0.0.1:${(trickle.address() as net.AddressInfo).port}/v1`;
			const result = await runNode({ node: 'mistralChat', parameters: { model: chatModel, options: { timeout: 2 } }, items: chatItems(1), credentials: { apiKey: 'k', baseUrl }, continueOnFail: true });
			console.log(`[deadline] trickled body, Timeout 2 s: ${result.durationMs} ms, ${bodiesStarted} request(s) at the server`);
			expect(result.items[0].json.error).toMatch(/^No answer from 127\.0\.0\.1:\d+ within 2 s \(2 attempts\)/);
			expect(bodiesStarted).toBe(2);
			expect(result.durationMs).toBeLessThan(8000);
		} finally {
			trickle.closeAllConnections();
			await new Promise<void>((resolve) => trickle.close(() => resolve()));
		}
	});
});

describe('setup failures end the execution at once', () => {
	describe('closed port: 40 chat items', () => {
		it.each([true, false])('Continue On Fail %s: one connection attempt, every item fails with the same message, in under 3 s', async (continueOnFail) => {
			const port = await freePort();
			const baseUrl = `http://127.0.0.1:${port}/v1`;
			const { result, attempts } = await withSocketsTo(port, async (sockets) => {
				const result = await runNode({ node: 'mistralChat', parameters: { model: chatModel }, items: chatItems(40), credentials: { apiKey: 'k', baseUrl }, continueOnFail });
				return { result, attempts: sockets.refused() };
			});
			console.log(`[setup] closed port, 40 chat items, Continue On Fail ${continueOnFail}: ${result.durationMs} ms, ${attempts} connection attempt(s)`);
			expect(result.durationMs).toBeLessThan(3000);
			expect(attempts).toBe(1);
			if (continueOnFail) {
				expectEveryItemFailed(result, 40, /^Could not reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\) \[item \d+\]$/);
				expect(result.items[0].json.errorDescription).toMatch(/Nothing accepts connections at 127\.0\.0\.1:\d+\. Check the host and port of the Base URL/);
				expect(result.items[39].json.errorDescription).toMatch(/not sent: an earlier request of this execution already failed this way/);
				// Error items keep the row (Include Input Fields is on by default).
				expect(result.items[39].json.id).toBe(39);
			} else {
				expect(result.error?.message).toMatch(/^Could not reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\) \[item 0\]$/);
			}
		});

		it('embed, 40 items in 8 batches, Continue On Fail: one connection attempt', async () => {
			const port = await freePort();
			const baseUrl = `http://127.0.0.1:${port}/v1`;
			const { result, attempts } = await withSocketsTo(port, async (sockets) => {
				const result = await runNode({
					node: 'mistralEmbed',
					parameters: { model: embedModel, options: { batchSize: 5 } },
					items: embedItems(40),
					credentials: { apiKey: 'k', baseUrl },
					continueOnFail: true,
				});
				return { result, attempts: sockets.refused() };
			});
			expect(result.durationMs).toBeLessThan(3000);
			expect(attempts).toBe(1);
			expectEveryItemFailed(result, 40, /^Could not reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
		});
	});

	it('https:// to a plain-HTTP port: one attempt, a message that says to use http://', async () => {
		const server = await startMistralServer();
		try {
			const { result, attempts } = await withSocketsTo(Number(new URL(server.url).port), async (sockets) => {
				const result = await runNode({
					node: 'mistralChat',
					parameters: { model: chatModel },
					items: chatItems(20),
					credentials: { apiKey: server.apiKey as string, baseUrl: server.url.replace('http://', 'https://') },
					continueOnFail: true,
				});
				return { result, attempts: sockets.attempts() };
			});
			expect(attempts).toBe(1);
			expectEveryItemFailed(result, 20, /^Could not set up HTTPS with 127\.0\.0\.1:\d+ \((EPROTO|ERR_SSL_WRONG_VERSION_NUMBER)\)/);
			expect(result.items[0].json.errorDescription).toMatch(/Use http:\/\/ in the Base URL/);
			expect(server.requests).toHaveLength(0);
		} finally {
			await server.close();
		}
	});

	it('a self-signed certificate: one TLS handshake, every item fails with what to do', async () => {
		// A throwaway certificate for 127.0.0.1 (test/faults/fixtures, made with openssl, valid 100 years).
		const fixtures = path.join(__dirname, 'fixtures');
		let handshakes = 0;
		const tls = https.createServer({ key: readFileSync(path.join(fixtures, 'self-signed.key')), cert: readFileSync(path.join(fixtures, 'self-signed.crt')) }, (_req, res) => {
			res.writeHead(500).end();
		});
		tls.on('connection', () => handshakes++);
		await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
		try {
			const baseUrl = `https://127.0.0.1:${(tls.address() as net.AddressInfo).port}/v1`;
			const result = await runNode({ node: 'mistralChat', parameters: { model: chatModel }, items: chatItems(20), credentials: { apiKey: 'k', baseUrl }, continueOnFail: true });
			expectEveryItemFailed(result, 20, /^The TLS certificate of 127\.0\.0\.1:\d+ was not accepted \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/);
			expect(result.items[0].json.errorDescription).toMatch(/NODE_EXTRA_CA_CERTS/);
			expect(handshakes).toBe(1);
		} finally {
			tls.closeAllConnections();
			await new Promise<void>((resolve) => tls.close(() => resolve()));
		}
	});

	describe('servers that answer the same thing to every request: exactly one request reaches them', () => {
		let server: MistralTestServer;
		beforeAll(async () => {
			server = await startMistralServer({ latencyMs: 5 });
		});
		afterAll(async () => await server.close());
		beforeEach(() => {
			server.reset();
			server.configure({ apiKey: 'test-key', unknownModelStatus: 400 });
		});

		const cases: Array<{
			name: string;
			node: NodeName;
			parameters: INodeParameters;
			baseUrl?: () => string;
			setUp?: () => void;
			pattern: RegExp;
		}> = [
			{
				name: 'chat: Base URL without /v1 (404 on the path)',
				node: 'mistralChat',
				parameters: { model: chatModel },
				baseUrl: () => server.origin,
				pattern: /^Not found \(404\)/,
			},
			{
				name: 'embed: Base URL without /v1 (404 on the path)',
				node: 'mistralEmbed',
				parameters: { model: embedModel, options: { batchSize: 2 } },
				baseUrl: () => server.origin,
				pattern: /^Not found \(404\)/,
			},
			{
				name: 'chat: 403 for the model',
				node: 'mistralChat',
				parameters: { model: chatModel },
				setUp: () => server.enqueue({ path: '/chat/completions', status: 403, body: { object: 'error', message: 'Access denied', type: 'forbidden', param: null, code: null } }),
				pattern: /^Access denied \(403\) for model "mistral-small-latest"/,
			},
			{
				name: 'chat: unknown model (400 invalid_model)',
				node: 'mistralChat',
				parameters: { model: { __rl: true, mode: 'id', value: 'mistral-nope' } },
				pattern: /^Model "mistral-nope" was not found \(400\)/,
			},
			{
				name: 'chat: unknown model (404)',
				node: 'mistralChat',
				parameters: { model: { __rl: true, mode: 'id', value: 'mistral-nope' } },
				setUp: () => server.configure({ unknownModelStatus: 404 }),
				pattern: /^Model "mistral-nope" was not found \(404\)/,
			},
			{
				name: 'embed: unknown model (400 invalid_model)',
				node: 'mistralEmbed',
				parameters: { model: { __rl: true, mode: 'id', value: 'nope-embed' }, options: { batchSize: 2 } },
				pattern: /^Model "nope-embed" was not found \(400\)/,
			},
		];

		for (const continueOnFail of [true, false]) {
			it.each(cases)(`$name (Continue On Fail ${continueOnFail})`, async ({ node, parameters, baseUrl, setUp, pattern }) => {
				setUp?.();
				const items = node === 'mistralChat' ? chatItems(20) : embedItems(20);
				const result = await runNode({ node, parameters, items, credentials: { apiKey: 'test-key', baseUrl: baseUrl?.() ?? server.url }, continueOnFail });
				console.log(`[setup] ${node} ${JSON.stringify(parameters.model)} (Continue On Fail ${continueOnFail}): ${server.requests.length} request(s) reached the server`);
				expect(server.requests).toHaveLength(1);
				if (continueOnFail) expectEveryItemFailed(result, 20, pattern);
				else expect(result.error?.message).toMatch(pattern);
			});
		}

		it('a 403 or unknown model ends only the requests for that model: items with another model still go', async () => {
			const items = Array.from({ length: 10 }, (_, i) => ({ json: { prompt: `Question ${i}`, model: i % 2 === 0 ? 'mistral-nope' : 'mistral-small-latest' } }));
			const result = await runNode({
				node: 'mistralChat',
				parameters: { model: { __rl: true, mode: 'id', value: '={{ $json.model }}' } },
				items,
				credentials: { apiKey: 'test-key', baseUrl: server.url },
				continueOnFail: true,
			});
			expect(result.items).toHaveLength(10);
			result.items.forEach((item, i) => {
				if (i % 2 === 0) expect(item.json.error).toMatch(/^Model "mistral-nope" was not found/);
				else expect(item.json.content).toBe(`Echo: Question ${i}`);
			});
			// One request for the unknown model, one per item of the known one.
			expect(server.requests.filter((request) => request.body?.model === 'mistral-nope')).toHaveLength(1);
			expect(server.requests.filter((request) => request.body?.model === 'mistral-small-latest')).toHaveLength(5);
		});

		it('a 400 about one item does not end the others', async () => {
			server.enqueue({ path: '/chat/completions', status: 400, body: { object: 'error', message: 'Prompt contains forbidden content', type: 'invalid_request_error', param: null, code: '3051' } });
			const result = await runNode({ node: 'mistralChat', parameters: { model: chatModel, options: { maxConcurrency: 1 } }, items: chatItems(5), credentials: { apiKey: 'test-key', baseUrl: server.url }, continueOnFail: true });
			expect(result.items[0].json.error).toMatch(/forbidden content/);
			expect(result.items.slice(1).map((item) => item.json.content)).toEqual([1, 2, 3, 4].map((i) => `Echo: Question ${i}`));
			expect(server.requests).toHaveLength(5);
		});
	});

	describe('a server that goes away mid-run (refused after it answered)', () => {
		function chatAnswer(res: http.ServerResponse, body: string): void {
			const prompt = (JSON.parse(body) as { messages: Array<{ content: string }> }).messages.at(-1)?.content;
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(
				JSON.stringify({
					id: 'x',
					object: 'chat.completion',
					model: 'mistral-small-latest',
					created: 0,
					choices: [{ index: 0, message: { role: 'assistant', content: `Echo: ${prompt}` }, finish_reason: 'stop' }],
					usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
				}),
			);
		}

		/** Answers, and after its first answer stops listening; `restartAfterMs` listens again on the same port. */
		async function flakyServer(restartAfterMs?: number) {
			const port = await freePort();
			let answered = 0;
			const make = () =>
				http.createServer((req, res) => {
					let body = '';
					req.on('data', (chunk: Buffer) => (body += chunk.toString()));
					req.on('end', () => {
						chatAnswer(res, body);
						answered++;
						if (answered === 1) {
							res.on('finish', () => {
								current.close();
								current.closeAllConnections();
								if (restartAfterMs !== undefined) setTimeout(() => (current = make().listen(port, '127.0.0.1')), restartAfterMs);
							});
						}
					});
				});
			let current = make();
			await new Promise<void>((resolve) => current.listen(port, '127.0.0.1', resolve));
			return {
				url: `http://127.0.0.1:${port}/v1`,
				answered: () => answered,
				close: async () => {
					current.closeAllConnections();
					await new Promise<void>((resolve) => current.close(() => resolve()));
				},
			};
		}

		it('a restart: the refused request is retried with backoff and every item succeeds', async () => {
			const server = await flakyServer(300);
			const sockets = socketsTo(Number(new URL(server.url).port));
			try {
				const result = await runNode({ node: 'mistralChat', parameters: { model: chatModel, options: { maxConcurrency: 1 } }, items: chatItems(4), credentials: { apiKey: 'k', baseUrl: server.url } });
				expect(result.error).toBeUndefined();
				expect(result.items.map((item) => item.json.content)).toEqual([0, 1, 2, 3].map((i) => `Echo: Question ${i}`));
				expect(server.answered()).toBe(4);
				// Refused while the server was away, then retried.
				expect(sockets.refused()).toBeGreaterThan(0);
			} finally {
				sockets.restore();
				await server.close();
			}
		});

		it('gone for good: that request exhausts Max Retries, then the remaining items fail at once', async () => {
			const server = await flakyServer();
			const sockets = socketsTo(Number(new URL(server.url).port));
			try {
				const result = await runNode({
					node: 'mistralChat',
					parameters: { model: chatModel, options: { maxConcurrency: 1, maxRetries: 2 } },
					items: chatItems(10),
					credentials: { apiKey: 'k', baseUrl: server.url },
					continueOnFail: true,
				});
				expect(result.items[0].json.content).toBe('Echo: Question 0');
				expect(result.items[1].json.error).toMatch(/^Could not reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\) after 3 attempts \[item 1\]$/);
				for (let i = 2; i < 10; i++) {
					expect(result.items[i].json.error).toMatch(new RegExp(`ECONNREFUSED\\) after 3 attempts \\[item ${i}\\]$`));
					expect(result.items[i].json.errorDescription).toMatch(/not sent/);
				}
				// 1 answered + 3 refused attempts for item 1; items 2-9 were never sent.
				expect(server.answered()).toBe(1);
				expect(sockets.refused()).toBe(3);
				// Two backoffs (about 0.5-1 s and 1-2 s), not eight more items' worth.
				expect(result.durationMs).toBeLessThan(6000);
			} finally {
				sockets.restore();
				await server.close();
			}
		});
	});

	it('gone for good, 4 requests in flight: each stops at Max Retries at most, and no later item is sent', async () => {
		const port = await freePort();
		let answered = 0;
		const server = http.createServer((req, res) => {
			req.resume();
			req.on('end', () => {
				answered++;
				res.writeHead(200, { 'content-type': 'application/json' });
				res.end(JSON.stringify({ id: 'x', object: 'chat.completion', model: 'm', created: 0, choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] }));
				res.on('finish', () => {
					server.close();
					server.closeAllConnections();
				});
			});
		});
		await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
		const { result, refused } = await withSocketsTo(port, async (sockets) => {
			const result = await runNode({
				node: 'mistralChat',
				parameters: { model: chatModel, options: { maxConcurrency: 4, maxRetries: 2 } },
				items: chatItems(10),
				credentials: { apiKey: 'k', baseUrl: `http://127.0.0.1:${port}/v1` },
				continueOnFail: true,
			});
			return { result, refused: sockets.refused() };
		});
		expect(answered).toBe(1);
		expect(result.items[0].json.content).toBe('ok');
		for (let i = 1; i < 10; i++) expect(result.items[i].json.error).toMatch(/^Could not reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\) after 3 attempts/);
		// Items 5-9 never left: the pool had 1-4 in flight when the first of them gave up.
		for (let i = 5; i < 10; i++) expect(result.items[i].json.errorDescription).toMatch(/This request was not sent/);
		expect(refused).toBeGreaterThanOrEqual(3);
		expect(refused).toBeLessThanOrEqual(4 * 3);
		expect(result.durationMs).toBeLessThan(6000);
	});

	it('a server that does not speak HTTP: the error keeps its own cause, and is not retried as a dropped connection', async () => {
		const sockets = new Set<net.Socket>();
		const garbage = net.createServer((socket) => {
			sockets.add(socket);
			socket.on('error', () => sockets.delete(socket));
			socket.end('SSH-2.0-OpenSSH_9.6\r\n');
		});
		await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
		let connections = 0;
		garbage.on('connection', () => connections++);
		try {
			const port = (garbage.address() as net.AddressInfo).port;
			const result = await runNode({
				node: 'mistralChat',
				parameters: { model: chatModel, options: { maxConcurrency: 1 } },
				items: chatItems(3),
				credentials: { apiKey: 'k', baseUrl: `http://127.0.0.1:${port}/v1` },
				continueOnFail: true,
			});
			expect(result.items).toHaveLength(3);
			const error = String(result.items[0].json.error);
			expect(error).not.toMatch(/connection failed/);
			expect(error).toMatch(/^The request to 127\.0\.0\.1:\d+ failed \(HPE_[A-Z_]+\) \[item 0\]$/);
			expect(result.items[0].json.errorDescription).toMatch(/n8n reported: ".*(Parse Error|Expected HTTP).*"/);
			// Not retried: one connection per item.
			expect(connections).toBe(3);
		} finally {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => garbage.close(() => resolve()));
		}
	});
});

describe('a billed call is not silently repeated', () => {
	let server: MistralTestServer;
	beforeAll(async () => {
		server = await startMistralServer();
	});
	afterAll(async () => await server.close());
	beforeEach(() => server.reset());

	// Retry-After keeps the full-retry cases fast (the backoff would take 15-31 s).
	const serverError = (status: number): ScriptedResponse => ({
		path: '/chat/completions',
		status,
		headers: { 'retry-after': '0.05' },
		body: { object: 'error', message: `Upstream error ${status}`, type: 'server_error', param: null, code: null },
	});
	const cases: Array<[string, number, ScriptedResponse, RegExp]> = [
		['a timeout', 2, { path: '/chat/completions', hang: true }, /^No answer from 127\.0\.0\.1:\d+ within 1 s \(2 attempts\)/],
		['a reset after sending', 2, { path: '/chat/completions', reset: true }, /^The connection to 127\.0\.0\.1:\d+ was dropped \(ECONNRESET\) after 2 attempts/],
		['a 200 body cut short', 2, { path: '/chat/completions', status: 200, rawBody: '{"id":"abc","object":"chat.completion","choices":[{"ind' }, /body that is not JSON \(HTTP 200\) after 2 attempts/],
		['a 503 with an error body', 6, serverError(503), /^The Mistral server failed \(503\) after 6 attempts/],
		['a 429', 6, { path: '/chat/completions', status: 429, headers: { 'retry-after': '0.05' }, body: { object: 'error', message: 'Rate limit exceeded', type: 'rate_limited', param: null, code: '1300' } }, /^Rate limit exceeded \(429\) after 6 attempts/],
	];

	it.each(cases)('%s: %i attempts with the default Max Retries (5)', async (_name, attempts, script, pattern) => {
		server.enqueue(...Array.from({ length: 6 }, () => script));
		const result = await runNode({ node: 'mistralChat', parameters: { model: chatModel, options: { timeout: 1 } }, items: chatItems(1), credentials: { apiKey: server.apiKey as string, baseUrl: server.url }, continueOnFail: true });
		expect(server.requests.filter((request) => request.path === '/chat/completions')).toHaveLength(attempts);
		expect(result.items[0].json.error).toMatch(pattern);
	});

	it.each([500, 502, 504])('a chat answered %i (a gateway, the model may have run) is POSTed at most twice by default (counted at the server)', async (status) => {
		server.enqueue(...Array.from({ length: 6 }, () => serverError(status)));
		const result = await runNode({ node: 'mistralChat', parameters: { model: chatModel }, items: chatItems(1), credentials: { apiKey: server.apiKey as string, baseUrl: server.url }, continueOnFail: true });
		const posts = server.requests.filter((request) => request.method === 'POST' && request.path === '/chat/completions');
		console.log(`[retries] chat answered ${status}: ${posts.length} POST(s) at the server`);
		expect(posts).toHaveLength(2);
		expect(result.items[0].json.error).toMatch(new RegExp(`^The Mistral server failed \\(${status}\\) after 2 attempts`));
		expect(result.items[0].json.errorDescription).toMatch(/may have done \(and billed\) the work anyway.*"Max Ambiguous Retries"/);
	});

	it('a first request slower than the connect check (6 s) is not given up: the host answers its model list, and the answer comes', async () => {
		server.configure({ chatLatencyMs: 6000 });
		try {
			const result = await runNode({ node: 'mistralChat', parameters: { model: chatModel }, items: chatItems(1), credentials: { apiKey: server.apiKey as string, baseUrl: server.url } });
			expect(result.error).toBeUndefined();
			expect(result.items[0].json.content).toBe('Echo: Question 0');
			expect(server.requests.map((request) => `${request.method} ${request.path} ${request.status}`)).toEqual(['POST /chat/completions 200', 'GET /models 200']);
		} finally {
			server.configure({ chatLatencyMs: 0 });
		}
	});

	it('a chat answered 504 with Max Ambiguous Retries 0 is POSTed once', async () => {
		server.enqueue(...Array.from({ length: 6 }, () => serverError(504)));
		await runNode({ node: 'mistralChat', parameters: { model: chatModel, options: { maxAmbiguousRetries: 0 } }, items: chatItems(1), credentials: { apiKey: server.apiKey as string, baseUrl: server.url }, continueOnFail: true });
		expect(server.requests.filter((request) => request.path === '/chat/completions')).toHaveLength(1);
	});

	it.each([500, 502, 504])('embeddings answered %i are cheap to repeat: every retry of Max Retries, then the vectors', async (status) => {
		server.enqueue(...Array.from({ length: 5 }, () => ({ ...serverError(status), path: '/embeddings' })));
		const result = await runNode({ node: 'mistralEmbed', parameters: { model: embedModel }, items: embedItems(2), credentials: { apiKey: server.apiKey as string, baseUrl: server.url } });
		expect(result.error).toBeUndefined();
		expect(server.requests.filter((request) => request.path === '/embeddings')).toHaveLength(6);
		expect(result.items.map((item) => (item.json.embedding as number[]).length)).toEqual([1024, 1024]);
	});

	it('"Max Ambiguous Retries" (saved as maxAmbiguousRetries) raises the limit for ambiguous failures', async () => {
		server.enqueue(...Array.from({ length: 4 }, () => ({ path: '/chat/completions' as const, reset: true })));
		const result = await runNode({ node: 'mistralChat', parameters: { model: chatModel, options: { maxAmbiguousRetries: 2 } }, items: chatItems(1), credentials: { apiKey: server.apiKey as string, baseUrl: server.url }, continueOnFail: true });
		expect(server.requests).toHaveLength(3);
		expect(result.items[0].json.error).toMatch(/after 3 attempts/);
	});
});
