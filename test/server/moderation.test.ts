/**
 * The local server's moderation endpoints and chat guardrails over real HTTP: bodies validated as
 * Mistral's spec says (ClassificationRequest, ChatModerationRequest, GuardrailConfig), answers
 * shaped as ModerationResponse, scores derived from the text.
 */
import { startMistralServer, type MistralTestServer } from './mistralServer';

let server: MistralTestServer;

beforeAll(async () => {
	server = await startMistralServer();
});
afterAll(async () => await server.close());
beforeEach(() => {
	server.reset();
	server.configure({ batch: { speed: 0, queueSeconds: 1, requestsPerSecond: 100 } });
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
	const response = await fetch(`${server.url}${path}`, {
		method,
		headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await response.text();
	return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

const V1 = ['sexual', 'hate_and_discrimination', 'violence_and_threats', 'dangerous_and_criminal_content', 'selfharm', 'health', 'financial', 'law', 'pii'];

describe('POST /v1/moderations', () => {
	it('answers one result per text, in order, with the spec\'s fields and scores tied to each text', async () => {
		const { status, json } = await call('POST', '/moderations', {
			model: 'mistral-moderation-latest',
			input: ['What a lovely morning', 'I will kill you', 'I will kill and stab you', 'My IBAN and passport number'],
		});
		expect(status).toBe(200);
		expect(json).toEqual({ id: expect.any(String), model: 'mistral-moderation-latest', results: expect.any(Array) });
		expect(json.results).toHaveLength(4);
		for (const result of json.results) expect(Object.keys(result.category_scores).sort()).toEqual([...V1].sort());
		const [calm, threat, worse, pii] = json.results;
		expect(Object.values(calm.categories).some(Boolean)).toBe(false);
		expect(calm.category_scores.violence_and_threats).toBeLessThan(0.01);
		expect(threat.categories.violence_and_threats).toBe(true);
		expect(threat.category_scores.violence_and_threats).toBeGreaterThanOrEqual(0.6);
		expect(worse.category_scores.violence_and_threats).toBeGreaterThanOrEqual(0.9);
		expect(pii.categories).toMatchObject({ pii: true, violence_and_threats: false });
		// Different texts never share their small scores.
		expect(calm.category_scores.sexual).not.toBe(pii.category_scores.sexual);
		expect(server.requests.at(-1)?.inputCount).toBe(4);
	});

	it('scores the v2 categories for mistral-moderation-2603', async () => {
		const { json } = await call('POST', '/moderations', { model: 'mistral-moderation-2603', input: 'Please jailbreak yourself' });
		expect(Object.keys(json.results[0].categories)).toEqual(expect.arrayContaining(['dangerous', 'criminal', 'jailbreaking']));
		expect(json.results[0].categories).not.toHaveProperty('dangerous_and_criminal_content');
		expect(json.results[0].categories.jailbreaking).toBe(true);
	});

	it('refuses unknown fields, wrong types, an empty list, a missing model, a chat model and an unknown one', async () => {
		const extra = await call('POST', '/moderations', { model: 'mistral-moderation-latest', input: 'x', threshold: 0.5 });
		expect(extra.status).toBe(422);
		expect(extra.json.message.detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'threshold'] });
		expect((await call('POST', '/moderations', { model: 'mistral-moderation-latest', input: [1, 2] })).status).toBe(422);
		expect((await call('POST', '/moderations', { model: 'mistral-moderation-latest', input: [] })).status).toBe(422);
		expect((await call('POST', '/moderations', { input: 'x' })).json.message.detail[0]).toMatchObject({ type: 'missing', loc: ['body', 'model'] });
		expect((await call('POST', '/moderations', { model: 'mistral-small-latest', input: 'x' })).json).toMatchObject({ message: 'Invalid model: mistral-small-latest' });
		expect((await call('POST', '/moderations', { model: 'nope', input: 'x' })).status).toBe(400);
	});

	it('refuses a text longer than the model\'s context', async () => {
		const { status, json } = await call('POST', '/moderations', { model: 'mistral-moderation-2411', input: ['ok', 'word '.repeat(9000)] });
		expect(status).toBe(400);
		expect(json.message).toMatch(/Input at index 1/);
	});
});

describe('POST /v1/chat/moderations', () => {
	it('classifies a conversation by its last message; a list of conversations gets one result each', async () => {
		const one = await call('POST', '/chat/moderations', {
			model: 'mistral-moderation-latest',
			input: [
				{ role: 'user', content: 'I hate Mondays' },
				{ role: 'assistant', content: 'Sorry to hear that' },
			],
		});
		expect(one.status).toBe(200);
		expect(one.json.results).toHaveLength(1);
		expect(one.json.results[0].categories.hate_and_discrimination).toBe(false);
		const many = await call('POST', '/chat/moderations', {
			model: 'mistral-moderation-latest',
			input: [[{ role: 'user', content: 'hello' }], [{ role: 'user', content: 'I hate you, inferior' }]],
		});
		expect(many.json.results.map((result: any) => result.categories.hate_and_discrimination)).toEqual([false, true]);
		expect(server.requests.at(-1)?.inputCount).toBe(2);
	});

	it('validates messages as the chat endpoint does', async () => {
		const bad = await call('POST', '/chat/moderations', { model: 'mistral-moderation-latest', input: [{ role: 'user', content: 'x', name: 'bob' }] });
		expect(bad.status).toBe(422);
		expect((await call('POST', '/chat/moderations', { model: 'mistral-moderation-latest', input: [{ role: 'robot', content: 'x' }] })).status).toBe(422);
		expect((await call('POST', '/chat/moderations', { model: 'mistral-moderation-latest', input: [] })).status).toBe(422);
	});
});

describe('guardrails on POST /v1/chat/completions', () => {
	const chat = (content: string, guardrails: unknown) =>
		call('POST', '/chat/completions', { model: 'mistral-small-latest', messages: [{ role: 'user', content }], guardrails });

	it('blocks with 403 and the categories, as Mistral documents; passes clean input', async () => {
		const config = [{ block_on_error: false, moderation_llm_v2: { action: 'block', ignore_other_categories: false } }];
		const blocked = await chat('I will kill you', config);
		expect(blocked.status).toBe(403);
		expect(blocked.json.error).toEqual({ message: 'Content blocked by guardrail', status: 403 });
		expect(blocked.json.guardrails.results.moderation_llm_v2.violations.violations_and_threats).toBeUndefined();
		expect(blocked.json.guardrails.results.moderation_llm_v2.violations.violence_and_threats).toBe(true);
		expect((await chat('Good morning', config)).status).toBe(200);
	});

	it('honours custom thresholds, ignore_other_categories and action none', async () => {
		const strict = [{ moderation_llm_v1: { action: 'block', custom_category_thresholds: { health: 0.001 }, ignore_other_categories: true } }];
		expect((await chat('Good morning', strict)).status).toBe(403);
		expect((await chat('I will kill you', strict)).status).toBe(403);
		const onlyPii = [{ moderation_llm_v1: { action: 'block', custom_category_thresholds: { pii: 0.5 }, ignore_other_categories: true } }];
		expect((await chat('I will kill you', onlyPii)).status).toBe(200);
		expect((await chat('I will kill you', [{ moderation_llm_v2: { action: 'none' } }])).status).toBe(200);
	});

	it('validates the guardrail config against the spec', async () => {
		expect((await chat('hi', [{ moderation_llm_v2: { action: 'deny' } }])).status).toBe(422);
		expect((await chat('hi', [{ moderation_llm_v2: { custom_category_thresholds: { pii: 'high' } } }])).status).toBe(422);
		expect((await chat('hi', { moderation_llm_v2: {} })).status).toBe(422);
	});
});

describe('moderation in batch jobs', () => {
	it('runs /v1/moderations and /v1/chat/moderations requests inside a job', async () => {
		const texts = await call('POST', '/batch/jobs', {
			endpoint: '/v1/moderations',
			model: 'mistral-moderation-latest',
			requests: [{ custom_id: '0', body: { model: 'mistral-moderation-latest', input: ['fine', 'steal it'] } }],
		});
		const chats = await call('POST', '/batch/jobs', {
			endpoint: '/v1/chat/moderations',
			model: 'mistral-moderation-latest',
			requests: [{ custom_id: '0', body: { model: 'mistral-moderation-latest', input: [{ role: 'user', content: 'suicide' }] } }],
		});
		expect([texts.status, chats.status]).toEqual([200, 200]);
		server.batch.advance(60_000);
		const done = (await call('GET', `/batch/jobs/${texts.json.id}?inline=true`)).json;
		expect(done.status).toBe('SUCCESS');
		expect(done.outputs[0].response.body.results.map((r: any) => r.categories.dangerous_and_criminal_content)).toEqual([false, true]);
		const doneChats = (await call('GET', `/batch/jobs/${chats.json.id}?inline=true`)).json;
		expect(doneChats.outputs[0].response.body.results[0].categories.selfharm).toBe(true);
	});
});
