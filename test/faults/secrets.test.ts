/**
 * The API key never leaks: a canary key is used across runs of both nodes (and the model list and
 * the credential test) that hit success, 401, 422, 400, 500 with a body echoing the key, timeouts,
 * resets, HTML pages and an invalid Base URL. The canary must appear in no output item, no error
 * (message, description, every own property, cause, context: serialised deeply), no run data and
 * no log line n8n's logger received. Errors never carry request headers ("Authorization", "Bearer").
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { credentialTestLogs, runNode, searchList, testCredential, type NodeName, type RunNodeResult, type TestCredentials } from '../harness/engine';
import { startMistralServer, type MistralTestServer, type ScriptedResponse } from '../server/mistralServer';
import { deepSerialize } from './faultHelpers';

const CANARY = 'sk-canary-4d8e1f';
/** Any 8 consecutive characters of the canary (catches a key cut in half by truncation). */
const CANARY_PIECES = Array.from({ length: CANARY.length - 7 }, (_, i) => CANARY.slice(i, i + 8));

const chatModel = { __rl: true, mode: 'id', value: 'mistral-small-latest' };
const embedModel = { __rl: true, mode: 'id', value: 'mistral-embed' };

function leaksIn(text: string): string[] {
	const found: string[] = [];
	if (text.includes(CANARY)) found.push('the whole key');
	else for (const piece of CANARY_PIECES) if (text.includes(piece)) found.push(`a piece of the key ("${piece}")`);
	return found;
}

function headerLeaks(text: string): string[] {
	return [/authorization/i, /bearer/i].filter((pattern) => pattern.test(text)).map(String);
}

interface Scenario {
	name: string;
	/** Server-side setup before the run (scripted answers...). */
	script?: (server: MistralTestServer) => void;
	credentials: (env: Env) => TestCredentials;
	options?: INodeParameters;
	/** The scripted body itself contains "Authorization"/"Bearer" (so only the key is checked). */
	bodyMentionsHeaders?: boolean;
	/** The run must end with an error (or error items). */
	fails: boolean;
}

interface Env {
	server: MistralTestServer;
	wrongKeyServer: MistralTestServer;
	htmlUrl: string;
}

const echo = (status: number, message: string, extra: Partial<ScriptedResponse> = {}): ScriptedResponse => ({
	status,
	body: { object: 'error', message, type: status >= 500 ? 'server_error' : 'invalid_request_error', param: null, code: null },
	...extra,
});

const right = (env: Env) => ({ apiKey: CANARY, baseUrl: env.server.url });

const scenarios: Scenario[] = [
	{ name: 'success', credentials: right, fails: false },
	{ name: '401 (the server expects another key)', credentials: (env) => ({ apiKey: CANARY, baseUrl: env.wrongKeyServer.url }), fails: true },
	{
		name: '401 whose body echoes the key',
		script: (server) => server.enqueue({ status: 401, body: { message: `Unauthorized: key ${CANARY} is revoked`, request_id: 'r1' } }),
		credentials: right,
		fails: true,
	},
	{
		name: '422 whose validation detail echoes the key',
		script: (server) =>
			server.enqueue({
				status: 422,
				body: {
					object: 'error',
					message: { detail: [{ type: 'extra_forbidden', loc: ['body', 'api_key'], msg: `Extra inputs are not permitted (${CANARY})`, input: CANARY }] },
					type: 'invalid_request_error',
					param: null,
					code: null,
				},
			}),
		credentials: right,
		options: { maxRetries: 0 },
		fails: true,
	},
	{
		name: '400 echoing the key',
		script: (server) => server.enqueue(echo(400, `Invalid request for key ${CANARY}`)),
		credentials: right,
		fails: true,
	},
	{
		name: '400 echoing the key across the 300-character cut of "Server said"',
		// "Server said" is cut at 300 characters: the key starts at 288, so the cut keeps "sk-canary-4d".
		// Guards the order in client.ts: the body is redacted before any text is cut short.
		script: (server) => server.enqueue(echo(400, `${'x'.repeat(287)} ${CANARY} trailing text`)),
		credentials: right,
		fails: true,
	},
	{
		name: '500 echoing the key (every attempt)',
		script: (server) => server.enqueue(echo(500, `Upstream failed for key ${CANARY}`), echo(500, `Upstream failed for key ${CANARY}`)),
		credentials: right,
		options: { maxRetries: 1 },
		fails: true,
	},
	{
		name: '500 echoing the request headers',
		script: (server) => server.enqueue(echo(500, `Upstream failed. Headers: {"Authorization": "Bearer ${CANARY}"}`)),
		credentials: right,
		options: { maxRetries: 0 },
		bodyMentionsHeaders: true,
		fails: true,
	},
	{
		name: 'timeout (the server never answers)',
		script: (server) => server.enqueue({ hang: true }, { hang: true }),
		credentials: right,
		options: { maxRetries: 1, timeout: 1 },
		fails: true,
	},
	{
		name: 'connection reset',
		script: (server) => server.enqueue({ reset: true }, { reset: true }),
		credentials: right,
		options: { maxRetries: 1 },
		fails: true,
	},
	{
		name: 'HTML error page (502) echoing the key',
		script: (server) =>
			server.enqueue({ status: 502, rawBody: `<html><body><h1>502 Bad Gateway</h1><p>key=${CANARY}</p></body></html>`, headers: { 'content-type': 'text/html' } }),
		credentials: right,
		options: { maxRetries: 0 },
		fails: true,
	},
	{
		name: 'HTML error page (502) echoing the key across the 200-character cut of the kept body',
		// Guards the order in client.ts: the body is redacted before the kept 200 characters are cut.
		script: (server) =>
			server.enqueue({ status: 502, rawBody: `<html><body>${'y'.repeat(176)} ${CANARY} more</body></html>`, headers: { 'content-type': 'text/html' } }),
		credentials: right,
		options: { maxRetries: 0 },
		fails: true,
	},
	{ name: 'HTML page (200) from a web server at the Base URL', credentials: (env) => ({ apiKey: CANARY, baseUrl: env.htmlUrl }), fails: true },
	{ name: 'invalid Base URL', credentials: () => ({ apiKey: CANARY, baseUrl: 'not a url' }), fails: true },
];

const nodes: Array<{ node: NodeName; parameters: (options: INodeParameters) => INodeParameters; items: () => INodeExecutionData[] }> = [
	{
		node: 'mistralChat',
		parameters: (options) => ({ model: chatModel, options: { maxConcurrency: 1, ...options } }),
		items: () => [{ json: { prompt: 'first' } }, { json: { prompt: 'second' } }],
	},
	{
		node: 'mistralEmbed',
		parameters: (options) => ({ model: embedModel, options: { ...options } }),
		items: () => [{ json: { text: 'first' } }],
	},
];

describe('the API key never leaks', () => {
	const env = {} as Env;
	let html: http.Server;

	beforeAll(async () => {
		env.server = await startMistralServer({ apiKey: CANARY });
		env.wrongKeyServer = await startMistralServer({ apiKey: 'sk-another-key-77' });
		html = http.createServer((_req, res) => {
			res.writeHead(200, { 'content-type': 'text/html' });
			res.end('<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>');
		});
		await new Promise<void>((resolve) => html.listen(0, '127.0.0.1', resolve));
		env.htmlUrl = `http://127.0.0.1:${(html.address() as AddressInfo).port}/v1`;
	});
	afterAll(async () => {
		await env.server.close();
		await env.wrongKeyServer.close();
		html.closeAllConnections();
		await new Promise<void>((resolve) => html.close(() => resolve()));
	});
	beforeEach(() => {
		env.server.reset();
		env.wrongKeyServer.reset();
	});

	const table = nodes.flatMap((target) =>
		scenarios.flatMap((scenario) =>
			[false, true].map((continueOnFail) => [`${target.node}: ${scenario.name}${continueOnFail ? ' (Continue On Fail)' : ''}`, target, scenario, continueOnFail] as const),
		),
	);

	it.each(table)('%s', async (_name, target, scenario, continueOnFail) => {
		scenario.script?.(env.server);
		const result: RunNodeResult = await runNode({
			node: target.node,
			parameters: target.parameters(scenario.options ?? {}),
			items: target.items(),
			credentials: scenario.credentials(env),
			continueOnFail,
		});

		// The scenario did what it says (so the checks below are not vacuous).
		const failedItems = result.items.filter((item) => item.json.error !== undefined);
		if (!scenario.fails) {
			expect(result.error).toBeUndefined();
			expect(failedItems).toHaveLength(0);
		} else if (continueOnFail) {
			expect(result.error).toBeUndefined();
			expect(failedItems.length).toBeGreaterThan(0);
		} else {
			expect(result.error).toBeDefined();
		}

		const items = deepSerialize(result.items);
		const error = deepSerialize(result.error);
		const cause = deepSerialize((result.error as { cause?: unknown } | undefined)?.cause);
		const context = deepSerialize(result.error?.context);
		const run = deepSerialize(result.run);
		const logs = result.logs.join('\n');

		expect({ items: leaksIn(items), error: leaksIn(error), cause: leaksIn(cause), context: leaksIn(context), run: leaksIn(run), logs: leaksIn(logs) }).toEqual({
			items: [],
			error: [],
			cause: [],
			context: [],
			run: [],
			logs: [],
		});
		if (!scenario.bodyMentionsHeaders) {
			const errorItems = deepSerialize(failedItems.map((item) => item.json));
			expect({ error: headerLeaks(error), errorItems: headerLeaks(errorItems) }).toEqual({ error: [], errorItems: [] });
		}
	});

	describe('model list ("From List") and credential test', () => {
		const listCases: Array<[string, (env: Env) => TestCredentials, ((server: MistralTestServer) => void) | undefined]> = [
			['401', (e) => ({ apiKey: CANARY, baseUrl: e.wrongKeyServer.url }), undefined],
			['500 echoing the key', right, (server) => server.enqueue(echo(500, `boom ${CANARY}`), echo(500, `boom ${CANARY}`), echo(500, `boom ${CANARY}`))],
			['HTML page', (e) => ({ apiKey: CANARY, baseUrl: e.htmlUrl }), undefined],
			['invalid Base URL', () => ({ apiKey: CANARY, baseUrl: 'not a url' }), undefined],
		];

		it.each(listCases)('model list: %s', async (_name, credentials, script) => {
			script?.(env.server);
			let caught: unknown;
			try {
				await searchList('mistralChat', 'searchModels', credentials(env));
			} catch (error) {
				caught = error;
			}
			expect(caught).toBeDefined();
			const serialized = deepSerialize(caught);
			expect(leaksIn(serialized)).toEqual([]);
			expect(headerLeaks(serialized)).toEqual([]);
		});

		it.each(listCases)('credential test: %s', async (_name, credentials, script) => {
			script?.(env.server);
			const outcome = await testCredential(credentials(env));
			// (Whether a web page at the Base URL passes the credential test is checked in test/badInput.)
			if (_name !== 'HTML page') expect(outcome.status).toBe('Error');
			expect(leaksIn(deepSerialize(outcome))).toEqual([]);
			expect(leaksIn(credentialTestLogs().join('\n'))).toEqual([]);
		});
	});
});

/**
 * Secrets in the Base URL: a query-string key (`…/v1?key=SECRET`, as some proxies take it) and a
 * password in the userinfo (`https://user:SECRET@host/v1`). The same rigour as the API-key canary:
 * no output item, error (deeply), cause, context, run data or log line holds the secret or any 8
 * characters of it, across success, 401, 404 (whose description names the requested URL), bodies
 * and HTML pages echoing the secret, timeouts, resets, a closed port and an invalid URL; the model
 * list and the credential test too.
 */
describe('secrets in the Base URL never leak', () => {
	const URL_SECRET = 'urlsecret-9b7d2c41';
	const URL_PIECES = Array.from({ length: URL_SECRET.length - 7 }, (_, i) => URL_SECRET.slice(i, i + 8));
	const urlLeaksIn = (text: string): string[] =>
		text.includes(URL_SECRET) ? ['the whole secret'] : URL_PIECES.filter((piece) => text.includes(piece)).map((piece) => `a piece ("${piece}")`);

	// n8n's HTTP stack turns a userinfo into Basic authentication, which replaces the Bearer key: that
	// form succeeds only against a server that needs no key.
	type UrlForm = { name: string; make: (root: string) => string; basicAuth: boolean };
	const forms: UrlForm[] = [
		{ name: 'query-string key', make: (root) => `${root}?key=${URL_SECRET}`, basicAuth: false },
		{ name: 'userinfo password', make: (root) => root.replace('http://', `http://proxyuser:${URL_SECRET}@`), basicAuth: true },
	];
	let open: MistralTestServer;
	const successRoot = (form: UrlForm) => (form.basicAuth ? open.url : server.url);

	let server: MistralTestServer;
	let wrongKey: MistralTestServer;
	let html: http.Server;
	let htmlRoot = '';
	let closedRoot = '';

	beforeAll(async () => {
		server = await startMistralServer({ apiKey: CANARY });
		wrongKey = await startMistralServer({ apiKey: 'sk-another-key-77' });
		open = await startMistralServer({ apiKey: null });
		html = http.createServer((_req, res) => {
			res.writeHead(200, { 'content-type': 'text/html' });
			res.end('<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>');
		});
		await new Promise<void>((resolve) => html.listen(0, '127.0.0.1', resolve));
		htmlRoot = `http://127.0.0.1:${(html.address() as AddressInfo).port}/v1`;
		const closed = await startMistralServer();
		closedRoot = closed.url;
		await closed.close();
	});
	afterAll(async () => {
		await server.close();
		await wrongKey.close();
		await open.close();
		html.closeAllConnections();
		await new Promise<void>((resolve) => html.close(() => resolve()));
	});
	beforeEach(() => {
		server.reset();
		wrongKey.reset();
		open.reset();
	});

	interface UrlScenario {
		name: string;
		root: (form: UrlForm) => string;
		script?: () => void;
		options?: INodeParameters;
		fails: boolean;
	}
	const echoSecret = (status: number) => echo(status, `Upstream refused ${server.url}/chat/completions?key=${URL_SECRET} (${URL_SECRET})`);
	const scenarios: UrlScenario[] = [
		{ name: 'success', root: successRoot, fails: false },
		{ name: '401', root: () => wrongKey.url, fails: true },
		{ name: '404: Base URL without /v1 (the description names the requested URL)', root: () => server.origin, fails: true },
		{ name: '400 echoing the URL', root: () => server.url, script: () => server.enqueue(echoSecret(400)), fails: true },
		{ name: '500 echoing the URL', root: () => server.url, script: () => server.enqueue(echoSecret(500), echoSecret(500)), options: { maxRetries: 1 }, fails: true },
		{
			name: 'HTML 502 echoing the URL',
			root: () => server.url,
			script: () => server.enqueue({ status: 502, rawBody: `<html><body>bad gateway for ?key=${URL_SECRET}</body></html>`, headers: { 'content-type': 'text/html' } }),
			options: { maxRetries: 0 },
			fails: true,
		},
		{ name: 'HTML page (200) at the Base URL', root: () => htmlRoot, fails: true },
		// Max Retries 1: embeddings are repeatable, so a timeout or a reset is retried up to Max Retries.
		{ name: 'timeout', root: () => server.url, script: () => server.enqueue({ hang: true }, { hang: true }), options: { timeout: 1, maxRetries: 1 }, fails: true },
		{ name: 'connection reset', root: () => server.url, script: () => server.enqueue({ reset: true }, { reset: true }), options: { maxRetries: 1 }, fails: true },
		{ name: 'closed port', root: () => closedRoot, fails: true },
	];

	const table = nodes.flatMap((target) =>
		forms.flatMap((form) =>
			scenarios.flatMap((scenario) =>
				[false, true].map((continueOnFail) => [`${target.node}, ${form.name}: ${scenario.name}${continueOnFail ? ' (Continue On Fail)' : ''}`, target, form, scenario, continueOnFail] as const),
			),
		),
	);

	it.each(table)('%s', async (_name, target, form, scenario, continueOnFail) => {
		scenario.script?.();
		const result = await runNode({
			node: target.node,
			parameters: target.parameters(scenario.options ?? {}),
			items: target.items(),
			credentials: { apiKey: CANARY, baseUrl: form.make(scenario.root(form)) },
			continueOnFail,
		});
		const failedItems = result.items.filter((item) => item.json.error !== undefined);
		if (!scenario.fails) {
			expect(result.error).toBeUndefined();
			expect(failedItems).toHaveLength(0);
		} else if (continueOnFail) {
			expect(failedItems.length).toBeGreaterThan(0);
		} else {
			expect(result.error).toBeDefined();
		}
		const where = {
			items: deepSerialize(result.items),
			error: deepSerialize(result.error),
			cause: deepSerialize((result.error as { cause?: unknown } | undefined)?.cause),
			context: deepSerialize(result.error?.context),
			run: deepSerialize(result.run),
			logs: result.logs.join('\n'),
		};
		const leaks = Object.fromEntries(Object.entries(where).map(([key, text]) => [key, [...urlLeaksIn(text), ...leaksIn(text)]]));
		expect(leaks).toEqual({ items: [], error: [], cause: [], context: [], run: [], logs: [] });
	});

	it('the success runs did send the secret (so the checks above are not vacuous)', async () => {
		await runNode({ node: 'mistralChat', parameters: { model: chatModel }, items: [{ json: { prompt: 'x' } }], credentials: { apiKey: CANARY, baseUrl: `${server.url}?key=${URL_SECRET}` } });
		expect(server.requests[0].rawPath).toBe('/v1/chat/completions');
		expect(server.requests[0].status).toBe(200);
	});

	it.each(forms)('a 404 with a $name: the description names the requested URL, secret hidden', async (form) => {
		const result = await runNode({ node: 'mistralChat', parameters: { model: chatModel }, items: [{ json: { prompt: 'x' } }], credentials: { apiKey: CANARY, baseUrl: form.make(server.origin) } });
		expect(result.error?.description).toMatch(form.basicAuth ? /Requested http:\/\/\*\*\*@127\.0\.0\.1:\d+\/chat\/completions\./ : /Requested http:\/\/127\.0\.0\.1:\d+\/chat\/completions\?key=\*\*\*\./);
	});

	it.each(forms)('an invalid Base URL with a $name: the message shows the URL without the secret', async (form) => {
		const baseUrl = form.make('http://127.0.0.1:99999/v1');
		const result = await runNode({ node: 'mistralChat', parameters: { model: chatModel }, items: [{ json: { prompt: 'x' } }], credentials: { apiKey: CANARY, baseUrl } });
		expect(result.error?.message).toMatch(/is not a valid URL/);
		expect(result.error?.message).toContain('***');
		expect(urlLeaksIn(deepSerialize(result.error))).toEqual([]);
		expect(urlLeaksIn(result.logs.join('\n'))).toEqual([]);
	});

	describe.each(forms)('model list and credential test, $name', (form) => {
		const cases: Array<[string, () => string, (() => void) | undefined]> = [
			['success', () => successRoot(form), undefined],
			['401', () => wrongKey.url, undefined],
			['404 (no /v1)', () => server.origin, undefined],
			['500 echoing the URL', () => server.url, () => server.enqueue(...Array.from({ length: 3 }, () => ({ path: '/models' as const, ...echoSecret(500) })))],
			['HTML page', () => htmlRoot, undefined],
			['closed port', () => closedRoot, undefined],
			['invalid URL', () => 'http://127.0.0.1:99999/v1', undefined],
		];

		it.each(cases)('model list: %s', async (_name, root, script) => {
			script?.();
			let outcome: unknown;
			try {
				outcome = await searchList('mistralChat', 'searchModels', { apiKey: CANARY, baseUrl: form.make(root()) });
			} catch (error) {
				outcome = error;
			}
			expect(urlLeaksIn(deepSerialize(outcome))).toEqual([]);
			expect(leaksIn(deepSerialize(outcome))).toEqual([]);
		});

		it.each(cases)('credential test: %s', async (name, root, script) => {
			script?.();
			const outcome = await testCredential({ apiKey: CANARY, baseUrl: form.make(root()) });
			if (name === 'success') expect(outcome.status).toBe('OK');
			else expect(outcome.status).toBe('Error');
			expect(urlLeaksIn(deepSerialize(outcome))).toEqual([]);
			expect(leaksIn(deepSerialize(outcome))).toEqual([]);
			expect(urlLeaksIn(credentialTestLogs().join('\n'))).toEqual([]);
		});
	});
});
