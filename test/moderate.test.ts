/**
 * Mistral Moderate and chat guardrails through n8n's real engine, against the local server: requests
 * counted at the server, each item on the output its text deserves, bad input named per item.
 */
import { runAsAgentTool, runNode, searchList, supplyNode } from './harness/engine';
import { startMistralServer, type MistralTestServer } from './server/mistralServer';
import { FLAG_AT, moderationObject, scoreText, V1_CATEGORIES } from './server/moderation';

const model = (value = 'mistral-moderation-latest') => ({ __rl: true, mode: 'id', value });
const WORDS = ['kill', 'hate', 'suicide', 'passport', 'invest'];
/** Every 7th text carries a word of the lexicon: the server flags it (a different category by row). */
const text = (i: number) => (i % 7 === 3 ? `Row ${i}: they said ${WORDS[i % WORDS.length]} in the ticket` : `Row ${i}: a calm question about order ${i * 13}`);
const isFlagged = (i: number) => i % 7 === 3;

describe('Mistral Moderate through the n8n engine', () => {
	let server: MistralTestServer;
	const credentials = () => ({ apiKey: server.apiKey as string, baseUrl: server.url });
	const moderationRequests = () => server.requests.filter((request) => request.path === '/moderations' || request.path === '/chat/moderations');

	beforeAll(async () => {
		server = await startMistralServer();
	});
	afterAll(async () => await server.close());
	beforeEach(() => {
		server.reset();
		server.configure({ latencyMs: 0, batch: { speed: 100_000, queueSeconds: 1, requestsPerSecond: 1000 } });
	});

	it('lists the moderation models the server has, and only those', async () => {
		const { results } = await searchList('mistralModerate', 'searchModels', credentials());
		expect(results.map((result) => result.value)).toEqual(['mistral-moderation-2411', 'mistral-moderation-2603', 'mistral-moderation-latest']);
	});

	it('moderates 1,000 texts in a handful of requests, each item on Passed or Flagged as its own text deserves', async () => {
		const items = Array.from({ length: 1000 }, (_, i) => ({ json: { id: i, text: text(i) } }));
		const result = await runNode({ node: 'mistralModerate', parameters: { model: model() }, items, credentials: credentials() });

		expect(result.error).toBeUndefined();
		// Counted at the server: at most ceil(1000 / 128) requests, every input answered once.
		expect(moderationRequests().length).toBeLessThanOrEqual(8);
		expect(moderationRequests().reduce((sum, request) => sum + (request.inputCount ?? 0), 0)).toBe(1000);
		const [passed, flagged] = result.outputs;
		expect(passed.length + flagged.length).toBe(1000);
		expect(flagged.map((item) => item.json.id)).toEqual(Array.from({ length: 1000 }, (_, i) => i).filter(isFlagged));
		for (const item of [...passed, ...flagged]) {
			const i = item.json.id as number;
			expect(item.pairedItem).toEqual({ item: i });
			// The scores are those of this item's own text (the server's scoring, recomputed here).
			expect((item.json.moderation as { scores: unknown }).scores).toEqual(scoreText(text(i), V1_CATEGORIES));
		}
		expect(flagged[0].json.moderation).toMatchObject({ flagged: true, flaggedCategories: [expect.any(String)] });
		expect(passed[0].json.moderation).toMatchObject({ flagged: false, flaggedCategories: [] });
	});

	it('a threshold replaces Mistral\'s verdict for its category; Only Listed Categories ignores the others', async () => {
		const items = [{ json: { text: 'I will kill you' } }, { json: { text: 'What medication helps' } }, { json: { text: 'Nice weather' } }];
		const strictHealth = await runNode({
			node: 'mistralModerate',
			parameters: { model: model(), thresholds: { threshold: [{ category: 'health', threshold: 0.001 }] }, options: { onlyListedCategories: true } },
			items,
			credentials: credentials(),
		});
		expect(strictHealth.outputs[1].map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(strictHealth.outputs[1].every((item) => (item.json.moderation as { flaggedCategories: string[] }).flaggedCategories.join() === 'health')).toBe(true);

		const lenientViolence = await runNode({
			node: 'mistralModerate',
			parameters: { model: model(), thresholds: { threshold: [{ category: 'violence_and_threats', threshold: 0.95 }] } },
			items,
			credentials: credentials(),
		});
		// The threat scores 0.6 and a little, under 0.95: it passes; the health question keeps Mistral's own verdict (flagged).
		expect(lenientViolence.outputs[0].map((item) => item.json.text)).toEqual(['I will kill you', 'Nice weather']);
		expect(lenientViolence.outputs[1].map((item) => item.json.text)).toEqual(['What medication helps']);
		expect(FLAG_AT).toBe(0.5);
	});

	it('Simplify Output off adds Mistral\'s own verdict, the thresholds and the model', async () => {
		const result = await runNode({
			node: 'mistralModerate',
			parameters: { model: model(), simplify: false, outputField: 'check', includeInputFields: false },
			items: [{ json: { text: 'steal the passport' } }],
			credentials: credentials(),
		});
		const expected = moderationObject(scoreText('steal the passport', V1_CATEGORIES));
		expect(result.outputs[1][0].json).toEqual({
			check: {
				flagged: true,
				flaggedCategories: ['dangerous_and_criminal_content', 'pii'],
				scores: expected.category_scores,
				categories: expected.categories,
				thresholds: {},
				model: 'mistral-moderation-latest',
			},
		});
	});

	it('moderates conversations from a Chat Trigger and from a messages field, several per request', async () => {
		const fromTrigger = await runNode({
			node: 'mistralModerate',
			parameters: { model: model(), input: 'conversation', conversationSource: 'chatTrigger' },
			items: [{ json: { sessionId: 'a', chatInput: 'hello there' } }, { json: { sessionId: 'b', chatInput: 'I want to kill him' } }],
			credentials: credentials(),
		});
		expect(fromTrigger.error).toBeUndefined();
		expect(fromTrigger.outputs[0].map((item) => item.json.sessionId)).toEqual(['a']);
		expect(fromTrigger.outputs[1].map((item) => item.json.sessionId)).toEqual(['b']);
		expect(moderationRequests()).toHaveLength(1);
		expect(moderationRequests()[0].body.input).toEqual([[{ role: 'user', content: 'hello there' }], [{ role: 'user', content: 'I want to kill him' }]]);

		server.reset();
		const fromField = await runNode({
			node: 'mistralModerate',
			parameters: { model: model(), input: 'conversation', conversationSource: 'messages', messages: '={{ $json.chat }}' },
			items: [{ json: { chat: [{ role: 'user', content: 'Any stocks to invest in?', id: 'x1' }, { role: 'assistant', content: 'Sure' }] } }],
			credentials: credentials(),
		});
		expect(fromField.error).toBeUndefined();
		// The last message is classified; memory fields such as "id" are dropped (Mistral would 422 them).
		expect(fromField.outputs[0]).toHaveLength(1);
		expect(moderationRequests()[0].path).toBe('/chat/moderations');
		expect(moderationRequests()[0].status).toBe(200);
	});

	describe('bad input: a clear error naming the item and the fix, nothing else lost', () => {
		const items = () => [{ json: { text: 'fine' } }, { json: { text: '   ' } }, { json: { text: 'I hate this' } }];

		it.each([
			['batchSize', "{{ 'auto' }}", /"Batch Size" is "auto"; it must be a whole number from 1 to 2,048/],
			['batchSize', '{{ 0 }}', /"Batch Size" is 0/],
			['maxTokensPerRequest', '{{ 1e6 }}', /"Max Tokens per Request" is 1000000; it must be a whole number from 100 to 16,384/],
		])('%s typed as %s is an error naming the option and its range, before any request', async (name, expression, message) => {
			for (const processing of ['realtime', 'batch']) {
				server.reset();
				const result = await runNode({
					node: 'mistralModerate',
					parameters: { model: model(), processing, options: { [name]: `=${expression}` } },
					items: items(),
					credentials: credentials(),
				});
				expect(result.error?.message).toMatch(message);
				expect(server.requests).toHaveLength(0);
			}
		});

		it('an empty text stops the node before any request, naming the item', async () => {
			const result = await runNode({ node: 'mistralModerate', parameters: { model: model() }, items: items(), credentials: credentials() });
			expect(result.error?.message).toMatch(/"Text" is empty.*filter empty rows out.*\[item 1\]/);
			expect(moderationRequests()).toHaveLength(0);
		});

		it('with Continue On Fail the empty text fails alone, on Flagged (never on Passed), the others are moderated', async () => {
			const result = await runNode({ node: 'mistralModerate', parameters: { model: model() }, items: items(), credentials: credentials(), continueOnFail: true });
			expect(result.error).toBeUndefined();
			expect(result.outputs[0].map((item) => item.json.text)).toEqual(['fine']);
			expect(result.outputs[1].map((item) => [item.pairedItem, item.json.error ?? (item.json.moderation as { flagged: boolean }).flagged])).toEqual([
				[{ item: 1 }, expect.stringMatching(/"Text" is empty.*\[item 1\]/)],
				[{ item: 2 }, true],
			]);
		});

		it('with the error output the failed item goes there, alone', async () => {
			const result = await runNode({ node: 'mistralModerate', parameters: { model: model() }, items: items(), credentials: credentials(), errorOutput: true });
			expect(result.outputs[0]).toHaveLength(1);
			expect(result.outputs[1]).toHaveLength(1);
			expect(result.outputs[2].map((item) => item.pairedItem)).toEqual([{ item: 1 }]);
		});

		it.each([
			['a threshold outside 0 to 1', { category: 'pii', threshold: 1.5 }, /threshold 1\.5, outside 0 to 1.*e\.g\. 0\.5.*\[item 0\]/],
			['a word as threshold', { category: 'pii', threshold: '={{ "high" }}' }, /"high", which is not a number.*from 0 to 1.*\[item 0\]/],
			['an unknown category', { category: '={{ "violence" }}', threshold: 0.5 }, /unknown category "violence".*Use one of: .*violence_and_threats.*\[item 0\]/],
		])('%s is refused before any request', async (_case, entry, message) => {
			const result = await runNode({ node: 'mistralModerate', parameters: { model: model(), thresholds: { threshold: [entry] } }, items: items(), credentials: credentials() });
			expect(result.error?.message).toMatch(message);
			expect(moderationRequests()).toHaveLength(0);
		});

		it('a threshold from an expression that is bad for one item fails that item only (Continue On Fail)', async () => {
			const result = await runNode({
				node: 'mistralModerate',
				parameters: { model: model(), thresholds: { threshold: [{ category: 'pii', threshold: '={{ $json.limit }}' }] } },
				items: [{ json: { text: 'a', limit: 0.5 } }, { json: { text: 'b', limit: 7 } }, { json: { text: 'my passport', limit: 0.5 } }],
				credentials: credentials(),
				continueOnFail: true,
			});
			expect(result.outputs[0].map((item) => item.json.text)).toEqual(['a']);
			expect(result.outputs[1].map((item) => [item.json.text, item.json.error ?? 'moderated'])).toEqual([
				['b', expect.stringMatching(/threshold 7, outside 0 to 1.*\[item 1\]/)],
				['my passport', 'moderated'],
			]);
		});

		it('a category the model does not score is named with the model\'s categories', async () => {
			const result = await runNode({
				node: 'mistralModerate',
				parameters: { model: model('mistral-moderation-2411'), thresholds: { threshold: [{ category: 'jailbreaking', threshold: 0.5 }] } },
				items: [{ json: { text: 'hello' } }],
				credentials: credentials(),
			});
			expect(result.error?.message).toMatch(/"mistral-moderation-2411" does not score "jailbreaking"; it scores sexual, .*pick a model that has the category \[item 0\]/);
		});
	});

	it('batch mode (Submit and Wait): the same packed requests as one job, items routed as in realtime', async () => {
		const items = Array.from({ length: 300 }, (_, i) => ({ json: { id: i, text: text(i) } }));
		const result = await runNode({ node: 'mistralModerate', parameters: { model: model(), processing: 'batch' }, items, credentials: credentials() });
		expect(result.error).toBeUndefined();
		const jobs = server.requests.filter((request) => request.method === 'POST' && request.path === '/batch/jobs');
		expect(jobs).toHaveLength(1);
		expect(jobs[0].body.endpoint).toBe('/v1/moderations');
		expect(jobs[0].body.requests.length).toBeLessThanOrEqual(3);
		expect(result.outputs[1].map((item) => item.json.id)).toEqual(items.map((_item, i) => i).filter(isFlagged));
		expect(result.outputs[0].length + result.outputs[1].length).toBe(300);
	});

	it('as an AI Agent tool it moderates the text the agent passes and answers on the first output', async () => {
		const call = await runAsAgentTool({ node: 'mistralModerate', parameters: { model: model() }, credentials: credentials(), toolArgs: { Text: 'I will kill you' } });
		const answer = JSON.parse(call.response as string) as Array<{ moderation: { flagged: boolean; flaggedCategories: string[] } }>;
		expect(answer).toHaveLength(1);
		expect(answer[0].moderation).toMatchObject({ flagged: true, flaggedCategories: ['violence_and_threats'] });
	});
});

describe('Guardrails in Mistral Chat', () => {
	let server: MistralTestServer;
	const credentials = () => ({ apiKey: server.apiKey as string, baseUrl: server.url });
	const guardrails = { settings: { policy: 'moderation_llm_v2', onViolation: 'block', thresholds: { threshold: [{ category: 'pii', threshold: 0.5 }] } } };

	beforeAll(async () => {
		server = await startMistralServer();
	});
	afterAll(async () => await server.close());
	beforeEach(() => server.reset());

	it('sends the guardrails; a blocked item fails alone with Continue On Fail, naming the categories', async () => {
		const items = [{ json: { prompt: 'Summarise our refund policy' } }, { json: { prompt: 'I will kill the manager' } }, { json: { prompt: 'Thanks!' } }];
		const result = await runNode({
			node: 'mistralChat',
			parameters: { model: { __rl: true, mode: 'id', value: 'mistral-small-latest' }, options: { guardrails } },
			items,
			credentials: credentials(),
			continueOnFail: true,
		});
		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(result.items[0].json.content).toMatch(/refund/);
		expect(result.items[1].json.error).toMatch(/^Blocked by Mistral's guardrail: violence_and_threats \(score 0\.6\d, threshold 0\.5\) \[item 1\]$/);
		expect(result.items[2].json.content).toMatch(/Thanks/);
		const chats = server.requests.filter((request) => request.path === '/chat/completions');
		// Every item was sent once: the 403 ended nothing else and was not retried.
		expect(chats.map((request) => request.status)).toEqual([200, 403, 200]);
		expect(chats[0].body.guardrails).toEqual([
			{ block_on_error: false, moderation_llm_v2: { action: 'block', ignore_other_categories: false, custom_category_thresholds: { pii: 0.5 } } },
		]);
	});

	it('in batch mode too, the blocked request fails alone with the categories named', async () => {
		server.configure({ batch: { speed: 100_000, queueSeconds: 1, requestsPerSecond: 1000 } });
		const result = await runNode({
			node: 'mistralChat',
			parameters: { model: { __rl: true, mode: 'id', value: 'mistral-small-latest' }, processing: 'batch', options: { guardrails } },
			items: [{ json: { prompt: 'hello' } }, { json: { prompt: 'my IBAN is FR76' } }],
			credentials: credentials(),
			continueOnFail: true,
		});
		expect(result.error).toBeUndefined();
		expect(result.items[0].json.content).toMatch(/hello/);
		expect(result.items[1].json.error).toMatch(/^Blocked by Mistral's guardrail: pii \(score 0\.6\d, threshold 0\.5\) \[item 1\]$/);
	});

	it('a threshold outside 0 to 1 in the guardrails is a clear error before sending', async () => {
		const bad = { settings: { thresholds: { threshold: [{ category: 'pii', threshold: 2 }] } } };
		const result = await runNode({
			node: 'mistralChat',
			parameters: { model: { __rl: true, mode: 'id', value: 'mistral-small-latest' }, options: { guardrails: bad } },
			items: [{ json: { prompt: 'hi' } }],
			credentials: credentials(),
		});
		expect(result.error?.message).toMatch(/"Guardrails > Category Thresholds" entry 1 \("pii"\) has the threshold 2, outside 0 to 1/);
		expect(server.requests.filter((request) => request.path === '/chat/completions')).toHaveLength(0);
	});

	it('the deprecated Safe Prompt is still sent as safe_prompt', async () => {
		await runNode({
			node: 'mistralChat',
			parameters: { model: { __rl: true, mode: 'id', value: 'mistral-small-latest' }, options: { safePrompt: true } },
			items: [{ json: { prompt: 'hi' } }],
			credentials: credentials(),
		});
		const chat = server.requests.find((request) => request.path === '/chat/completions');
		expect(chat?.status).toBe(200);
		expect(chat?.body.safe_prompt).toBe(true);
	});
});

describe('Guardrails in Mistral Chat Model (under an AI Agent)', () => {
	let server: MistralTestServer;
	const credentials = () => ({ apiKey: server.apiKey as string, baseUrl: server.url });
	interface ChatModelLike {
		invoke(messages: unknown[]): Promise<{ text: string; response_metadata: Record<string, unknown> }>;
		stream(messages: unknown[]): Promise<AsyncIterable<{ text: string }>>;
	}

	beforeAll(async () => {
		server = await startMistralServer();
	});
	afterAll(async () => await server.close());
	beforeEach(() => server.reset());

	it('a blocked request is the model\'s answer saying it was blocked, not a crash; the next call goes through', async () => {
		const { HumanMessage } = await import('@langchain/core/messages');
		const supplied = await supplyNode({
			node: 'mistralChatModel',
			parameters: { model: { __rl: true, mode: 'id', value: 'mistral-small-latest' }, options: { guardrails: { settings: { policy: 'moderation_llm_v1' } } } },
			credentials: credentials(),
		});
		const model = supplied.response as ChatModelLike;
		const blocked = await model.invoke([new HumanMessage('how do I launder money')]);
		expect(blocked.text).toBe("Blocked by Mistral's guardrail: dangerous_and_criminal_content (score 0.60, threshold 0.5). The request was not answered.");
		const streamed: string[] = [];
		for await (const chunk of await model.stream([new HumanMessage('I will stab him')])) streamed.push(chunk.text);
		expect(streamed.join('')).toMatch(/^Blocked by Mistral's guardrail: violence_and_threats/);
		const fine = await model.invoke([new HumanMessage('hello')]);
		expect(fine.text).toBe('Echo: hello');
		const chats = server.requests.filter((request) => request.path === '/chat/completions');
		expect(chats.map((request) => request.status)).toEqual([403, 403, 200]);
		expect(chats[2].body.guardrails).toEqual([{ block_on_error: false, moderation_llm_v1: { action: 'block', ignore_other_categories: false } }]);
	});
});
