/**
 * Bad input, one case per test, through n8n's real engine against the local Mistral-compatible server.
 *
 * Each case runs the node twice on three items (item 1 is the bad one, unless the problem is in a
 * node-wide setting such as the credential's Base URL or the embed model, marked `bad: 'all'`):
 *  1. without Continue On Fail: the node fails with a message that names the item ("[item N]") and
 *     says what is wrong; the message or its description says what to fix;
 *  2. with Continue On Fail: only the bad item becomes an error item (same message, paired to its
 *     input), the others succeed with their exact answer / vector.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { binaryItem, runNode, testCredential, type NodeName, type RunNodeResult, type TestCredentials } from '../harness/engine';
import { countEmbeddingTokens } from '../server/tokens';
import { embeddingFor, startMistralServer, type MistralTestServer } from '../server/mistralServer';

const chatModel = (value = 'mistral-small-latest') => ({ __rl: true, mode: 'id', value });
const embedModel = (value = 'mistral-embed') => ({ __rl: true, mode: 'id', value });
const embedText = (i: number) => `Row ${i}: a perfectly ordinary sentence to embed.`;
const PNG = Buffer.from(
	'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
	'base64',
);
const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n', 'latin1');
const HUGE_TEXT = 'word '.repeat(20_000); // 100,000 characters, far over 8,192 tokens
const UNKNOWN_MODEL = 'mistral-nonexistent-9000';

interface Env {
	server: MistralTestServer;
	htmlUrl: string;
}

interface Case {
	name: string;
	node: NodeName;
	parameters: INodeParameters;
	/** Three input items. */
	items: () => INodeExecutionData[];
	/** The bad item's index, or 'all' when the problem is node-wide (credential, embed model). */
	bad: number | 'all';
	/** What the message must say (the "[item N]" suffix is checked separately). */
	message: RegExp;
	/** What to fix: must match the message or the description, and be more than what `message` already asserts. */
	fix: RegExp;
	credentials?: (env: Env) => TestCredentials;
	/** Runs before each of the two runs (scripted answers, server settings). */
	setup?: (env: Env) => void;
	/** A good item's output json is right (default: chat "Echo: <prompt>", embed: the server's vector for its text). */
	good?: (json: IDataObject, itemIndex: number) => boolean;
	/** With Continue On Fail: the most requests the run may send (e.g. none for the bad item). */
	maxRequests?: number;
	/** A note printed when the case documents a product bug. */
}

const chatItems = (bad: unknown, extra: (i: number) => IDataObject = () => ({})): (() => INodeExecutionData[]) =>
	() => [0, 1, 2].map((i) => ({ json: { prompt: i === 1 ? bad : `p${i}`, ...extra(i) } as IDataObject }));
const embedItems = (bad: unknown): (() => INodeExecutionData[]) =>
	() => [0, 1, 2].map((i) => ({ json: { text: i === 1 ? bad : embedText(i) } as IDataObject }));
const allGoodChat = chatItems('p1');
const allGoodEmbed = embedItems(embedText(1));

/** A complete, valid chat answer (for scripting the items before the bad one). */
const chatAnswer = (text: string) => ({
	id: 'cmpl-scripted',
	object: 'chat.completion',
	model: 'mistral-small-latest',
	created: 1,
	usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 },
	choices: [{ index: 0, message: { role: 'assistant', content: text, tool_calls: null }, finish_reason: 'stop' }],
});
const embedAnswer = (text: string, index = 0) => ({
	id: 'emb-scripted',
	object: 'list',
	model: 'mistral-embed',
	usage: { prompt_tokens: 10, total_tokens: 10, completion_tokens: 0 },
	data: [{ object: 'embedding', embedding: embeddingFor(text, 'mistral-embed', 1024), index }],
});

const PROMPT_EMPTY = /"Prompt" is empty/;
const PROMPT_FIX = /Enter the text to send, or map a field that holds it/;
const TEXT_EMPTY = /"Text" is empty/;
const TEXT_EMPTY_FIX = /Give each item some text to embed, or filter empty rows out first/;
const TEXT_TYPE_FIX = /Map a text field, e.g. \{\{ \$json.text \}\}, or convert it with JSON.stringify\(\)/;
const PROMPT_TYPE_FIX = /Map a text field, e.g. \{\{ \$json.prompt \}\}/;

const cases: Case[] = [
	// ----- chat prompt ------------------------------------------------------------------------------
	{ name: 'chat: empty prompt', node: 'mistralChat', parameters: { model: chatModel() }, items: chatItems(''), bad: 1, message: PROMPT_EMPTY, fix: PROMPT_FIX, maxRequests: 2 },
	{ name: 'chat: whitespace prompt', node: 'mistralChat', parameters: { model: chatModel() }, items: chatItems('  \n\t '), bad: 1, message: PROMPT_EMPTY, fix: PROMPT_FIX, maxRequests: 2 },
	{ name: 'chat: null prompt', node: 'mistralChat', parameters: { model: chatModel() }, items: chatItems(null), bad: 1, message: PROMPT_EMPTY, fix: PROMPT_FIX, maxRequests: 2 },
	{ name: 'chat: number prompt', node: 'mistralChat', parameters: { model: chatModel() }, items: chatItems(42), bad: 1, message: /"Prompt" must be text, got a number/, fix: PROMPT_TYPE_FIX, maxRequests: 2 },
	{ name: 'chat: object prompt', node: 'mistralChat', parameters: { model: chatModel() }, items: chatItems({ question: 'why?' }), bad: 1, message: /"Prompt" must be text, got an object/, fix: PROMPT_TYPE_FIX, maxRequests: 2 },

	// ----- embed text -------------------------------------------------------------------------------
	{ name: 'embed: empty text', node: 'mistralEmbed', parameters: { model: embedModel() }, items: embedItems(''), bad: 1, message: TEXT_EMPTY, fix: TEXT_EMPTY_FIX, maxRequests: 1 },
	{ name: 'embed: whitespace text', node: 'mistralEmbed', parameters: { model: embedModel() }, items: embedItems(' \n\t  '), bad: 1, message: TEXT_EMPTY, fix: TEXT_EMPTY_FIX, maxRequests: 1 },
	{ name: 'embed: null text', node: 'mistralEmbed', parameters: { model: embedModel() }, items: embedItems(null), bad: 1, message: /"Text" is null, not text/, fix: TEXT_TYPE_FIX, maxRequests: 1 },
	{ name: 'embed: number text', node: 'mistralEmbed', parameters: { model: embedModel() }, items: embedItems(42), bad: 1, message: /"Text" is a number, not text/, fix: TEXT_TYPE_FIX, maxRequests: 1 },
	{ name: 'embed: object text', node: 'mistralEmbed', parameters: { model: embedModel() }, items: embedItems({ body: 'x' }), bad: 1, message: /"Text" is an object, not text/, fix: TEXT_TYPE_FIX, maxRequests: 1 },
	{
		name: 'embed: 100,000-character text (over 8,192 tokens) fails alone',
		node: 'mistralEmbed',
		parameters: { model: embedModel() },
		items: embedItems(HUGE_TEXT),
		bad: 1,
		message: /(too many tokens|has \d+ tokens, exceeding the maximum of 8192 tokens)/i,
		fix: /Check the node's parameters for this item/,
	},

	// ----- JSON editors -----------------------------------------------------------------------------
	{
		name: 'chat: invalid JSON in the JSON-schema editor',
		node: 'mistralChat',
		parameters: { model: chatModel(), responseFormat: 'json_schema', schemaName: 'echo', jsonSchema: '={{ $json.schema }}' },
		items: chatItems('p1', (i) => ({ schema: i === 1 ? '{"type": "object", "properties": {' : '{"type":"object","properties":{"echo":{"type":"string"}}}' })),
		bad: 1,
		message: /"JSON Schema" is not valid JSON/,
		fix: /Fix the JSON in the editor/,
		good: (json, i) => JSON.stringify(json.content) === JSON.stringify({ echo: `p${i}` }),
		maxRequests: 2,
	},
	{
		name: 'chat: invalid JSON in the tools editor',
		node: 'mistralChat',
		parameters: { model: chatModel(), options: { tools: '={{ $json.tools }}' } },
		items: chatItems('p1', (i) => ({ tools: i === 1 ? '[{"type": "function", "function": {"name": "lookup",' : '' })),
		bad: 1,
		message: /"Tools" is not valid JSON/,
		fix: /Fix the JSON in the editor/,
		maxRequests: 2,
	},

	// ----- model ------------------------------------------------------------------------------------
	{
		name: 'chat: unknown model (server answers 400)',
		node: 'mistralChat',
		parameters: { model: { __rl: true, mode: 'id', value: '={{ $json.model }}' } },
		items: chatItems('p1', (i) => ({ model: i === 1 ? UNKNOWN_MODEL : 'mistral-small-latest' })),
		bad: 1,
		message: new RegExp(`Model "${UNKNOWN_MODEL}" was not found \\(400\\)`),
		fix: /Pick a model from the list, or check the model ID/,
		setup: ({ server }) => server.configure({ unknownModelStatus: 400 }),
	},
	{
		name: 'chat: unknown model (server answers 404)',
		node: 'mistralChat',
		parameters: { model: { __rl: true, mode: 'id', value: '={{ $json.model }}' } },
		items: chatItems('p1', (i) => ({ model: i === 1 ? UNKNOWN_MODEL : 'mistral-small-latest' })),
		bad: 1,
		message: new RegExp(`Model "${UNKNOWN_MODEL}" was not found \\(404\\)`),
		fix: /Pick a model from the list, or check the model ID/,
		setup: ({ server }) => server.configure({ unknownModelStatus: 404 }),
	},
	{
		name: 'embed: unknown model (server answers 400; the model is node-wide)',
		node: 'mistralEmbed',
		parameters: { model: embedModel(UNKNOWN_MODEL) },
		items: allGoodEmbed,
		bad: 'all',
		message: new RegExp(`Model "${UNKNOWN_MODEL}" was not found \\(400\\)`),
		fix: /Pick a model from the list, or check the model ID/,
		setup: ({ server }) => server.configure({ unknownModelStatus: 400 }),
		// One batch of three: one request. An "Invalid model" 400 blames no input, so the batch is not split.
		maxRequests: 1,
	},
	{
		name: 'embed: unknown model (server answers 404; the model is node-wide)',
		node: 'mistralEmbed',
		parameters: { model: embedModel(UNKNOWN_MODEL) },
		items: allGoodEmbed,
		bad: 'all',
		message: new RegExp(`Model "${UNKNOWN_MODEL}" was not found \\(404\\)`),
		fix: /Pick a model from the list, or check the model ID/,
		setup: ({ server }) => server.configure({ unknownModelStatus: 404 }),
		maxRequests: 1,
	},

	// ----- parameters -------------------------------------------------------------------------------
	{
		name: 'embed: output dimension over the model\'s maximum (node-wide)',
		node: 'mistralEmbed',
		parameters: { model: embedModel(), options: { outputDimension: 4096 } },
		items: allGoodEmbed,
		bad: 'all',
		message: /output_dimension 4096 is not supported by model mistral-embed/,
		fix: /the maximum is 1024/,
		// One batch of three: one request. A 400 that names no input is not split.
		maxRequests: 1,
	},
	{
		name: 'chat: temperature out of range (3)',
		node: 'mistralChat',
		parameters: { model: chatModel(), options: { temperature: '={{ $json.temperature }}' } },
		items: chatItems('p1', (i) => ({ temperature: i === 1 ? 3 : 0.2 })),
		bad: 1,
		message: /"Temperature" is 3; it must be a number from 0 to 1.5/,
		fix: /Set "Temperature" to a value in that range/,
		maxRequests: 2,
	},

	// ----- images -----------------------------------------------------------------------------------
	{
		name: 'chat: binary property missing',
		node: 'mistralChat',
		parameters: { model: chatModel('pixtral-12b-latest'), images: { image: [{ source: 'binary', binaryProperty: 'photo' }] } },
		items: () => [0, 1, 2].map((i) => binaryItem(PNG, 'image/png', `${i}.png`, { prompt: `p${i}` }, i === 1 ? 'attachment' : 'photo')),
		bad: 1,
		message: /Image 1 \(binary property "photo"\) is missing from the input item/,
		fix: /it has "attachment"/,
		good: (json, i) => json.content === `Echo: p${i} [images: 1]`,
		maxRequests: 2,
	},
	{
		name: 'chat: image Detail typed as an expression that is not one of its choices',
		node: 'mistralChat',
		parameters: { model: chatModel('pixtral-12b-latest'), images: { image: [{ source: 'binary', binaryProperty: 'photo', detail: '={{ $json.detail }}' }] } },
		items: () => [0, 1, 2].map((i) => binaryItem(PNG, 'image/png', `${i}.png`, { prompt: `p${i}`, detail: i === 1 ? 'ultra' : 'low' }, 'photo')),
		bad: 1,
		message: /^Image 1: "Detail" is "ultra"; it must be one of "auto", "low", "high"/,
		fix: /Set "Detail" to a value in that range/,
		good: (json, i) => json.content === `Echo: p${i} [images: 1]`,
		// Checked on every item before the first request; with Continue On Fail the others still go.
		maxRequests: 2,
	},
	{
		name: 'chat: binary that is not an image (a PDF)',
		node: 'mistralChat',
		parameters: { model: chatModel('pixtral-12b-latest'), images: { image: [{ source: 'binary', binaryProperty: 'data' }] } },
		items: () => [0, 1, 2].map((i) => (i === 1 ? binaryItem(PDF, 'application/pdf', 'invoice.pdf', { prompt: 'p1' }) : binaryItem(PNG, 'image/png', `${i}.png`, { prompt: `p${i}` }))),
		bad: 1,
		message: /Image 1 \(binary property "data"\) is not a PNG, JPEG, GIF or WEBP image \(it says "application\/pdf"\)/,
		fix: /Convert it to one of these formats/,
		good: (json, i) => json.content === `Echo: p${i} [images: 1]`,
		maxRequests: 2,
	},
	{
		name: 'chat: image over 20 MB',
		node: 'mistralChat',
		parameters: { model: chatModel('pixtral-12b-latest'), images: { image: [{ source: 'binary', binaryProperty: 'data' }] } },
		items: () => {
			const huge = Buffer.alloc(21 * 1024 * 1024);
			PNG.copy(huge);
			return [0, 1, 2].map((i) => (i === 1 ? binaryItem(huge, 'image/png', 'huge.png', { prompt: 'p1' }) : binaryItem(PNG, 'image/png', `${i}.png`, { prompt: `p${i}` })));
		},
		bad: 1,
		message: /Image 1 \(binary property "data"\) is 21.0 MB; Mistral accepts images up to 20 MB/,
		fix: /Resize or compress it first/,
		good: (json, i) => json.content === `Echo: p${i} [images: 1]`,
		maxRequests: 2,
	},

	// ----- base URL (credential: node-wide) ---------------------------------------------------------
	{
		name: 'chat: base URL malformed ("not a url")',
		node: 'mistralChat',
		parameters: { model: chatModel() },
		items: allGoodChat,
		bad: 'all',
		credentials: ({ server }) => ({ apiKey: server.apiKey as string, baseUrl: 'not a url' }),
		message: /The Base URL "not a url" is not a valid URL/,
		fix: /Use a full URL such as https:\/\/api\.mistral\.ai\/v1/,
		maxRequests: 0,
	},
	{
		name: 'embed: base URL malformed ("not a url")',
		node: 'mistralEmbed',
		parameters: { model: embedModel() },
		items: allGoodEmbed,
		bad: 'all',
		credentials: ({ server }) => ({ apiKey: server.apiKey as string, baseUrl: 'not a url' }),
		message: /The Base URL "not a url" is not a valid URL/,
		fix: /Use a full URL such as https:\/\/api\.mistral\.ai\/v1/,
		maxRequests: 0,
	},
	{
		name: 'chat: base URL without /v1 (404)',
		node: 'mistralChat',
		parameters: { model: chatModel() },
		items: allGoodChat,
		bad: 'all',
		credentials: ({ server }) => ({ apiKey: server.apiKey as string, baseUrl: server.origin }),
		message: /Not found \(404\)/,
		fix: /The Base URL usually ends with a version path such as \/v1/,
	},
	{
		name: 'embed: base URL without /v1 (404)',
		node: 'mistralEmbed',
		parameters: { model: embedModel() },
		items: allGoodEmbed,
		bad: 'all',
		credentials: ({ server }) => ({ apiKey: server.apiKey as string, baseUrl: server.origin }),
		message: /Not found \(404\)/,
		fix: /The Base URL usually ends with a version path such as \/v1/,
		maxRequests: 1,
	},
	{
		name: 'chat: base URL pointing at a server that answers HTML',
		node: 'mistralChat',
		parameters: { model: chatModel() },
		items: allGoodChat,
		bad: 'all',
		credentials: ({ htmlUrl }) => ({ apiKey: 'k', baseUrl: htmlUrl }),
		message: /The server at 127\.0\.0\.1:\d+ answered with an HTML page \(HTTP 200\)/,
		fix: /The Base URL seems to point at a web page, not an API/,
	},
	{
		name: 'embed: base URL pointing at a server that answers HTML',
		node: 'mistralEmbed',
		parameters: { model: embedModel() },
		items: allGoodEmbed,
		bad: 'all',
		credentials: ({ htmlUrl }) => ({ apiKey: 'k', baseUrl: htmlUrl }),
		message: /The server at 127\.0\.0\.1:\d+ answered with an HTML page \(HTTP 200\)/,
		fix: /The Base URL seems to point at a web page, not an API/,
	},

	// ----- malformed answers (scripted; one request at a time so item 1 gets the bad one) ------------
	{
		name: 'chat: a 200 without "choices"',
		node: 'mistralChat',
		parameters: { model: chatModel(), options: { maxConcurrency: 1 } },
		items: allGoodChat,
		bad: 1,
		setup: ({ server }) =>
			server.enqueue(
				{ path: '/chat/completions', body: chatAnswer('Echo: p0') },
				{ path: '/chat/completions', body: { id: 'x', object: 'chat.completion', model: 'mistral-small-latest', usage: { prompt_tokens: 1, completion_tokens: 0, total_tokens: 1 } } },
			),
		message: /The server answered without any "choices"/,
		fix: /Check that the Base URL points at a Mistral or OpenAI-compatible chat API/,
	},
	{
		name: 'embed: a 200 without "data"',
		node: 'mistralEmbed',
		parameters: { model: embedModel(), options: { batchSize: 1, maxConcurrency: 1 } },
		items: allGoodEmbed,
		bad: 1,
		setup: ({ server }) =>
			server.enqueue(
				{ path: '/embeddings', body: embedAnswer(embedText(0)) },
				{ path: '/embeddings', body: { id: 'x', object: 'list', model: 'mistral-embed', usage: { prompt_tokens: 1, total_tokens: 1 } } },
			),
		message: /The server answered without a "data" list/,
		fix: /Check that the Base URL points at an embeddings API/,
	},
	{
		name: 'embed: data[].index out of range',
		node: 'mistralEmbed',
		parameters: { model: embedModel(), options: { batchSize: 1, maxConcurrency: 1 } },
		items: allGoodEmbed,
		bad: 1,
		setup: ({ server }) => server.enqueue({ path: '/embeddings', body: embedAnswer(embedText(0)) }, { path: '/embeddings', body: embedAnswer(embedText(1), 3) }),
		message: /The server answered with data\[\]\.index 3, outside the 1 inputs sent/,
		fix: /does not answer as an embeddings API should: check the Base URL/,
	},

	// ----- conversation history ---------------------------------------------------------------------
	{
		name: 'chat: history with an unknown role',
		node: 'mistralChat',
		parameters: { model: chatModel(), options: { historyField: 'history' } },
		items: chatItems('p1', (i) => ({ history: [{ role: i === 1 ? 'robot' : 'user', content: 'earlier' }, { role: 'assistant', content: 'ok' }] })),
		bad: 1,
		message: /Message 0 of field "history" has role "robot"/,
		fix: /use one of "system", "user", "assistant", "tool"/,
		maxRequests: 2,
	},
];

function defaultGood(node: NodeName, items: INodeExecutionData[]): (json: IDataObject, itemIndex: number) => boolean {
	if (node === 'mistralChat') return (json, i) => json.content === `Echo: ${String(items[i].json.prompt)}`;
	return (json, i) => JSON.stringify(json.embedding) === JSON.stringify(embeddingFor(String(items[i].json.text), 'mistral-embed', 1024));
}

describe('bad input: a clear message naming the item; with Continue On Fail only that item fails', () => {
	const env = {} as Env;
	let html: http.Server;

	beforeAll(async () => {
		env.server = await startMistralServer();
		html = http.createServer((_req, res) => {
			res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
			res.end('<!doctype html><html><head><title>Welcome</title></head><body><h1>It works!</h1></body></html>');
		});
		await new Promise<void>((resolve) => html.listen(0, '127.0.0.1', resolve));
		env.htmlUrl = `http://127.0.0.1:${(html.address() as AddressInfo).port}/v1`;
	});
	afterAll(async () => {
		await env.server.close();
		html.closeAllConnections();
		await new Promise<void>((resolve) => html.close(() => resolve()));
	});

	it('the 100,000-character text is really over the server\'s 8,192-token limit', () => {
		expect(HUGE_TEXT.length).toBe(100_000);
		expect(countEmbeddingTokens(HUGE_TEXT)).toBeGreaterThan(8192);
	});

	it('credential test: a Base URL that answers a web page (HTML 200) is not "Connection successful"', async () => {
		const outcome = await testCredential({ apiKey: 'k', baseUrl: env.htmlUrl });
		// The credential's responseSuccessBody rule: a 200 without a `data` list is not a model list.
		expect(outcome.status).toBe('Error');
		expect(outcome.message).toMatch(/Base URL/);
	});

	it('every case asserts a fix beyond its message pattern (a fix the message pattern already holds cannot fail)', () => {
		const restated = cases.filter((c) => c.message.source.includes(c.fix.source)).map((c) => c.name);
		expect(restated).toEqual([]);
		expect(cases.length).toBeGreaterThan(20);
	});

	it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
		const credentials = c.credentials?.(env) ?? { apiKey: env.server.apiKey as string, baseUrl: env.server.url };
		const run = async (continueOnFail: boolean): Promise<RunNodeResult> => {
			env.server.reset();
			env.server.configure({ unknownModelStatus: undefined });
			c.setup?.(env);
			return await runNode({ node: c.node, parameters: c.parameters, items: c.items(), credentials, continueOnFail });
		};
		const badIndex = c.bad === 'all' ? 0 : c.bad;

		// 1. Without Continue On Fail: the node fails, naming the item and what to fix.
		const stopped = await run(false);
		expect(stopped.status).toBe('error');
		expect(stopped.error).toBeDefined();
		expect(stopped.error?.message).toMatch(c.message);
		expect(stopped.error?.message).toMatch(new RegExp(`\\[item ${badIndex}\\]$`));
		expect(`${stopped.error?.message}\n${stopped.error?.description ?? ''}`).toMatch(c.fix);

		// 2. With Continue On Fail: only the bad item fails.
		const continued = await run(true);
		const requests = env.server.requests.length;
		expect(continued.error).toBeUndefined();
		const items = c.items();
		expect(continued.items).toHaveLength(items.length);
		const good = c.good ?? defaultGood(c.node, items);
		continued.items.forEach((item, i) => {
			expect(item.pairedItem).toEqual({ item: i });
			const isBad = c.bad === 'all' || c.bad === i;
			if (isBad) {
				expect(item.json.error).toMatch(c.message);
				expect(item.json.error).toMatch(new RegExp(`\\[item ${i}\\]$`));
				expect(`${String(item.json.error)}\n${String(item.json.errorDescription ?? '')}`).toMatch(c.fix);
			} else {
				expect(item.json.error).toBeUndefined();
				expect(good(item.json, i)).toBe(true);
			}
		});
		if (c.maxRequests !== undefined) expect(requests).toBeLessThanOrEqual(c.maxRequests);
	});
});
