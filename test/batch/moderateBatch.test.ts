/**
 * Mistral Moderate in batch mode, "Submit Only" then "Collect Results", through n8n's real engine
 * against the local server, which scores each text by its own words (test/server/moderation.ts): an
 * answer given to the wrong item shows in its scores.
 */
import type { IDataObject } from 'n8n-workflow';
import { runNode } from '../harness/engine';
import { startMistralServer, type MistralTestServer } from '../server/mistralServer';
import { scoreText, V1_CATEGORIES } from '../server/moderation';

const model = (value = 'mistral-moderation-latest') => ({ __rl: true, mode: 'id', value });
const WORDS = ['kill', 'hate', 'suicide', 'passport', 'invest'];
/** Every 7th text carries a word the server flags. */
const text = (i: number) => (i % 7 === 3 ? `Row ${i}: they said ${WORDS[i % WORDS.length]} in the ticket` : `Row ${i}: a calm question about order ${i * 13}`);
const isFlagged = (i: number) => i % 7 === 3;
const range = (count: number) => Array.from({ length: count }, (_, i) => i);

describe('Mistral Moderate batch: Submit Only, then Collect Results (n8n engine)', () => {
	let server: MistralTestServer;
	const credentials = () => ({ apiKey: server.apiKey as string, baseUrl: server.url });
	const jobCreations = () => server.requests.filter((request) => request.method === 'POST' && request.path === '/batch/jobs');
	const jobReads = () => server.requests.filter((request) => request.method === 'GET' && request.path.startsWith('/batch/jobs'));
	const realtimeModerations = () => server.requests.filter((request) => request.path === '/moderations' || request.path === '/chat/moderations');
	const parameters = (batchMode: string, extra: Record<string, unknown> = {}) => ({ model: model(), processing: 'batch', batchMode, ...extra });
	const scoresOf = (item: { json: IDataObject }) => (item.json.moderation as { scores: Record<string, number> }).scores;

	/** Submits the items while the job stays queued, then lets the job's clock run it to the end; the items as a Wait node passes them on. */
	async function submitted(items: Array<{ json: IDataObject }>, extra: Record<string, unknown> = {}) {
		const result = await runNode({ node: 'mistralModerate', parameters: parameters('submit', extra), items, credentials: credentials() });
		expect(result.error).toBeUndefined();
		server.batch.advance(3_600_000);
		return result.outputs[0].map((item) => ({ json: item.json }));
	}

	beforeAll(async () => {
		server = await startMistralServer();
	});
	afterAll(async () => await server.close());
	beforeEach(() => {
		server.reset();
		server.configure({ latencyMs: 0, faults: {}, batch: { speed: 1, queueSeconds: 600, requestsPerSecond: 1000 } });
	});

	it('60 texts in packed requests of one job; the collecting node routes each to Passed or Flagged with its own text\'s scores', async () => {
		const items = range(60).map((i) => ({ json: { id: i, text: text(i) } }));
		const submit = await runNode({ node: 'mistralModerate', parameters: parameters('submit', { options: { batchSize: 16 } }), items, credentials: credentials() });
		expect(submit.error).toBeUndefined();
		// Nothing is moderated yet: every item on the first output, with its reference, in order.
		expect(submit.outputs[1]).toEqual([]);
		expect(submit.outputs[0].map((item) => [item.json.id, item.pairedItem])).toEqual(range(60).map((i) => [i, { item: i }]));
		expect(jobCreations()).toHaveLength(1);
		const lines = jobCreations()[0].body.requests as Array<{ custom_id: string; body: { input: string[] } }>;
		expect(jobCreations()[0].body.endpoint).toBe('/v1/moderations');
		expect(lines.map((line) => line.body.input.length)).toEqual([16, 16, 16, 12]);
		expect(lines.flatMap((line) => line.body.input)).toEqual(range(60).map(text));
		const [job] = server.batch.jobSummaries();
		expect(submit.outputs[0][20].json.mistralBatch).toEqual({ jobIds: [job.id], parts: [{ jobId: job.id, customId: '1', index: 4, size: 16 }], model: 'mistral-moderation-latest', input: 'text' });
		expect(jobReads()).toHaveLength(0);

		server.batch.advance(3_600_000);
		const collected = await runNode({
			node: 'mistralModerate',
			parameters: parameters('collect'),
			items: submit.outputs[0].map((item) => ({ json: item.json })),
			credentials: credentials(),
		});
		expect(collected.error).toBeUndefined();
		const [passed, flagged] = collected.outputs;
		expect(flagged.map((item) => item.json.id)).toEqual(range(60).filter(isFlagged));
		expect(passed.map((item) => item.json.id)).toEqual(range(60).filter((i) => !isFlagged(i)));
		for (const item of [...passed, ...flagged]) {
			const i = item.json.id as number;
			expect(item.pairedItem).toEqual({ item: i });
			expect(item.json.text).toBe(text(i));
			expect(item.json).not.toHaveProperty('mistralBatch');
			expect(scoresOf(item)).toEqual(scoreText(text(i), V1_CATEGORIES));
		}
		const categoryOf: Record<string, string> = { kill: 'violence_and_threats', hate: 'hate_and_discrimination', suicide: 'selfharm', passport: 'pii', invest: 'financial' };
		for (const item of flagged) {
			expect(item.json.moderation).toMatchObject({ flagged: true, flaggedCategories: [categoryOf[WORDS[(item.json.id as number) % WORDS.length]]] });
		}
		expect(new Set(flagged.map((item) => (item.json.moderation as { flaggedCategories: string[] }).flaggedCategories[0])).size).toBe(5);
		for (const item of passed) expect(item.json.moderation).toMatchObject({ flagged: false, flaggedCategories: [] });
		// Collecting read the job and created nothing; no text went through realtime moderation.
		expect(jobCreations()).toHaveLength(1);
		expect(realtimeModerations()).toHaveLength(0);
	});

	it('the thresholds of the collecting node decide the routing, not those of the submitting node', async () => {
		const texts = ['I will kill you', 'What medication helps', 'Nice weather'];
		// The submitting node's threshold has nothing to decide yet: it is not what the collecting node applies.
		const items = await submitted(
			texts.map((value) => ({ json: { text: value } })),
			{ thresholds: { threshold: [{ category: 'violence_and_threats', threshold: 0.95 }] } },
		);
		const collect = async (extra: Record<string, unknown>) => {
			const result = await runNode({ node: 'mistralModerate', parameters: parameters('collect', extra), items, credentials: credentials() });
			expect(result.error).toBeUndefined();
			return result.outputs.map((output) => output.map((item) => item.json.text));
		};
		// No thresholds: Mistral's own verdict (the threat and the health question flagged).
		expect(await collect({})).toEqual([['Nice weather'], ['I will kill you', 'What medication helps']]);
		// A lenient violence threshold lets the threat (0.6 and a little) pass.
		expect(await collect({ thresholds: { threshold: [{ category: 'violence_and_threats', threshold: 0.95 }] } })).toEqual([
			['I will kill you', 'Nice weather'],
			['What medication helps'],
		]);
		// A strict health threshold with Only Listed Categories flags every text on health alone.
		expect(await collect({ thresholds: { threshold: [{ category: 'health', threshold: 0.001 }] }, options: { onlyListedCategories: true } })).toEqual([[], texts]);
		expect(jobCreations()).toHaveLength(1);
		expect(realtimeModerations()).toHaveLength(0);
	});

	it('the verdict names the model the texts were submitted with, and its categories are the ones checked', async () => {
		const items = await submitted([{ json: { text: 'steal the passport' } }], { model: model('mistral-moderation-2411') });
		const collected = await runNode({
			node: 'mistralModerate',
			parameters: parameters('collect', { simplify: false, thresholds: { threshold: [{ category: 'pii', threshold: 0.95 }] } }),
			items,
			credentials: credentials(),
		});
		expect(collected.error).toBeUndefined();
		expect(collected.outputs[1][0].json.moderation).toMatchObject({
			flagged: true,
			flaggedCategories: ['dangerous_and_criminal_content'],
			thresholds: { pii: 0.95 },
			model: 'mistral-moderation-2411',
		});
		// A category the submitted model does not score is named for that model, though the collecting node names another.
		const wrong = await runNode({
			node: 'mistralModerate',
			parameters: parameters('collect', { thresholds: { threshold: [{ category: 'jailbreaking', threshold: 0.5 }] } }),
			items,
			credentials: credentials(),
		});
		expect(wrong.error?.message).toMatch(/"mistral-moderation-2411" does not score "jailbreaking".*\[item 0\]/);
	});

	it('a bad reference is an error item on Flagged with Continue On Fail (never on Passed); without it the node stops naming the item', async () => {
		const items = await submitted(range(4).map((i) => ({ json: { id: i, text: text(i) } })));
		items[1] = { json: { ...items[1].json, mistralBatch: 'job-123' } };
		delete items[2].json.mistralBatch;
		const kept = await runNode({ node: 'mistralModerate', parameters: parameters('collect'), items, credentials: credentials(), continueOnFail: true });
		expect(kept.error).toBeUndefined();
		const [passed, flagged] = kept.outputs;
		expect(passed.map((item) => [item.json.id, item.pairedItem])).toEqual([[0, { item: 0 }]]);
		expect(flagged.map((item) => [item.json.id, item.pairedItem])).toEqual([
			[1, { item: 1 }],
			[2, { item: 2 }],
			[3, { item: 3 }],
		]);
		expect(flagged[0].json.error).toMatch(/The "mistralBatch" field is not a batch job reference.*"Submit Only".*\[item 1\]$/);
		expect(flagged[1].json.error).toMatch(/The item has no "mistralBatch" field with a batch job reference.*\[item 2\]$/);
		expect(flagged[2].json).toMatchObject({ text: text(3), moderation: { flagged: true, scores: scoreText(text(3), V1_CATEGORIES) } });

		const readsBefore = jobReads().length;
		const stopped = await runNode({ node: 'mistralModerate', parameters: parameters('collect'), items, credentials: credentials() });
		expect(stopped.error?.message).toMatch(/The "mistralBatch" field is not a batch job reference.*\[item 1\]/);
		expect(jobReads()).toHaveLength(readsBefore);
	});

	it('a request that failed inside its job fails exactly the items packed in it, naming the job and the request', async () => {
		server.configure({ batch: { speed: 1, queueSeconds: 600, requestsPerSecond: 1000, failRequestsContaining: 'order 65' } });
		// Batch Size 4: text(5) ("order 65") is in the second request, with items 4 to 7.
		const items = await submitted(
			range(12).map((i) => ({ json: { id: i, text: text(i) } })),
			{ options: { batchSize: 4 } },
		);
		const [job] = server.batch.jobSummaries();
		const kept = await runNode({ node: 'mistralModerate', parameters: parameters('collect'), items, credentials: credentials(), continueOnFail: true });
		expect(kept.error).toBeUndefined();
		const [passed, flagged] = kept.outputs;
		const failed = flagged.filter((item) => item.json.error);
		expect(failed.map((item) => [item.json.id, item.pairedItem])).toEqual([4, 5, 6, 7].map((i) => [i, { item: i }]));
		for (const item of failed) {
			expect(item.json.error).toMatch(new RegExp(`The Mistral server failed \\(500\\).*\\[item ${String(item.json.id)}\\]$`));
			expect(item.json.errorDescription).toContain(`batch job ${job.id}, request "1"`);
		}
		expect(passed.map((item) => item.json.id)).toEqual([0, 1, 2, 8, 9, 11]);
		expect(flagged.filter((item) => !item.json.error).map((item) => item.json.id)).toEqual([3, 10]);

		const stopped = await runNode({ node: 'mistralModerate', parameters: parameters('collect'), items, credentials: credentials() });
		expect(stopped.error?.message).toMatch(/The Mistral server failed \(500\).*\[item 4\]/);
	});

	it('a threshold from an expression that is bad for one item fails that item only in the collecting node', async () => {
		const items = await submitted(range(3).map((i) => ({ json: { id: i, text: i === 2 ? 'my passport' : text(i), limit: i === 1 ? 7 : 0.5 } })));
		const result = await runNode({
			node: 'mistralModerate',
			parameters: parameters('collect', { thresholds: { threshold: [{ category: 'pii', threshold: '={{ $json.limit }}' }] } }),
			items,
			credentials: credentials(),
			continueOnFail: true,
		});
		expect(result.outputs[0].map((item) => item.json.id)).toEqual([0]);
		expect(result.outputs[1].map((item) => [item.json.id, item.json.error ?? 'moderated'])).toEqual([
			[1, expect.stringMatching(/threshold 7, outside 0 to 1.*\[item 1\]$/)],
			[2, 'moderated'],
		]);
	});
	it('an item that failed in the submitting node (Continue On Fail) keeps that failure in the collecting node, not a "connect a Submit Only node" hint', async () => {
		const input = [{ json: { id: 0, text: text(0) } }, { json: { id: 1, text: '' } }, { json: { id: 2, text: text(3) } }];
		const submit = await runNode({ node: 'mistralModerate', parameters: parameters('submit'), items: input, credentials: credentials(), continueOnFail: true });
		expect(submit.outputs[0][1].json.error).toMatch(/"Text" is empty.*\[item 1\]$/);
		expect(jobCreations()[0].body.requests.flatMap((line: { body: { input: string[] } }) => line.body.input)).toEqual([text(0), text(3)]);
		server.batch.advance(3_600_000);
		const collected = await runNode({
			node: 'mistralModerate',
			parameters: parameters('collect'),
			items: submit.outputs[0].map((item) => ({ json: item.json })),
			credentials: credentials(),
			continueOnFail: true,
		});
		expect(collected.outputs[0].map((item) => item.json.id)).toEqual([0]);
		expect(collected.outputs[1].map((item) => [item.json.id, item.pairedItem])).toEqual([
			[1, { item: 1 }],
			[2, { item: 2 }],
		]);
		expect(collected.outputs[1][0].json.error).toMatch(/^The item failed in an earlier node, so it has no "mistralBatch" batch job reference: "Text" is empty.*\[item 1\]$/);
		expect(collected.outputs[1][0].json.error).not.toMatch(/Connect this node/);
	});
	it('conversations go as a /v1/chat/moderations job and come back to their items; a Mistral Chat reference is refused naming its endpoint', async () => {
		const conversation = { input: 'conversation', conversationSource: 'chatTrigger' };
		const items = await submitted([{ json: { sessionId: 'a', chatInput: 'hello there' } }, { json: { sessionId: 'b', chatInput: 'I want to kill him' } }], conversation);
		expect(jobCreations()[0].body.endpoint).toBe('/v1/chat/moderations');
		const collected = await runNode({ node: 'mistralModerate', parameters: parameters('collect', conversation), items, credentials: credentials() });
		expect(collected.error).toBeUndefined();
		expect(collected.outputs.map((output) => output.map((item) => [item.json.sessionId, item.pairedItem]))).toEqual([[['a', { item: 0 }]], [['b', { item: 1 }]]]);

		const chat = await runNode({
			node: 'mistralChat',
			parameters: { model: { __rl: true, mode: 'id', value: 'mistral-small-latest' }, prompt: '={{ $json.text }}', processing: 'batch', batchMode: 'submit' },
			items: [{ json: { text: 'hello' } }],
			credentials: credentials(),
		});
		expect(chat.error).toBeUndefined();
		server.batch.advance(3_600_000);
		const chatJob = server.batch.jobSummaries().find((job) => job.model === 'mistral-small-latest');
		const refused = await runNode({ node: 'mistralModerate', parameters: parameters('collect'), items: chat.items.map((item) => ({ json: item.json })), credentials: credentials(), continueOnFail: true });
		expect(refused.outputs[0]).toEqual([]);
		expect(refused.outputs[1].map((item) => item.json.error)).toEqual([
			`The "mistralBatch" reference is to Mistral batch job ${chatJob?.id}, which ran /v1/chat/completions requests; this node collects /v1/moderations or /v1/chat/moderations jobs. Connect it after a node of the same kind in "Submit Only" mode [item 0]`,
		]);
	});
});
