/**
 * End-to-end for the AI sub-nodes, in the real n8n that `npm run test:e2e` prepares (scripts/e2e.sh):
 *  - AI Agent + Mistral Chat Model + n8n's Calculator tool (`n8n execute`): the model asks for the
 *    tool, the agent runs it, the answer uses its result; a 429 with Retry-After is waited out;
 *  - Simple Vector Store + Default Data Loader + Mistral Embeddings: 1,000+ chunks inserted in
 *    token-budgeted requests, and a search returns the chunk nearest by the server's vectors;
 *  - streaming end to end (`n8n start`, activated workflows): a streaming Webhook -> AI Agent with our
 *    model, and a streaming Webhook -> Mistral Chat node, read by a plain HTTP client chunk by chunk;
 *  - the editor lists both sub-nodes where n8n lists its own chat models and embeddings.
 * Every request the server saw is checked: no 4xx, and the server validates each against the spec.
 */
import fs from 'node:fs';
import path from 'node:path';

import { estimateTokens } from '../../nodes/shared/packing/tokenEstimate';
import { countTokens, embeddingFor, startMistralServer } from '../server/mistralServer';
import type { MistralTestServer, RecordedRequest } from '../server/mistralServer';
import { N8N_VERSION, n8nAtLeast } from './n8nVersion';
import { freePort, runN8n, type RunningN8n, startN8nServer, tail, USER_FOLDER } from './n8nProcess';

/**
 * The parts that need n8n 2.16 or newer (scripts/e2e.sh also runs n8n 1.x): the chat model needs
 * n8n's AI node SDK, the no-SDK simulation and `publish:workflow` are 2.x's. On an older n8n they are
 * skipped, and their names say why; Mistral Embeddings runs on every version.
 */
function describeOnN8n216(reason: string): (name: string, fn: () => void) => void {
	if (n8nAtLeast('2.16.0')) return describe;
	return (name, fn) => describe.skip(`${name} [skipped on n8n ${N8N_VERSION}: needs n8n >= 2.16, ${reason}]`, fn);
}

const PACKAGE = 'n8n-nodes-mistral';
const CREDENTIAL = { id: 'E2eMistralSubNd1', name: 'Mistral (sub-node e2e server)' };
const OWNER = { email: 'e2e@example.com', firstName: 'E2E', lastName: 'Test', password: 'E2e-password-1234' };

// ----- workflows --------------------------------------------------------------------------------------

type Node = Record<string, unknown> & { name: string; type: string };
const mistralCredential = { mistralAiApi: { ...CREDENTIAL } };
const ai = (from: string, type: string, to: string) => ({ [from]: { [type]: [[{ node: to, type, index: 0 }]] } });
const main = (from: string, to: string) => ({ [from]: { main: [[{ node: to, type: 'main', index: 0 }]] } });

function layout(nodes: Node[], index: number): [number, number] {
	const isSubNode = (node: Node) => /ChatModel|Embeddings|toolCalculator|DataLoader|Splitter/i.test(node.type);
	if (!isSubNode(nodes[index])) return [nodes.slice(0, index).filter((node) => !isSubNode(node)).length * 260, 0];
	const subIndex = nodes.slice(0, index).filter(isSubNode).length;
	return [240 + subIndex * 200, 220];
}

function workflow(id: string, name: string, nodes: Node[], connections: Record<string, unknown>) {
	return {
		id,
		name,
		active: false,
		// Main nodes in a row, AI sub-nodes below the node they serve, as the editor lays them out.
		nodes: nodes.map((node, index) => ({ id: `${id}-n${index}`, position: layout(nodes, index), parameters: {}, ...node })),
		connections,
		settings: { executionOrder: 'v1' },
	};
}

const chatModelNode = (options: Record<string, unknown> = {}): Node => ({
	name: 'Mistral Chat Model',
	type: `${PACKAGE}.mistralChatModel`,
	typeVersion: 1,
	parameters: { model: { __rl: true, mode: 'id', value: 'mistral-small-latest' }, options },
	credentials: mistralCredential,
});

const agentNode = (text: string, options: Record<string, unknown> = {}): Node => ({
	name: 'AI Agent',
	type: '@n8n/n8n-nodes-langchain.agent',
	typeVersion: 3.1,
	parameters: { promptType: 'define', text, options },
});

const agentWithCalculator = workflow(
	'E2eSubAgentTool1',
	'e2e: AI Agent + Mistral Chat Model + Calculator',
	[
		{ name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1 },
		agentNode('12*7'),
		chatModelNode({ maxRetries: 3 }),
		{ name: 'Calculator', type: '@n8n/n8n-nodes-langchain.toolCalculator', typeVersion: 1 },
	],
	{ ...main('Start', 'AI Agent'), ...ai('Mistral Chat Model', 'ai_languageModel', 'AI Agent'), ...ai('Calculator', 'ai_tool', 'AI Agent') },
);

const CHUNKS = 1100;
const WORDS = (
	'the river runs past an old granite bridge where lantern light falls on quiet water and the harbor waits ' +
	'for ships that carry quartz salt wool and letters from the northern summit towns while falcons circle ' +
	'over willow trees near a meadow the beacon on the hill warns travellers about winter storms and early ' +
	'snow so families gather stories recipes maps and songs to share during long evenings by the fire'
).split(' ');
/** Deterministic prose-like texts of about 1,400 characters (some 300 tokens): one chunk each under the splitter's 2,000. */
function chunkText(index: number): string {
	let state = (index + 1) * 2654435761;
	const words: string[] = [`Note ${index}.`];
	while (words.join(' ').length < 1380) {
		state = (Math.imul(state ^ (state >>> 13), 1597334677) + 12345) >>> 0;
		words.push(WORDS[state % WORDS.length]);
	}
	return `${words.join(' ')}.`;
}
const QUERY = 'lantern harbor quartz beacon near the granite summit';

const vectorStore = workflow(
	'E2eSubVectors001',
	'e2e: Simple Vector Store + Mistral Embeddings',
	[
		{ name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1 },
		{
			name: 'Chunks',
			type: 'n8n-nodes-base.code',
			typeVersion: 2,
			parameters: {
				jsCode: `const WORDS = ${JSON.stringify(WORDS)};\n${chunkText.toString()}\nreturn Array.from({ length: ${CHUNKS} }, (_, i) => ({ json: { text: chunkText(i) } }));`,
			},
		},
		{
			name: 'Insert',
			type: '@n8n/n8n-nodes-langchain.vectorStoreInMemory',
			typeVersion: 1.3,
			// All chunks in one embedDocuments call (the store's default hands over 200 at a time).
			parameters: { mode: 'insert', memoryKey: { __rl: true, mode: 'id', value: 'e2e_mistral_store' }, clearStore: true, embeddingBatchSize: 5000 },
		},
		{
			name: 'Default Data Loader',
			type: '@n8n/n8n-nodes-langchain.documentDefaultDataLoader',
			typeVersion: 1.1,
			parameters: { jsonMode: 'expressionData', jsonData: '={{ $json.text }}', textSplittingMode: 'custom' },
		},
		{
			name: 'Text Splitter',
			type: '@n8n/n8n-nodes-langchain.textSplitterRecursiveCharacterTextSplitter',
			typeVersion: 1,
			parameters: { chunkSize: 2000, chunkOverlap: 0, options: {} },
		},
		{
			name: 'Mistral Embeddings',
			type: `${PACKAGE}.mistralEmbeddings`,
			typeVersion: 1,
			parameters: { model: { __rl: true, mode: 'id', value: 'mistral-embed' }, options: {} },
			credentials: mistralCredential,
		},
		{ name: 'Once', type: 'n8n-nodes-base.limit', typeVersion: 1, parameters: { maxItems: 1 } },
		{
			name: 'Search',
			type: '@n8n/n8n-nodes-langchain.vectorStoreInMemory',
			typeVersion: 1.3,
			parameters: { mode: 'load', memoryKey: { __rl: true, mode: 'id', value: 'e2e_mistral_store' }, prompt: QUERY, topK: 3 },
		},
		{
			name: 'Search Embeddings',
			type: `${PACKAGE}.mistralEmbeddings`,
			typeVersion: 1,
			parameters: { model: { __rl: true, mode: 'id', value: 'mistral-embed' }, options: {} },
			credentials: mistralCredential,
		},
	],
	{
		...main('Start', 'Chunks'),
		...main('Chunks', 'Insert'),
		...main('Insert', 'Once'),
		...main('Once', 'Search'),
		...ai('Default Data Loader', 'ai_document', 'Insert'),
		...ai('Text Splitter', 'ai_textSplitter', 'Default Data Loader'),
		...ai('Mistral Embeddings', 'ai_embedding', 'Insert'),
		...ai('Search Embeddings', 'ai_embedding', 'Search'),
	},
);

const webhook = (webhookPath: string): Node => ({
	name: 'Webhook',
	type: 'n8n-nodes-base.webhook',
	typeVersion: 2.1,
	webhookId: `e2e-${webhookPath}`,
	parameters: { httpMethod: 'POST', path: webhookPath, responseMode: 'streaming', options: {} },
});

const agentStreaming = workflow(
	'E2eSubAgentStrm1',
	'e2e: streaming Webhook -> AI Agent + Mistral Chat Model',
	[webhook('mistral-agent-stream'), agentNode('={{ $json.body.prompt }}', { enableStreaming: true }), chatModelNode()],
	{ ...main('Webhook', 'AI Agent'), ...ai('Mistral Chat Model', 'ai_languageModel', 'AI Agent') },
);

const chatStreaming = workflow(
	'E2eSubChatStrm01',
	'e2e: streaming Webhook -> Mistral Chat',
	[
		webhook('mistral-chat-stream'),
		{
			name: 'Mistral Chat',
			type: `${PACKAGE}.mistralChat`,
			typeVersion: 1,
			parameters: { model: { __rl: true, mode: 'id', value: 'mistral-small-latest' }, prompt: '={{ $json.body.prompt }}' },
			credentials: mistralCredential,
		},
	],
	main('Webhook', 'Mistral Chat'),
);

const regularNodesOnly = workflow(
	'E2eSubNoSdk00001',
	'e2e: the regular nodes on an n8n without the AI node SDK',
	[
		{ name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1 },
		{
			name: 'Mistral Chat',
			type: `${PACKAGE}.mistralChat`,
			typeVersion: 1,
			parameters: { model: { __rl: true, mode: 'id', value: 'mistral-small-latest' }, prompt: 'still working' },
			credentials: mistralCredential,
		},
		{
			name: 'Mistral Embed',
			type: `${PACKAGE}.mistralEmbed`,
			typeVersion: 1,
			parameters: { model: { __rl: true, mode: 'id', value: 'mistral-embed' }, text: '={{ $json.content }}' },
			credentials: mistralCredential,
		},
	],
	{ ...main('Start', 'Mistral Chat'), ...main('Mistral Chat', 'Mistral Embed') },
);

// ----- running workflows ----------------------------------------------------------------------------

interface TaskData {
	executionStatus?: string;
	error?: { message?: string };
	data?: Record<string, Array<Array<{ json: Record<string, any> }> | null>>;
	inputOverride?: Record<string, Array<Array<{ json: Record<string, any> }> | null>>;
}
interface ExecutionRun {
	data: { resultData: { error?: { message?: string }; runData: Record<string, TaskData[]> } };
}

let server: MistralTestServer;
let brokerPort: number;

async function execute(workflowId: string, extraEnv: Record<string, string> = {}, expectFailure = false): Promise<{ run: ExecutionRun; requests: RecordedRequest[]; output: string }> {
	const before = server.requests.length;
	const result = await runN8n(['execute', `--id=${workflowId}`, '--rawOutput'], { N8N_LOG_LEVEL: 'info', N8N_RUNNERS_BROKER_PORT: String(brokerPort), ...extraEnv }, 150_000);
	const output = result.stdout + result.stderr;
	fs.mkdirSync(path.join(USER_FOLDER, 'e2e-output'), { recursive: true });
	fs.writeFileSync(path.join(USER_FOLDER, 'e2e-output', `${workflowId}.log`), output);
	if (expectFailure) return { run: { data: { resultData: { runData: {} } } }, requests: server.requests.slice(before), output };
	if (result.code !== 0) throw new Error(`n8n execute --id=${workflowId} exited with ${result.code}\n${tail(output, 80)}`);
	const lines = result.stdout.split('\n');
	const start = lines.indexOf('{');
	const end = start < 0 ? -1 : lines.indexOf('}', start);
	if (start < 0 || end < 0) throw new Error(`no execution data in the output of n8n execute:\n${tail(output)}`);
	const run = JSON.parse(lines.slice(start, end + 1).join('\n')) as ExecutionRun;
	if (run.data.resultData.error) throw new Error(`workflow ${workflowId} failed: ${run.data.resultData.error.message}\n${tail(output)}`);
	return { run, requests: server.requests.slice(before), output };
}

function outputOf(run: ExecutionRun, node: string): Array<{ json: Record<string, any> }> {
	const runs = run.data.resultData.runData[node];
	if (!runs?.length) throw new Error(`node "${node}" did not run; ran: ${Object.keys(run.data.resultData.runData).join(', ')}`);
	return runs[0].data?.main?.[0] ?? [];
}

beforeAll(async () => {
	server = await startMistralServer({ recordBodies: true });
	brokerPort = await freePort();
	const work = path.join(USER_FOLDER, 'e2e-subnodes-input');
	fs.mkdirSync(path.join(work, 'workflows'), { recursive: true });
	const credentialFile = path.join(work, 'credentials.json');
	fs.writeFileSync(credentialFile, JSON.stringify([{ ...CREDENTIAL, type: 'mistralAiApi', data: { apiKey: server.apiKey, baseUrl: server.url } }]));
	const credentials = await runN8n(['import:credentials', `--input=${credentialFile}`], { N8N_LOG_LEVEL: 'warn' }, 60_000);
	if (credentials.code !== 0) throw new Error(`import:credentials failed\n${tail(credentials.stdout + credentials.stderr)}`);
	for (const flow of [agentWithCalculator, vectorStore, agentStreaming, chatStreaming, regularNodesOnly]) {
		fs.writeFileSync(path.join(work, 'workflows', `${flow.id}.json`), JSON.stringify(flow, null, 2));
	}
	const imported = await runN8n(['import:workflow', '--separate', `--input=${path.join(work, 'workflows')}`], { N8N_LOG_LEVEL: 'warn' }, 60_000);
	if (imported.code !== 0) throw new Error(`import:workflow failed\n${tail(imported.stdout + imported.stderr)}`);
}, 150_000);

afterAll(async () => {
	await server?.close();
});

beforeEach(() => {
	server.configure({ streamChunkDelayMs: undefined });
});

/** No request was rejected, and the server (strict per Mistral's spec) accepted every body. */
function expectAllAccepted(requests: RecordedRequest[], except: number[] = []): void {
	const rejected = requests.filter((request) => request.status !== 200 && !except.includes(request.status));
	expect(rejected.map((request) => ({ path: request.path, status: request.status, body: JSON.stringify(request.body).slice(0, 300) }))).toEqual([]);
}

describeOnN8n216('the chat model uses the AI node SDK')('AI Agent with the Mistral Chat Model (n8n execute)', () => {
	it('asks for the Calculator, the agent runs it, and the answer uses its result', async () => {
		const { run, requests } = await execute(agentWithCalculator.id);
		// The agent hands the tool's output back as n8n's items in JSON: [{"response":"84"}].
		const answer = outputOf(run, 'AI Agent')[0].json.output as string;
		expect(answer).toBe('Echo: 12*7 (tool result: [{"response":"84"}])');
		const chats = requests.filter((request) => request.path === '/chat/completions');
		expectAllAccepted(chats);
		expect(chats).toHaveLength(2);
		// First call: the tool is offered; the model calls it with a Mistral-shaped id.
		// n8n names the agent's tools after their nodes.
		expect(chats[0].body.tools.map((tool: { function: { name: string } }) => tool.function.name)).toEqual(['Calculator']);
		expect(chats[0].body.messages.at(-1)).toEqual({ role: 'user', content: '12*7' });
		// Second call: the assistant's call and the tool's result, paired by the same id.
		const messages = chats[1].body.messages as Array<Record<string, any>>;
		const assistant = messages.find((message) => message.role === 'assistant')!;
		const tool = messages.find((message) => message.role === 'tool')!;
		expect(assistant.tool_calls[0].id).toMatch(/^[a-zA-Z0-9]{9}$/);
		expect(tool).toMatchObject({ tool_call_id: assistant.tool_calls[0].id, content: '[{"response":"84"}]' });
		// The sub-node shows its input and output in the editor (n8n's tracing callbacks).
		const modelRuns = run.data.resultData.runData['Mistral Chat Model'];
		expect(modelRuns).toHaveLength(2);
		expect(modelRuns.every((task) => task.executionStatus === 'success')).toBe(true);
		expect(JSON.stringify(modelRuns[1].data)).toContain('tool result:');
	}, 200_000);

	it('waits out a 429 with Retry-After during the agent run, and the run succeeds', async () => {
		server.enqueue({ path: '/chat/completions', status: 429, body: { message: 'Requests rate limit exceeded' }, headers: { 'retry-after': '2' } });
		const { run, requests } = await execute(agentWithCalculator.id);
		expect(outputOf(run, 'AI Agent')[0].json.output).toBe('Echo: 12*7 (tool result: [{"response":"84"}])');
		const chats = requests.filter((request) => request.path === '/chat/completions');
		expect(chats.map((request) => request.status)).toEqual([429, 200, 200]);
		expect(chats[1].startedAt - chats[0].endedAt).toBeGreaterThanOrEqual(1900);
		expectAllAccepted(chats, [429]);
	}, 200_000);
});

describe('Simple Vector Store with Mistral Embeddings (n8n execute)', () => {
	it(`inserts ${CHUNKS} chunks in token-budgeted requests and finds the nearest chunk`, async () => {
		const { run, requests } = await execute(vectorStore.id);
		const embeds = requests.filter((request) => request.path === '/embeddings');
		expectAllAccepted(embeds);
		const inserted = outputOf(run, 'Insert');
		expect(inserted).toHaveLength(CHUNKS);

		const insertCalls = embeds.filter((request) => request.inputCount !== 1 || request.body.input[0] !== QUERY);
		const totalTokens = insertCalls.reduce((sum, request) => sum + (request.inputTokens ?? 0), 0);
		const inputs = insertCalls.reduce((sum, request) => sum + (request.inputCount ?? 0), 0);
		expect(inputs).toBe(CHUNKS);
		// One embedDocuments call with every chunk, packed into as few requests as Mistral's 16,384-token
		// cap allows: by mistral-embed's exact counts, so within 1.1x of the ideal.
		const estimated = Array.from({ length: CHUNKS }, (_, index) => estimateTokens(chunkText(index))).reduce((a, b) => a + b, 0);
		const ideal = Math.ceil(totalTokens / 16_384);
		console.log(
			`[e2e] ${CHUNKS} chunks, ${totalTokens} tokens (server count), ${estimated} estimated: ${insertCalls.length} requests; ceil(server count/16384) = ${ideal}`,
		);
		expect(totalTokens / CHUNKS).toBeGreaterThan(250);
		expect(insertCalls.length).toBeLessThanOrEqual(Math.max(ideal + 1, Math.floor(ideal * 1.1)));
		expect(Math.max(...insertCalls.map((request) => request.inputTokens ?? 0))).toBeLessThanOrEqual(16_384);

		// The nearest chunk by the server's vectors (cosine similarity), computed here independently.
		const query = embeddingFor(QUERY, 'mistral-embed', 1024);
		const cosine = (a: number[], b: number[]) => {
			let dot = 0;
			let na = 0;
			let nb = 0;
			for (let i = 0; i < a.length; i++) {
				dot += a[i] * b[i];
				na += a[i] * a[i];
				nb += b[i] * b[i];
			}
			return dot / Math.sqrt(na * nb);
		};
		const ranked = Array.from({ length: CHUNKS }, (_, index) => ({ index, score: cosine(query, embeddingFor(chunkText(index), 'mistral-embed', 1024)) })).sort(
			(a, b) => b.score - a.score,
		);
		const found = outputOf(run, 'Search');
		expect(found.length).toBe(3);
		expect(found[0].json.document.pageContent).toBe(chunkText(ranked[0].index));
		expect(found.map((item) => item.json.document.pageContent)).toEqual(ranked.slice(0, 3).map((entry) => chunkText(entry.index)));
		expect(found[0].json.score).toBeCloseTo(ranked[0].score, 4);

		// The sub-nodes log their work as n8n's own do: input documents/query and output.
		const insertLog = run.data.resultData.runData['Mistral Embeddings'];
		expect(insertLog).toHaveLength(1);
		expect(insertLog[0].executionStatus).toBe('success');
		expect(insertLog[0].inputOverride?.ai_embedding?.[0]?.[0].json.documents).toHaveLength(CHUNKS);
		expect(insertLog[0].data?.ai_embedding?.[0]?.[0].json).toMatchObject({ vectors: CHUNKS, dimensions: 1024 });
		// The editor labels the edge with the length of `response`: one entry per document, as n8n's own.
		expect(insertLog[0].data?.ai_embedding?.[0]?.[0].json.response).toHaveLength(CHUNKS);
		const searchLog = run.data.resultData.runData['Search Embeddings'];
		expect(searchLog[0].inputOverride?.ai_embedding?.[0]?.[0].json.query).toBe(QUERY);
		expect(searchLog[0].data?.ai_embedding?.[0]?.[0].json.response).toHaveLength(1024);
		expect(countTokens(chunkText(0))).toBeGreaterThan(250);
	}, 300_000);
});

describeOnN8n216('it hides the SDK of an n8n that has one')('an n8n where @n8n/ai-node-sdk cannot be resolved (as before n8n 2.16)', () => {
	// n8n 2.41.1 started with a preload that makes this package's requires of the SDK fail as Node fails for a missing module.
	const withoutSdk = { NODE_OPTIONS: `--require ${path.join(__dirname, 'support', 'hide-ai-node-sdk.cjs')}` };

	it('loads the package and runs the regular nodes', async () => {
		const { run, requests, output } = await execute(regularNodesOnly.id, withoutSdk);
		expect(output).not.toMatch(/Unrecognized node type|Failed to load package|Class could not be found/i);
		expect(outputOf(run, 'Mistral Chat')[0].json.content).toBe('Echo: still working');
		expect(outputOf(run, 'Mistral Embed')[0].json.embedding).toHaveLength(1024);
		expectAllAccepted(requests);
	}, 200_000);

	it('the agent workflow fails with a message that names the n8n version the chat model needs', async () => {
		const { output } = await execute(agentWithCalculator.id, withoutSdk, true);
		expect(output).toMatch(/needs n8n 2\.16 or newer: it uses n8n's AI node SDK/);
	}, 200_000);
});

// ----- n8n start: streaming and the editor -----------------------------------------------------------

describeOnN8n216('the agent streams with the chat model, and publish:workflow is 2.x\'s')('a running n8n (n8n start)', () => {
	let n8n: RunningN8n | undefined;
	let baseUrl = '';
	const log = () => n8n?.log() ?? '';
	/** The owner account this file set up, removed again so test/e2e/n8n.e2e.ts finds n8n as it expects. */
	let ownerCreatedHere = false;

	beforeAll(async () => {
		for (const flow of [agentStreaming, chatStreaming]) {
			const published = await runN8n(['publish:workflow', `--id=${flow.id}`], { N8N_LOG_LEVEL: 'warn' }, 60_000);
			if (published.code !== 0) throw new Error(`publish:workflow ${flow.id} failed\n${tail(published.stdout + published.stderr)}`);
		}
		n8n = await startN8nServer({}, 120_000);
		baseUrl = n8n.baseUrl;
	}, 200_000);

	afterAll(async () => {
		if (!n8n) return;
		await n8n.stop();
		fs.mkdirSync(path.join(USER_FOLDER, 'e2e-output'), { recursive: true });
		fs.writeFileSync(path.join(USER_FOLDER, 'e2e-output', 'subnodes-n8n-start.log'), n8n.log());
		if (ownerCreatedHere) {
			const reset = await runN8n(['user-management:reset'], { N8N_LOG_LEVEL: 'warn' }, 60_000);
			if (reset.code !== 0) throw new Error(`user-management:reset failed\n${tail(reset.stdout + reset.stderr)}`);
		}
	}, 120_000);

	/** POSTs to a streaming webhook and reads n8n's JSON-lines stream as it arrives. */
	/**
	 * n8n registers the webhooks of published workflows a little after the editor is up. A GET to a
	 * POST webhook tells the two states apart without running the workflow.
	 */
	async function waitForWebhook(webhookPath: string): Promise<void> {
		const deadline = Date.now() + 90_000;
		for (;;) {
			const text = await fetch(`${baseUrl}/webhook/${webhookPath}`).then(
				(r) => r.text(),
				() => '',
			);
			if (/Did you mean to make a POST request/i.test(text)) return;
			if (Date.now() > deadline) throw new Error(`webhook ${webhookPath} was never registered: ${text.slice(0, 300)}\n${tail(log())}`);
			await new Promise((resolve) => setTimeout(resolve, 500));
		}
	}

	async function readStream(webhookPath: string, prompt: string): Promise<Array<{ type: string; content?: string; at: number }>> {
		await waitForWebhook(webhookPath);
		const response = await fetch(`${baseUrl}/webhook/${webhookPath}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ prompt }),
		});
		if (response.status !== 200) throw new Error(`webhook ${webhookPath}: HTTP ${response.status} ${await response.text()}\n${tail(log())}`);
		const events: Array<{ type: string; content?: string; at: number }> = [];
		const decoder = new TextDecoder();
		let buffer = '';
		const reader = response.body!.getReader();
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			buffer += decoder.decode(value, { stream: true });
			let newline: number;
			while ((newline = buffer.indexOf('\n')) >= 0) {
				const line = buffer.slice(0, newline).trim();
				buffer = buffer.slice(newline + 1);
				if (line !== '') events.push({ ...(JSON.parse(line) as { type: string; content?: string }), at: Date.now() });
			}
		}
		if (buffer.trim() !== '') events.push({ ...(JSON.parse(buffer) as { type: string; content?: string }), at: Date.now() });
		return events;
	}

	function expectStreamed(events: Array<{ type: string; content?: string; at: number }>, answer: string): void {
		const types = events.map((event) => event.type);
		expect(types).not.toContain('error');
		expect(types[0]).toBe('begin');
		expect(types.at(-1)).toBe('end');
		const items = events.filter((event) => event.type === 'item');
		expect(items.length).toBeGreaterThanOrEqual(5);
		expect(items.map((event) => event.content).join('')).toBe(answer);
		// Received over time, as the model produced it, not in one piece at the end.
		expect(items.at(-1)!.at - items[0].at).toBeGreaterThanOrEqual(200);
	}

	it('streams the AI Agent with our model through a streaming Webhook, chunk by chunk, in order', async () => {
		server.configure({ streamChunkDelayMs: 60 });
		const before = server.requests.length;
		const events = await readStream('mistral-agent-stream', 'name the five boroughs of New York please');
		expectStreamed(events, 'Echo: name the five boroughs of New York please');
		const chats = server.requests.slice(before).filter((request) => request.path === '/chat/completions');
		expect(chats).toHaveLength(1);
		expect(chats[0].body.stream).toBe(true);
		expectAllAccepted(chats);
	}, 120_000);

	it('streams the regular Mistral Chat node (one item) through a streaming Webhook', async () => {
		server.configure({ streamChunkDelayMs: 60 });
		const before = server.requests.length;
		const events = await readStream('mistral-chat-stream', 'list three rivers of Europe for me now');
		expectStreamed(events, 'Echo: list three rivers of Europe for me now');
		const chats = server.requests.slice(before).filter((request) => request.path === '/chat/completions');
		expect(chats).toHaveLength(1);
		expect(chats[0].body.stream).toBe(true);
		expectAllAccepted(chats);
	}, 120_000);

	it('lists the sub-nodes where n8n lists its own chat models and embeddings', async () => {
		const headers = { 'content-type': 'application/json', 'browser-id': 'n8n-nodes-mistral-e2e-subnodes' };
		let response = await fetch(`${baseUrl}/rest/owner/setup`, { method: 'POST', headers, body: JSON.stringify(OWNER) });
		ownerCreatedHere = response.status === 200;
		if (response.status !== 200) {
			response = await fetch(`${baseUrl}/rest/login`, { method: 'POST', headers, body: JSON.stringify({ emailOrLdapLoginId: OWNER.email, password: OWNER.password }) });
		}
		expect(response.status).toBe(200);
		const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0];
		const types = (await (await fetch(`${baseUrl}/types/nodes.json`, { headers: { ...headers, cookie } })).json()) as Array<Record<string, any>>;
		const byName = (name: string) => types.find((type) => type.name === name);
		const own = { model: byName('@n8n/n8n-nodes-langchain.lmChatMistralCloud'), embeddings: byName('@n8n/n8n-nodes-langchain.embeddingsMistralCloud') };
		const ours = { model: byName(`${PACKAGE}.mistralChatModel`), embeddings: byName(`${PACKAGE}.mistralEmbeddings`) };
		for (const kind of ['model', 'embeddings'] as const) {
			expect(ours[kind]).toBeDefined();
			expect(ours[kind]!.codex.categories).toEqual(own[kind]!.codex.categories);
			expect(ours[kind]!.codex.subcategories).toEqual(own[kind]!.codex.subcategories);
			expect(ours[kind]!.outputs).toEqual(own[kind]!.outputs);
			expect(ours[kind]!.iconUrl).toEqual({ light: expect.any(String), dark: expect.any(String) });
		}
	}, 60_000);
});
