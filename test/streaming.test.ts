/**
 * Streaming in the regular Mistral Chat node, through n8n's engine with streaming switched on as a
 * streaming Webhook or Chat Trigger switches it on (additionalData.streamingEnabled + a sendChunk hook).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { runNode } from './harness/engine';
import { startMistralServer, type MistralTestServer } from './server/mistralServer';

const model = (value = 'mistral-small-latest') => ({ __rl: true, mode: 'id', value });

describe('Mistral Chat streams a single item when n8n streams', () => {
	let server: MistralTestServer;
	const credentials = () => ({ apiKey: server.apiKey as string, baseUrl: server.url });
	const chatRequests = () => server.requests.filter((request) => request.path === '/chat/completions');

	beforeAll(async () => {
		server = await startMistralServer();
	});
	afterAll(async () => await server.close());
	beforeEach(() => {
		server.reset();
		server.configure({ latencyMs: 0, faults: {}, streamChunkDelayMs: 15 });
	});

	it('sends the answer to n8n in several chunks, in order, and still outputs the whole item', async () => {
		const result = await runNode({
			node: 'mistralChat',
			parameters: { model: model() },
			items: [{ json: { prompt: 'tell me about the five boroughs of New York' } }],
			credentials: credentials(),
			streaming: true,
		});
		expect(result.error).toBeUndefined();
		expect(chatRequests()).toHaveLength(1);
		expect(chatRequests()[0].body.stream).toBe(true);
		expect(chatRequests()[0].status).toBe(200);
		const types = result.chunks.map((chunk) => chunk.type);
		expect(types[0]).toBe('begin');
		expect(types[types.length - 1]).toBe('end');
		const pieces = result.chunks.filter((chunk) => chunk.type === 'item');
		expect(pieces.length).toBeGreaterThanOrEqual(5);
		expect(pieces.map((chunk) => chunk.content).join('')).toBe('Echo: tell me about the five boroughs of New York');
		// They arrived over time, not all at once at the end.
		expect(pieces[pieces.length - 1].at - pieces[0].at).toBeGreaterThanOrEqual(50);
		expect(result.items).toHaveLength(1);
		expect(result.items[0].json).toMatchObject({
			content: 'Echo: tell me about the five boroughs of New York',
			finish_reason: 'stop',
			usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) },
		});
	});

	it('keeps reasoning out of the streamed text and in the item', async () => {
		const result = await runNode({
			node: 'mistralChat',
			parameters: { model: model('magistral-medium-latest'), options: { reasoningMode: true } },
			items: [{ json: { prompt: 'why' } }],
			credentials: credentials(),
			streaming: true,
		});
		expect(result.error).toBeUndefined();
		expect(result.chunks.filter((chunk) => chunk.type === 'item').map((chunk) => chunk.content).join('')).toBe('Echo: why');
		expect(result.items[0].json).toMatchObject({ content: 'Echo: why', reasoning: 'Thinking about: why' });
	});

	it('does not stream several items (their chunks would interleave)', async () => {
		const result = await runNode({
			node: 'mistralChat',
			parameters: { model: model() },
			items: [{ json: { prompt: 'a' } }, { json: { prompt: 'b' } }],
			credentials: credentials(),
			streaming: true,
		});
		expect(result.error).toBeUndefined();
		expect(result.chunks).toHaveLength(0);
		expect(chatRequests().every((request) => request.body.stream === undefined)).toBe(true);
		expect(result.items.map((item) => item.json.content)).toEqual(['Echo: a', 'Echo: b']);
	});

	it('does not stream when an AI Agent runs it as a tool (its answer goes to the agent)', async () => {
		const result = await runNode({
			node: 'mistralChat',
			parameters: { model: model() },
			items: [{ json: { prompt: 'tool work' } }],
			credentials: credentials(),
			streaming: true,
			asAgentTool: true,
		});
		expect(result.error).toBeUndefined();
		expect(result.chunks).toHaveLength(0);
		expect(chatRequests()[0].body.stream).toBeUndefined();
		// n8n logs a tool's output on its ai_tool connection.
		const task = Object.values(result.run.data.resultData.runData)[0][0];
		expect(task.data?.ai_tool?.[0]?.[0].json.content).toBe('Echo: tool work');
	});

	it('does not stream when n8n does not', async () => {
		const result = await runNode({ node: 'mistralChat', parameters: { model: model() }, items: [{ json: { prompt: 'a' } }], credentials: credentials() });
		expect(result.error).toBeUndefined();
		expect(chatRequests()[0].body.stream).toBeUndefined();
	});

	it('waits out a 429 before the stream starts, then streams', async () => {
		server.enqueue({ path: '/chat/completions', status: 429, body: { message: 'Requests rate limit exceeded' }, headers: { 'retry-after': '1' } });
		const result = await runNode({
			node: 'mistralChat',
			parameters: { model: model() },
			items: [{ json: { prompt: 'after the wait' } }],
			credentials: credentials(),
			streaming: true,
		});
		expect(result.error).toBeUndefined();
		expect(chatRequests().map((request) => request.status)).toEqual([429, 200]);
		expect(chatRequests()[1].startedAt - chatRequests()[0].endedAt).toBeGreaterThanOrEqual(900);
		expect(result.items[0].json.content).toBe('Echo: after the wait');
	});

	it('reports a rejected key as the non-streamed request would, without the key', async () => {
		const result = await runNode({
			node: 'mistralChat',
			parameters: { model: model(), options: { temperature: 1.4 } },
			items: [{ json: { prompt: 'x' } }],
			credentials: { apiKey: 'wrong-key-0123456789', baseUrl: server.url },
			streaming: true,
		});
		expect(result.error?.message).toMatch(/API key|401|rejected/i);
		expect(JSON.stringify(result.error)).not.toContain('wrong-key-0123456789');
		expect(result.chunks[0].type).toBe('begin');
		expect(result.chunks.some((chunk) => chunk.type === 'item')).toBe(false);
	});

	it('fails clearly when the stream breaks off before the answer is complete', async () => {
		const chunk = (content: string) =>
			`data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', model: 'mistral-small-latest', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
		server.enqueue({ path: '/chat/completions', status: 200, headers: { 'content-type': 'text/event-stream' }, rawBody: chunk('Half ') + chunk('an ') });
		const result = await runNode({
			node: 'mistralChat',
			parameters: { model: model() },
			items: [{ json: { prompt: 'x' } }],
			credentials: credentials(),
			streaming: true,
		});
		expect(result.error?.message).toMatch(/stream ended before the answer was complete/);
		expect(result.chunks.filter((c) => c.type === 'item').map((c) => c.content)).toEqual(['Half ', 'an ']);
	});

	it('accepts a server that ignores stream: true and answers with plain JSON', async () => {
		server.enqueue({
			path: '/chat/completions',
			status: 200,
			body: { id: 'x', object: 'chat.completion', model: 'mistral-small-latest', created: 1, usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }, choices: [{ index: 0, message: { role: 'assistant', content: 'whole' }, finish_reason: 'stop' }] },
		});
		const result = await runNode({ node: 'mistralChat', parameters: { model: model() }, items: [{ json: { prompt: 'x' } }], credentials: credentials(), streaming: true });
		expect(result.error).toBeUndefined();
		expect(result.items[0].json.content).toBe('whole');
	});

	it('fails as a timeout when the stream stalls longer than the Timeout option', async () => {
		server.configure({ streamChunkDelayMs: 2500 });
		const result = await runNode({
			node: 'mistralChat',
			parameters: { model: model(), options: { timeout: 1, maxRetries: 0 } },
			items: [{ json: { prompt: 'slow' } }],
			credentials: credentials(),
			streaming: true,
		});
		// Timeout covers the whole answer: here the stall and the whole-answer deadline coincide.
		expect(result.error?.message).toMatch(/did not finish within 1 s|stalled: nothing came for 1 s/);
		expect(result.durationMs).toBeLessThan(2400);
	});
});

describe('a stream has an overall deadline and a size cap', () => {
	let hostile: http.Server;
	let url = '';
	let behaviour: (res: http.ServerResponse) => void = () => undefined;
	const sockets = new Set<import('node:net').Socket>();
	let bytesSent = 0;
	let pings = 0;

	beforeAll(async () => {
		hostile = http.createServer((req, res) => {
			req.resume();
			req.on('end', () => {
				res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
				behaviour(res);
			});
		});
		hostile.on('connection', (socket) => {
			sockets.add(socket);
			socket.on('close', () => sockets.delete(socket));
		});
		await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
		url = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}/v1`;
	});
	afterAll(async () => {
		for (const socket of sockets) socket.destroy();
		await new Promise<void>((resolve) => hostile.close(() => resolve()));
	});
	beforeEach(() => {
		bytesSent = 0;
		pings = 0;
	});

	it('a keep-alive-only stream (": ping" every 200 ms, forever) ends at Timeout with a clear error', async () => {
		behaviour = (res) => {
			const timer = setInterval(() => {
				if (res.destroyed) return clearInterval(timer);
				pings++;
				res.write(': ping\n\n');
			}, 200);
			res.on('close', () => clearInterval(timer));
		};
		const result = await runNode({ node: 'mistralChat', parameters: { model: model(), options: { timeout: 2, maxRetries: 0 } }, items: [{ json: { prompt: 'x' } }], credentials: { apiKey: 'sk-test', baseUrl: url }, streaming: true });
		console.log(`[streaming] keep-alive only, Timeout 2 s: ended after ${result.durationMs} ms, ${pings} pings sent`);
		expect(result.error?.message).toMatch(/^The streamed answer from 127\.0\.0\.1:\d+ did not finish within 2 s \[item 0\]$/);
		expect(result.error?.description).toMatch(/keep-alive messages do not extend it/);
		// The pings kept coming (the stall check alone would never have fired), and the run ended at Timeout
		// (plus the run's own start-up, which a loaded machine stretches).
		expect(pings).toBeGreaterThanOrEqual(4);
		expect(result.durationMs).toBeGreaterThanOrEqual(1900);
		expect(result.durationMs).toBeLessThan(5000);
	});

	it('an endless stream ends when it passes 200 MB, before Timeout, so memory stays bounded', async () => {
		// Comment lines: counted like any bytes of the stream, and the test itself keeps no 200 MB of answer text.
		const burst = `: ${'p'.repeat(256 * 1024)}\n`;
		behaviour = (res) => {
			const send = () => {
				while (!res.destroyed && bytesSent < 400_000_000) {
					bytesSent += burst.length;
					if (!res.write(burst)) return void res.once('drain', send);
				}
			};
			send();
		};
		const result = await runNode({ node: 'mistralChat', parameters: { model: model(), options: { maxRetries: 0 } }, items: [{ json: { prompt: 'x' } }], credentials: { apiKey: 'sk-test', baseUrl: url }, streaming: true });
		console.log(`[streaming] endless stream: ended after ${result.durationMs} ms, ${(bytesSent / 1e6).toFixed(0)} MB sent`);
		expect(result.error?.message).toMatch(/^The stream from 127\.0\.0\.1:\d+ sent more than 200 MB \[item 0\]$/);
		expect(bytesSent).toBeLessThan(400_000_000);
	});

	it('a 20 MB line without a newline ends with a clear error, in under 2 s', async () => {
		const piece = 'x'.repeat(64 * 1024);
		behaviour = (res) => {
			res.write('data: ');
			const send = () => {
				while (!res.destroyed && bytesSent < 20 * 1024 * 1024) {
					bytesSent += piece.length;
					if (!res.write(piece)) return void res.once('drain', send);
				}
			};
			send();
		};
		const result = await runNode({ node: 'mistralChat', parameters: { model: model(), options: { maxRetries: 0 } }, items: [{ json: { prompt: 'x' } }], credentials: { apiKey: 'sk-test', baseUrl: url }, streaming: true });
		console.log(`[streaming] 20 MB line without a newline: ended after ${result.durationMs} ms, ${(bytesSent / 1e6).toFixed(1)} MB sent`);
		expect(result.error?.message).toMatch(/^The stream from 127\.0\.0\.1:\d+ sent an event longer than 8 million characters \[item 0\]$/);
		expect(result.durationMs).toBeLessThan(2000);
	});
});
