/**
 * A Base URL that redirects (e.g. http:// to https://, or an old proxy address). A POST is never
 * sent again to where the redirect points: it may be billed twice, and a 301/302 would turn it into a
 * GET. The user gets an error naming the redirect and what to change. Counted at both servers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { runNode } from '../harness/engine';
import { type MistralTestServer, startMistralServer } from '../server/mistralServer';

interface RedirectingServer {
	url: string;
	requests: string[];
	close(): Promise<void>;
}

async function startRedirectingServer(status: number, to: string): Promise<RedirectingServer> {
	const requests: string[] = [];
	const server = http.createServer((request, response) => {
		requests.push(`${request.method} ${request.url}`);
		request.resume();
		request.on('end', () => {
			response.writeHead(status, { location: `${to}${(request.url ?? '').replace(/^\/v1/, '')}`, 'content-type': 'text/html' });
			response.end('<html>Moved</html>');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return { url: `http://127.0.0.1:${port}/v1`, requests, close: async () => await new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('a Base URL that redirects', () => {
	let target: MistralTestServer;
	beforeAll(async () => {
		target = await startMistralServer();
	});
	afterAll(async () => await target.close());

	it.each([307, 308, 301])('a chat POST answered %i is sent once, not to the new address, and the error says what to change', async (status) => {
		target.reset();
		const redirecting = await startRedirectingServer(status, target.url);
		try {
			const result = await runNode({
				node: 'mistralChat',
				parameters: { model: { __rl: true, mode: 'id', value: 'mistral-small-latest' }, prompt: 'Hello', options: { maxRetries: 3 } },
				items: [{ json: {} }, { json: {} }],
				credentials: { apiKey: 'test-key', baseUrl: redirecting.url },
				continueOnFail: true,
			});
			expect(redirecting.requests.filter((request) => request.startsWith('POST'))).toHaveLength(1);
			expect(target.requests.filter((request) => request.method === 'POST')).toHaveLength(0);
			expect(result.items).toHaveLength(2);
			for (const item of result.items) {
				const text = JSON.stringify(item.json);
				expect(text).toContain(`The server redirected the request to ${target.url}/chat/completions (${status})`);
				expect(text).toContain('Base URL');
				expect(text).not.toContain('test-key');
			}
		} finally {
			await redirecting.close();
		}
	});
});
