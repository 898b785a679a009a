/**
 * End-to-end, moderation and guardrails: the packed package in a real n8n (scripts/e2e.sh; run with
 * `npm run test:e2e -- test/e2e/moderation.e2e.ts`), against the local server.
 *  - examples/moderate-form-messages.json: the sample form answers reach Publish (Passed) or Hold
 *    for review (Flagged) as their text deserves;
 *  - one workflow with three branches: 1,000 texts moderated in a handful of requests (counted at the
 *    server), each on the right output; a chat item blocked by a guardrail fails alone with Continue
 *    On Fail; bad input (an empty text, a threshold outside 0 to 1 from an expression) fails only
 *    its own items, with errors naming the item and the fix.
 */
import fs from 'node:fs';
import path from 'node:path';

import { startMistralServer } from '../server/mistralServer';
import type { MistralTestServer } from '../server/mistralServer';
import { scoreText, V1_CATEGORIES } from '../server/moderation';
import { freePort, runN8n, tail, USER_FOLDER } from './n8nProcess';

const ROOT = path.resolve(__dirname, '../..');
const CREDENTIAL = { id: 'E2eMistralModer1', name: 'Mistral (moderation e2e server)' };
const EXAMPLE = 'moderate-form-messages.json';
const SCENARIOS_ID = 'E2eModeration001';
const COUNT = 1000;
const WORDS = ['kill', 'hate', 'suicide', 'passport', 'invest'];
const text = (i: number) => (i % 7 === 3 ? `Row ${i}: they said ${WORDS[i % WORDS.length]} in the ticket` : `Row ${i}: a calm question about order ${i * 13}`);

interface Item {
	json: Record<string, any>;
	pairedItem?: unknown;
}

function parseRun(stdout: string): any {
	const lines = stdout.split('\n');
	const start = lines.indexOf('{');
	const end = start < 0 ? -1 : lines.indexOf('}', start);
	if (start < 0 || end < 0) throw new Error(`no execution data in the output of n8n execute:\n${tail(stdout)}`);
	return JSON.parse(lines.slice(start, end + 1).join('\n'));
}

function nodeOutput(run: any, nodeName: string, output = 0): Item[] {
	const runs = run.data.resultData.runData[nodeName];
	if (!runs?.length) throw new Error(`node "${nodeName}" did not run; ran: ${Object.keys(run.data.resultData.runData).join(', ')}`);
	return runs[0].data?.main[output] ?? [];
}

const mistral = (name: string, type: string, position: [number, number], parameters: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
	id: `e2e-moderation-${name.replace(/\W+/g, '-').toLowerCase()}`,
	name,
	type: `n8n-nodes-mistral.${type}`,
	typeVersion: 1,
	position,
	parameters,
	credentials: { mistralAiApi: { ...CREDENTIAL } },
	...extra,
});
const code = (name: string, position: [number, number], jsCode: string) => ({
	id: `e2e-moderation-${name.replace(/\W+/g, '-').toLowerCase()}`,
	name,
	type: 'n8n-nodes-base.code',
	typeVersion: 2,
	position,
	parameters: { jsCode },
});
const noOp = (name: string, position: [number, number]) => ({ id: `e2e-moderation-${name.replace(/\W+/g, '-').toLowerCase()}`, name, type: 'n8n-nodes-base.noOp', typeVersion: 1, position, parameters: {} });
const to = (...nodes: string[]) => ({ main: [nodes.map((node) => ({ node, type: 'main', index: 0 }))] });

function scenarios() {
	const texts = `const words = ${JSON.stringify(WORDS)};\nreturn Array.from({ length: ${COUNT} }, (_, i) => ({ json: { id: i, text: i % 7 === 3 ? \`Row \${i}: they said \${words[i % words.length]} in the ticket\` : \`Row \${i}: a calm question about order \${i * 13}\` } }));`;
	return {
		id: SCENARIOS_ID,
		name: 'e2e: moderation and guardrails',
		active: false,
		nodes: [
			{ id: 'e2e-moderation-trigger', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			code('1,000 texts', [220, -200], texts),
			mistral('Moderate 1,000', 'mistralModerate', [440, -200], { model: { __rl: true, mode: 'id', value: 'mistral-moderation-latest' }, text: '={{ $json.text }}', options: {} }),
			noOp('Passed texts', [660, -260]),
			noOp('Flagged texts', [660, -140]),
			code('Prompts', [220, 0], "return ['Summarise our refund policy', 'I will kill the manager', 'Thanks for the help'].map((prompt) => ({ json: { prompt } }));"),
			mistral(
				'Chat with guardrails',
				'mistralChat',
				[440, 0],
				{
					model: { __rl: true, mode: 'id', value: 'mistral-small-latest' },
					prompt: '={{ $json.prompt }}',
					options: { guardrails: { settings: { policy: 'moderation_llm_v2', onViolation: 'block' } } },
				},
				{ onError: 'continueRegularOutput' },
			),
			code('Bad rows', [220, 200], "return [{ text: 'fine', limit: 0.5 }, { text: '   ', limit: 0.5 }, { text: 'b', limit: 7 }, { text: 'my passport', limit: 0.5 }].map((json) => ({ json }));"),
			mistral(
				'Moderate bad rows',
				'mistralModerate',
				[440, 200],
				{
					model: { __rl: true, mode: 'id', value: 'mistral-moderation-latest' },
					text: '={{ $json.text }}',
					thresholds: { threshold: [{ category: 'pii', threshold: '={{ $json.limit }}' }] },
					options: {},
				},
				{ onError: 'continueRegularOutput' },
			),
		],
		connections: {
			Start: to('1,000 texts', 'Prompts', 'Bad rows'),
			'1,000 texts': to('Moderate 1,000'),
			'Moderate 1,000': { main: [[{ node: 'Passed texts', type: 'main', index: 0 }], [{ node: 'Flagged texts', type: 'main', index: 0 }]] },
			Prompts: to('Chat with guardrails'),
			'Bad rows': to('Moderate bad rows'),
		},
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

let server: MistralTestServer;
let brokerPort: number;

async function execute(workflowId: string): Promise<any> {
	const result = await runN8n(['execute', `--id=${workflowId}`, '--rawOutput'], { N8N_LOG_LEVEL: 'info', N8N_RUNNERS_BROKER_PORT: String(brokerPort) }, 180_000);
	const output = result.stdout + result.stderr;
	fs.mkdirSync(path.join(USER_FOLDER, 'e2e-output'), { recursive: true });
	fs.writeFileSync(path.join(USER_FOLDER, 'e2e-output', `${workflowId}.log`), output);
	if (result.code !== 0) throw new Error(`n8n execute --id=${workflowId} exited with ${result.code}\n${tail(output, 80)}`);
	const run = parseRun(result.stdout);
	if (run.data.resultData.error) throw new Error(`workflow ${workflowId} failed: ${run.data.resultData.error.message}\n${tail(output)}`);
	return run;
}

beforeAll(async () => {
	server = await startMistralServer({ recordBodies: true });
	brokerPort = await freePort();
	const work = path.join(USER_FOLDER, 'e2e-moderation-input');
	fs.mkdirSync(path.join(work, 'workflows'), { recursive: true });
	const credentialFile = path.join(work, 'credentials.json');
	fs.writeFileSync(credentialFile, JSON.stringify([{ ...CREDENTIAL, type: 'mistralAiApi', data: { apiKey: server.apiKey, baseUrl: server.url } }]));
	const credentials = await runN8n(['import:credentials', `--input=${credentialFile}`], { N8N_LOG_LEVEL: 'warn' }, 60_000);
	if (credentials.code !== 0) throw new Error(`import:credentials failed\n${tail(credentials.stdout + credentials.stderr)}`);
	const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', EXAMPLE), 'utf8'));
	for (const node of example.nodes) if (node.credentials?.mistralAiApi) node.credentials.mistralAiApi = { ...CREDENTIAL };
	fs.writeFileSync(path.join(work, 'workflows', EXAMPLE), JSON.stringify(example));
	fs.writeFileSync(path.join(work, 'workflows', 'scenarios.json'), JSON.stringify(scenarios()));
	const workflows = await runN8n(['import:workflow', '--separate', `--input=${path.join(work, 'workflows')}`], { N8N_LOG_LEVEL: 'warn' }, 60_000);
	if (workflows.code !== 0) throw new Error(`import:workflow failed\n${tail(workflows.stdout + workflows.stderr)}`);
}, 150_000);

afterAll(async () => {
	await server?.close();
});

beforeEach(() => server.reset());

it('moderate-form-messages example: each sample answer reaches Publish or Hold for review as its text deserves', async () => {
	const run = await execute('MistralExModer01');
	const samples = nodeOutput(run, 'Sample form answers').map((item) => item.json);
	expect(samples).toHaveLength(4);
	expect(nodeOutput(run, 'Publish').map((item) => [item.json.Name, item.json.status])).toEqual([
		['Ana', 'published'],
		['Cy', 'published'],
	]);
	expect(nodeOutput(run, 'Hold for review').map((item) => [item.json.Name, item.json.status, item.json.reason])).toEqual([
		['Bo', 'held for review', 'violence_and_threats'],
		['Di', 'held for review', 'pii'],
	]);
	const calls = server.requests.filter((request) => request.path === '/moderations');
	expect(calls).toHaveLength(1);
	expect(calls[0]).toMatchObject({ status: 200, inputCount: 4 });
	expect(calls[0].body.input).toEqual(samples.map((sample) => sample.Message));
}, 240_000);

it('1,000 texts in a handful of requests, each on its output; a guardrail-blocked chat item and bad rows fail alone', async () => {
	const run = await execute(SCENARIOS_ID);

	// 1,000 texts: counted at the server.
	const textCalls = server.requests.filter((request) => request.path === '/moderations' && request.body.input.length > 4);
	expect(textCalls.length).toBeLessThanOrEqual(8);
	expect(textCalls.every((request) => request.status === 200)).toBe(true);
	expect(textCalls.reduce((sum, request) => sum + (request.inputCount ?? 0), 0)).toBe(COUNT);
	const passed = nodeOutput(run, 'Moderate 1,000', 0);
	const flagged = nodeOutput(run, 'Moderate 1,000', 1);
	expect(passed.length + flagged.length).toBe(COUNT);
	expect(flagged.map((item) => item.json.id)).toEqual(Array.from({ length: COUNT }, (_, i) => i).filter((i) => i % 7 === 3));
	for (const item of [...passed, ...flagged]) {
		expect(item.pairedItem).toEqual({ item: item.json.id });
		expect(item.json.moderation.scores).toEqual(scoreText(text(item.json.id), V1_CATEGORIES));
	}
	expect(nodeOutput(run, 'Passed texts')).toHaveLength(passed.length);
	expect(nodeOutput(run, 'Flagged texts')).toHaveLength(flagged.length);

	// Guardrails: the blocked prompt fails alone, named; the others are answered.
	const chat = nodeOutput(run, 'Chat with guardrails');
	expect(chat.map((item) => item.json.error ?? item.json.content)).toEqual([
		expect.stringMatching(/refund policy/),
		expect.stringMatching(/^Blocked by Mistral's guardrail: violence_and_threats \(score 0\.6\d, threshold 0\.5\) \[item 1\]$/),
		expect.stringMatching(/Thanks for the help/),
	]);
	const chatCalls = server.requests.filter((request) => request.path === '/chat/completions');
	expect(chatCalls.map((request) => request.status).sort()).toEqual([200, 200, 403]);

	// Bad rows: the empty text and the threshold 7 fail alone, on Flagged, named; nothing else is lost.
	const badPassed = nodeOutput(run, 'Moderate bad rows', 0);
	const badFlagged = nodeOutput(run, 'Moderate bad rows', 1);
	expect(badPassed.map((item) => item.json.text)).toEqual(['fine']);
	expect(badFlagged.map((item) => [item.pairedItem, item.json.error ?? item.json.moderation.flaggedCategories])).toEqual([
		[{ item: 1 }, expect.stringMatching(/"Text" is empty.*\[item 1\]/)],
		[{ item: 2 }, expect.stringMatching(/threshold 7, outside 0 to 1.*e\.g\. 0\.5.*\[item 2\]/)],
		[{ item: 3 }, ['pii']],
	]);
}, 300_000);
