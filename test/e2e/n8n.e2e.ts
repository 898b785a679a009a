/**
 * End-to-end: the packed package inside a real n8n, against the local Mistral-compatible server.
 *
 * Run it with `npm run test:e2e` (scripts/e2e.sh): that installs the pinned n8n runtime if needed,
 * packs this project, installs the tarball into a fresh N8N_USER_FOLDER's .n8n/nodes (as n8n's
 * community-node installer does) and passes E2E_N8N_BIN and E2E_USER_FOLDER to this file.
 *
 * What it proves:
 *  - the editor side: `n8n start` serves both node types with their codex (categories, aliases),
 *    their icons and the credential type, and "Mistral Chat Tool" (no "Mistral Embed Tool"); the
 *    model list (listSearch) and the credential test (/rest/credentials/test, as the editor calls
 *    it) work through n8n's REST API;
 *  - the execution side: every workflow in examples/ (and the fixtures) imported with
 *    `n8n import:workflow` and run with `n8n execute` gives the expected items, and an AI Agent
 *    calls "Mistral Chat Tool" left at its defaults.
 * A package that does not load (wrong paths in package.json's "n8n" section, a node that throws on
 * load, a missing icon or codex file) fails here.
 */
import fs from 'node:fs';
import path from 'node:path';

import { embeddingFor, startMistralServer } from '../server/mistralServer';
import type { MistralTestServer, RecordedRequest } from '../server/mistralServer';
import { N8N_VERSION } from './n8nVersion';
import { freePort, runN8n, type RunningN8n, startN8nServer, tail, USER_FOLDER } from './n8nProcess';

const ROOT = path.resolve(__dirname, '../..');
const PACKAGE = 'n8n-nodes-mistral';
const CHAT_TYPE = `${PACKAGE}.mistralChat`;
const EMBED_TYPE = `${PACKAGE}.mistralEmbed`;
const CREDENTIAL = { id: 'E2eMistralCred01', name: 'Mistral (e2e server)' };
const OPENAI_CREDENTIAL = { id: 'E2eOpenAiCred01', name: 'OpenAI-compatible (e2e server)' };

// ----- running n8n ----------------------------------------------------------------------------------


/** Messages n8n prints when a community package or one of its nodes is missing. */
const LOAD_FAILURES = [/Unrecognized node type/i, /Failed to load package/i, /Skipping package/i, /Class could not be found/i];

function expectPackageLoaded(output: string): void {
	const lines = output.split('\n');
	for (const pattern of LOAD_FAILURES) {
		const at = lines.findIndex((l) => pattern.test(l));
		if (at >= 0) {
			throw new Error(`n8n did not load ${PACKAGE}: "${lines[at].trim()}"\n${lines.slice(Math.max(0, at - 3), at + 12).join('\n')}`);
		}
	}
}

// ----- workflows ------------------------------------------------------------------------------------

interface WorkflowFile {
	id: string;
	name: string;
	nodes: Array<{ name: string; type: string; typeVersion?: number; credentials?: Record<string, { id: string; name: string }> }>;
}

/** n8n 1.x's newest AI Agent is version 3 (n8n 2.x has 3.1): the fixtures' agent runs as 3 there. */
function fitToN8nVersion(node: WorkflowFile['nodes'][number]): void {
	if (N8N_VERSION.startsWith('1.') && node.type === '@n8n/n8n-nodes-langchain.agent' && (node.typeVersion ?? 0) > 3) node.typeVersion = 3;
}

function readWorkflow(file: string): WorkflowFile {
	return JSON.parse(fs.readFileSync(file, 'utf8')) as WorkflowFile;
}

/** The workflows under test, with their Mistral credential pointed at the e2e credential. */
function prepareWorkflows(targetDir: string): Map<string, WorkflowFile> {
	const files = [
		...fs.readdirSync(path.join(ROOT, 'examples')).map((f) => path.join(ROOT, 'examples', f)),
		...fs.readdirSync(path.join(__dirname, 'fixtures')).map((f) => path.join(__dirname, 'fixtures', f)),
	].filter((f) => f.endsWith('.json'));
	fs.mkdirSync(targetDir, { recursive: true });
	const prepared = new Map<string, WorkflowFile>();
	for (const file of files) {
		const workflow = readWorkflow(file);
		for (const node of workflow.nodes) {
			if (node.credentials?.mistralAiApi) node.credentials.mistralAiApi = { ...CREDENTIAL };
			fitToN8nVersion(node);
		}
		fs.writeFileSync(path.join(targetDir, path.basename(file)), JSON.stringify(workflow, null, 2));
		prepared.set(path.basename(file), workflow);
	}
	return prepared;
}

interface Item {
	json: Record<string, any>;
	binary?: Record<string, any>;
}

interface ExecutionRun {
	status?: string;
	data: {
		resultData: {
			error?: { message?: string };
			runData: Record<string, Array<{ executionStatus?: string; error?: unknown; data?: { main: Array<Item[] | null> } }>>;
		};
	};
}

interface Execution {
	run: ExecutionRun;
	requests: RecordedRequest[];
	output: string;
}

/** `n8n execute --rawOutput` prints the run as pretty JSON between n8n's log lines. */
function parseRun(stdout: string): ExecutionRun {
	const lines = stdout.split('\n');
	const start = lines.indexOf('{');
	const end = start < 0 ? -1 : lines.indexOf('}', start);
	if (start < 0 || end < 0) throw new Error(`no execution data in the output of n8n execute:\n${tail(stdout)}`);
	return JSON.parse(lines.slice(start, end + 1).join('\n')) as ExecutionRun;
}

function nodeOutput(run: ExecutionRun, nodeName: string, output = 0): Item[] {
	const runs = run.data.resultData.runData[nodeName];
	if (!runs?.length) throw new Error(`node "${nodeName}" did not run; ran: ${Object.keys(run.data.resultData.runData).join(', ')}`);
	return runs[0].data?.main[output] ?? [];
}

// ----- the tests ------------------------------------------------------------------------------------

let server: MistralTestServer;
let brokerPort: number;
let workflows = new Map<string, WorkflowFile>();

async function execute(workflowId: string): Promise<Execution> {
	const before = server.requests.length;
	const result = await runN8n(
		['execute', `--id=${workflowId}`, '--rawOutput'],
		// --rawOutput prints the run only at log level info.
		{ N8N_LOG_LEVEL: 'info', N8N_RUNNERS_BROKER_PORT: String(brokerPort) },
		90_000,
	);
	const output = result.stdout + result.stderr;
	// Kept with the user folder when E2E_KEEP=1.
	fs.mkdirSync(path.join(USER_FOLDER, 'e2e-output'), { recursive: true });
	fs.writeFileSync(path.join(USER_FOLDER, 'e2e-output', `${workflowId}.log`), output);
	expectPackageLoaded(output);
	if (result.code !== 0) throw new Error(`n8n execute --id=${workflowId} exited with ${result.code}\n${tail(output, 80)}`);
	const run = parseRun(result.stdout);
	if (run.data.resultData.error) {
		throw new Error(`workflow ${workflowId} failed: ${run.data.resultData.error.message}\n${tail(output)}`);
	}
	return { run, requests: server.requests.slice(before), output };
}

/** The id of the workflow in examples/FILE or fixtures/FILE. */
function workflowId(file: string): string {
	const workflow = workflows.get(file);
	if (!workflow) throw new Error(`no workflow file ${file}; have ${[...workflows.keys()].join(', ')}`);
	return workflow.id;
}

function expectUsage(json: Record<string, any>): void {
	expect(json.usage).toEqual({
		prompt_tokens: expect.any(Number),
		completion_tokens: expect.any(Number),
		total_tokens: expect.any(Number),
	});
	expect(json.usage.prompt_tokens).toBeGreaterThan(0);
	expect(json.usage.completion_tokens).toBeGreaterThan(0);
	expect(json.usage.total_tokens).toBe(json.usage.prompt_tokens + json.usage.completion_tokens);
}

beforeAll(async () => {
	server = await startMistralServer({ recordBodies: true });
	brokerPort = await freePort();
	const work = path.join(USER_FOLDER, 'e2e-input');
	fs.mkdirSync(work, { recursive: true });

	const credentialFile = path.join(work, 'credentials.json');
	fs.writeFileSync(
		credentialFile,
		JSON.stringify([
			{ ...CREDENTIAL, type: 'mistralAiApi', data: { apiKey: server.apiKey, baseUrl: server.url } },
			// The AI Agent's own chat model (n8n's OpenAI Chat Model) talks to the same server.
			{ ...OPENAI_CREDENTIAL, type: 'openAiApi', data: { apiKey: server.apiKey, url: server.url } },
		]),
	);
	const importedCredentials = await runN8n(['import:credentials', `--input=${credentialFile}`], { N8N_LOG_LEVEL: 'warn' }, 60_000);
	if (importedCredentials.code !== 0) throw new Error(`import:credentials failed\n${tail(importedCredentials.stdout + importedCredentials.stderr)}`);

	const workflowDir = path.join(work, 'workflows');
	workflows = prepareWorkflows(workflowDir);
	const importedWorkflows = await runN8n(['import:workflow', '--separate', `--input=${workflowDir}`], { N8N_LOG_LEVEL: 'warn' }, 60_000);
	if (importedWorkflows.code !== 0) throw new Error(`import:workflow failed\n${tail(importedWorkflows.stdout + importedWorkflows.stderr)}`);
}, 150_000);

afterAll(async () => {
	await server?.close();
});

describe('the editor (n8n start)', () => {
	const browserId = 'n8n-nodes-mistral-e2e-browser';
	let baseUrl = '';
	let cookie = '';
	let n8n: RunningN8n | undefined;
	const log = () => n8n?.log() ?? '';

	async function rest(method: 'GET' | 'POST', urlPath: string, body?: unknown): Promise<{ status: number; type: string; text: string }> {
		const response = await fetch(baseUrl + urlPath, {
			method,
			headers: { 'content-type': 'application/json', 'browser-id': browserId, ...(cookie ? { cookie } : {}) },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
	}

	async function servedNodeTypes(): Promise<Array<Record<string, any>>> {
		const nodesResponse = await rest('GET', '/types/nodes.json');
		expect(nodesResponse.status).toBe(200);
		return JSON.parse(nodesResponse.text) as Array<Record<string, any>>;
	}

	beforeAll(async () => {
		n8n = await startN8nServer();
		baseUrl = n8n.baseUrl;

		// The node and credential type lists are for signed-in users: set up the owner account, or sign
		// in when another e2e file (they share the user folder, in any order) already set it up.
		const headers = { 'content-type': 'application/json', 'browser-id': browserId };
		const account = { email: 'e2e@example.com', password: 'E2e-password-1234' };
		let setup = await fetch(`${baseUrl}/rest/owner/setup`, {
			method: 'POST',
			headers,
			body: JSON.stringify({ ...account, firstName: 'E2E', lastName: 'Test' }),
		});
		if (setup.status !== 200) {
			setup = await fetch(`${baseUrl}/rest/login`, { method: 'POST', headers, body: JSON.stringify({ emailOrLdapLoginId: account.email, password: account.password }) });
		}
		if (setup.status !== 200) throw new Error(`owner setup / sign-in: HTTP ${setup.status} ${await setup.text()}`);
		cookie = (setup.headers.get('set-cookie') ?? '').split(';')[0];
		if (!/^n8n-auth=/.test(cookie)) throw new Error(`owner setup gave no n8n-auth cookie: ${cookie}`);
	}, 150_000);

	afterAll(async () => {
		await n8n?.stop();
	}, 30_000);

	it('serves both nodes with their codex and icons, the credential type, and the model lists', async () => {
		expectPackageLoaded(log());

		// What the editor's node panel gets.
		const nodeTypes = await servedNodeTypes();
		for (const [type, dir, file] of [
			[CHAT_TYPE, 'MistralChat', 'MistralChat'],
			[EMBED_TYPE, 'MistralEmbed', 'MistralEmbed'],
			[`${PACKAGE}.mistralDocumentAi`, 'MistralDocumentAi', 'MistralDocumentAi'],
		]) {
			const description = nodeTypes.find((t) => t.name === type);
			if (!description) throw new Error(`the editor does not list ${type}; n8n-nodes-mistral types: ${nodeTypes.filter((t) => String(t.name).startsWith(PACKAGE)).map((t) => t.name).join(', ') || 'none'}`);
			expect(description.credentials).toEqual([expect.objectContaining({ name: 'mistralAiApi' })]);
			expect(description.properties.length).toBeGreaterThan(0);
			// The codex (nodes/X/X.node.json) puts the node in the panel's categories.
			const codexFile = JSON.parse(fs.readFileSync(path.join(ROOT, 'nodes', dir, `${file}.node.json`), 'utf8'));
			if (!description.codex) throw new Error(`${type} has no codex: is dist/nodes/${dir}/${file}.node.json in the package?`);
			expect(description.codex).toEqual(expect.objectContaining({ categories: codexFile.categories, alias: codexFile.alias }));
			// The editor's node search leaves out nodes filed under the AI sub-node groups (seen in n8n
			// 2.41: with "Language Models" neither node was found when searching "Mistral"). Regular
			// nodes belong under "Root Nodes", as n8n's own OpenAI node is.
			const aiGroups: string[] = description.codex.subcategories?.AI ?? [];
			expect(aiGroups).toContain('Root Nodes');
			for (const subNodeGroup of ['Language Models', 'Embeddings', 'Tools', 'Memory', 'Vector Stores', 'Retrievers']) {
				expect(aiGroups).not.toContain(subNodeGroup);
			}
			// Both icons are served.
			expect(description.iconUrl).toEqual({ light: expect.any(String), dark: expect.any(String) });
			for (const iconUrl of [description.iconUrl.light, description.iconUrl.dark]) {
				const icon = await rest('GET', `/${iconUrl}`);
				if (icon.status !== 200 || !icon.type.startsWith('image/svg+xml') || !icon.text.includes('<svg')) {
					throw new Error(`icon ${iconUrl} of ${type}: HTTP ${icon.status} ${icon.type}`);
				}
			}
		}

		const credentialsResponse = await rest('GET', '/types/credentials.json');
		expect(credentialsResponse.status).toBe(200);
		const credentialType = (JSON.parse(credentialsResponse.text) as Array<Record<string, any>>).find((c) => c.name === 'mistralAiApi');
		expect(credentialType).toBeDefined();
		// Our notice (which nodes the credential serves) leads; n8n appends its own fields (allowedHttpRequestDomains, allowedDomains) after ours.
		const fields = credentialType!.properties.filter((p: { type: string }) => p.type !== 'notice');
		expect(fields.slice(0, 2).map((p: { name: string }) => p.name)).toEqual(['apiKey', 'baseUrl']);
		expect(credentialType!.supportedNodes).toEqual(expect.arrayContaining([CHAT_TYPE, EMBED_TYPE]));
		const credentialIcon = credentialType!.iconUrl?.light ?? credentialType!.iconUrl;
		expect(typeof credentialIcon).toBe('string');
		expect((await rest('GET', `/${credentialIcon}`)).status).toBe(200);

		// The model pickers (resource locator "From list") through n8n, with the stored credential.
		for (const [type, expected] of [
			[CHAT_TYPE, 'mistral-small-latest'],
			[EMBED_TYPE, 'mistral-embed'],
			[`${PACKAGE}.mistralDocumentAi`, 'mistral-ocr-latest'],
		]) {
			const models = await rest('POST', '/rest/dynamic-node-parameters/resource-locator-results', {
				nodeTypeAndVersion: { name: type, version: 1 },
				path: 'model',
				methodName: 'searchModels',
				currentNodeParameters: {},
				credentials: { mistralAiApi: CREDENTIAL },
			});
			if (models.status !== 200) throw new Error(`model list of ${type}: HTTP ${models.status} ${models.text.slice(0, 500)}`);
			const values = (JSON.parse(models.text).data.results as Array<{ value: string }>).map((r) => r.value);
			expect(values).toContain(expected);
		}
	}, 120_000);

	it('offers "Mistral Chat Tool" to AI Agents with a prompt the agent writes, and no "Mistral Embed Tool"', async () => {
		const types = await servedNodeTypes();
		const names = types.map((t) => String(t.name)).filter((name) => name.startsWith(PACKAGE));
		// The AI sub-nodes (test/e2e/subnodes.e2e.ts) are served too, and offer no tool versions;
		// Mistral Moderate, Mistral Document AI (documents.e2e.ts) and Mistral Audio (audio.e2e.ts) have theirs.
		expect(names.sort()).toEqual(
			[
				CHAT_TYPE,
				`${PACKAGE}.mistralChatModel`,
				`${CHAT_TYPE}Tool`,
				EMBED_TYPE,
				`${PACKAGE}.mistralEmbeddings`,
				`${PACKAGE}.mistralModerate`,
				`${PACKAGE}.mistralModerateTool`,
				`${PACKAGE}.mistralDocumentAi`,
				`${PACKAGE}.mistralDocumentAiTool`,
				`${PACKAGE}.mistralAudio`,
				`${PACKAGE}.mistralAudioTool`,
			].sort(),
		);
		const tool = types.find((t) => t.name === `${CHAT_TYPE}Tool`)!;
		expect(tool.displayName).toBe('Mistral Chat Tool');
		expect(tool.outputs).toEqual(['ai_tool']);
		expect(tool.inputs).toEqual([]);

		// The parameters of a newly added tool node, resolved by n8n's own rules against the served
		// description ("@tool" display options included), as the editor does.
		const { NodeHelpers } = await import('n8n-workflow');
		const node = { typeVersion: 1 };
		const toolParameters = NodeHelpers.getNodeParameters(tool.properties, {}, true, false, node, tool as any)!;
		// In the form the editor shows as "Defined automatically by the model".
		expect(toolParameters.prompt).toMatch(/^=\{\{ \/\*n8n-auto-generated-fromAI-override\*\/ \$fromAI\('Prompt', `[^`]+`, 'string'\) \}\}$/);
		// What the agent reads about the tool: written for an agent, not "Send each item...".
		expect(toolParameters.toolDescription).toMatch(/^Ask a Mistral chat model/);
		const chat = types.find((t) => t.name === CHAT_TYPE)!;
		const chatParameters = NodeHelpers.getNodeParameters(chat.properties, {}, true, false, node, chat as any)!;
		expect(chatParameters.prompt).toBe('={{ $json.prompt }}');

		// The editor's "Docs" link: n8n opens documentationUrl as it is (to a codex URL it appends
		// ?utm_..., which broke the old "#readme" link).
		const ours = types.filter((t) => t.name.startsWith('n8n-nodes-mistral.'));
		expect(ours.length).toBeGreaterThanOrEqual(5);
		for (const type of ours) {
			expect(type.documentationUrl).toMatch(/^https:\/\/github\.com\/n8n-nodes-mistral\/n8n-nodes-mistral\/blob\/main\/README\.md#[a-z-]+$/);
			for (const doc of type.codex?.resources?.primaryDocumentation ?? []) expect(doc.url).not.toContain('#');
		}
	}, 60_000);

	it('tests the credential as the editor does (POST /rest/credentials/test): right key, wrong key, Base URL without /v1, closed port, malformed URL', async () => {
		const test = async (data: Record<string, string>) => {
			const response = await rest('POST', '/rest/credentials/test', {
				credentials: { id: CREDENTIAL.id, name: CREDENTIAL.name, type: 'mistralAiApi', data },
			});
			if (response.status !== 200) throw new Error(`credential test: HTTP ${response.status} ${response.text.slice(0, 500)}`);
			return (JSON.parse(response.text) as { data: { status: string; message: string } }).data;
		};
		const before = server.requests.length;
		const right = await test({ apiKey: server.apiKey!, baseUrl: server.url });
		expect(right.status).toBe('OK');

		const wrongKey = 'sk-e2e-wrong-key-5d1c';
		const wrong = await test({ apiKey: wrongKey, baseUrl: server.url });
		expect(wrong.status).toBe('Error');
		expect(wrong.message).toMatch(/API key/i);
		expect(wrong.message).toMatch(/401/);
		expect(wrong.message).not.toContain(wrongKey);

		const noVersion = await test({ apiKey: server.apiKey!, baseUrl: server.origin });
		expect(noVersion.status).toBe('Error');
		expect(noVersion.message).toMatch(/\/v1/);

		// What the editor showed as raw codes (ECONNREFUSED, ERR_INVALID_URL) now says what to fix.
		const closedPort = await test({ apiKey: server.apiKey!, baseUrl: `http://127.0.0.1:${await freePort()}/v1` });
		expect(closedPort.status).toBe('Error');
		expect(closedPort.message).toMatch(/Check the host and port of the Base URL/);
		const malformed = await test({ apiKey: server.apiKey!, baseUrl: 'api mistral ai' });
		expect(malformed.status).toBe('Error');
		expect(malformed.message).toMatch(/^The Base URL "api mistral ai" is not a valid URL/);

		// Each test reached the server's model list with the key it was given.
		const seen = server.requests.slice(before).map((r) => [r.rawPath, r.status]);
		expect(seen).toEqual(expect.arrayContaining([['/v1/models', 200], ['/v1/models', 401], ['/models', 404]]));
		expect(log()).not.toContain(wrongKey);
	}, 60_000);
});

describe('the example workflows (n8n execute)', () => {
	// chat-batch-submit-collect.json has its test in batch.e2e.ts (with the Batch API's server clock).
	const covered = [
		'chat-classify-rows.json',
		'embed-table.json',
		'vision-image.json',
		'chat-batch-submit-collect.json',
		// Tested in moderation.e2e.ts.
		'moderate-form-messages.json',
		// Tested in documents.e2e.ts (it needs a folder of PDFs).
		'documents-invoices-table.json',
		// Tested in audio.e2e.ts.
		'voice-note-summary.json',
	];

	it('use the credential that `npm start` creates from MISTRAL_API_KEY', () => {
		const startScript = fs.readFileSync(path.join(ROOT, 'scripts', 'start.sh'), 'utf8');
		const id = /id: "([^"]+)"/.exec(startScript)?.[1];
		const name = /name: "([^"]+)"/.exec(startScript)?.[1];
		expect(id).toBeDefined();
		for (const file of fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.json'))) {
			const mistralNodes = readWorkflow(path.join(ROOT, 'examples', file)).nodes.filter((n) => n.type.startsWith(`${PACKAGE}.`));
			expect(mistralNodes.length).toBeGreaterThan(0);
			for (const node of mistralNodes) expect({ file, node: node.name, credential: node.credentials?.mistralAiApi }).toEqual({ file, node: node.name, credential: { id, name } });
		}
	});

	it('every example has its own test below (a new example without one fails here)', () => {
		const examples = fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.json'));
		expect(examples.sort()).toEqual([...covered].sort());
	});

	it('chat-classify-rows: one JSON-schema answer per row, in order, with usage', async () => {
		const id = workflowId('chat-classify-rows.json');
		const { run, requests } = await execute(id);
		const rows = nodeOutput(run, 'Sample reviews').map((i) => i.json);
		const items = nodeOutput(run, 'Classify with Mistral');
		expect(rows).toHaveLength(3);
		expect(items).toHaveLength(rows.length);
		items.forEach((item, index) => {
			const { json } = item;
			// Include Input Fields keeps the row; the answer is parsed JSON.
			expect(json.id).toBe(rows[index].id);
			expect(json.review).toBe(rows[index].review);
			expect(json.content).toEqual({ echo: expect.stringContaining(rows[index].review) });
			expect(json.finish_reason).toBe('stop');
			expect(json.model).toEqual(expect.any(String));
			expectUsage(json);
		});
		const chatCalls = requests.filter((r) => r.path === '/chat/completions');
		expect(chatCalls).toHaveLength(3);
		for (const call of chatCalls) {
			expect(call.status).toBe(200);
			expect(call.authorization).toBe(`Bearer ${server.apiKey}`);
			expect(call.body.model).toBe('mistral-small-latest');
			expect(call.body.response_format).toEqual(
				expect.objectContaining({ type: 'json_schema', json_schema: expect.objectContaining({ name: 'review_classification', strict: true }) }),
			);
			expect(call.body.messages[0].role).toBe('system');
		}
	}, 120_000);

	it('embed-table: 1024-dimension vectors for mistral-embed, each on its own row, in input order', async () => {
		const id = workflowId('embed-table.json');
		const { run, requests } = await execute(id);
		const rows = nodeOutput(run, 'Texts').map((i) => i.json);
		const items = nodeOutput(run, 'Embed with Mistral');
		expect(rows.length).toBeGreaterThan(1);
		expect(items.map((i) => i.json.id)).toEqual(rows.map((r) => r.id));
		items.forEach((item, index) => {
			const vector = item.json.embedding as number[];
			expect(item.json.text).toBe(rows[index].text);
			expect(vector).toHaveLength(1024);
			// The server's vectors depend only on the text, and it returns them shuffled: the vector of
			// this row's own text shows the node put every vector back on its row.
			const expected = embeddingFor(rows[index].text, 'mistral-embed', 1024);
			expect(Math.max(...vector.map((v, i) => Math.abs(v - expected[i])))).toBeLessThan(1e-6);
		});
		// Keep id and vector: what is handed on to a vector store.
		const handedOn = nodeOutput(run, 'Keep id and vector');
		expect(handedOn.map((i) => Object.keys(i.json).sort())).toEqual(rows.map(() => ['embedding', 'id']));
		expect(handedOn.map((i) => i.json.embedding)).toEqual(items.map((i) => i.json.embedding));
		const embedCalls = requests.filter((r) => r.path === '/embeddings');
		expect(embedCalls.length).toBeGreaterThanOrEqual(1);
		// Batched: fewer requests than rows.
		expect(embedCalls.length).toBeLessThan(rows.length);
		expect(embedCalls.every((r) => r.status === 200)).toBe(true);
	}, 120_000);

	it('vision-image: the PNG made in the workflow reaches the model as an image', async () => {
		const id = workflowId('vision-image.json');
		const { run, requests } = await execute(id);
		const items = nodeOutput(run, 'Describe with Mistral');
		expect(items).toHaveLength(1);
		expect(items[0].json.content).toEqual(expect.stringMatching(/^Echo: Describe this image/));
		expectUsage(items[0].json);
		const chatCalls = requests.filter((r) => r.path === '/chat/completions');
		expect(chatCalls).toHaveLength(1);
		const png = (readWorkflow(path.join(ROOT, 'examples', 'vision-image.json')).nodes as any[])
			.find((n) => n.type === 'n8n-nodes-base.set')
			.parameters.assignments.assignments[0].value as string;
		const lastMessage = chatCalls[0].body.messages.at(-1);
		expect(lastMessage.role).toBe('user');
		const parts = lastMessage.content as Array<{ type: string; image_url?: string | { url: string } }>;
		const image = parts.find((p) => p.type === 'image_url');
		const url = typeof image?.image_url === 'string' ? image.image_url : image?.image_url?.url;
		expect(url).toBe(`data:image/png;base64,${png}`);
		expect(parts.some((p) => p.type === 'text')).toBe(true);
	}, 120_000);

	it('Continue On Fail: failing items become error items (or go to the error output), the others succeed', async () => {
		const { run } = await execute(workflowId('chat-continue-on-fail.json'));
		const prompts = nodeOutput(run, 'Prompts').map((i) => i.json);

		// "On Error: Continue": one output item per input item, errors in place.
		const items = nodeOutput(run, 'Chat (continue)');
		expect(items).toHaveLength(prompts.length);
		expect(items[0].json.content).toEqual({ echo: expect.stringContaining('first question') });
		expect(items[3].json.content).toEqual({ echo: expect.stringContaining('fourth question') });
		expectUsage(items[0].json);
		// Item 1: the server answered invalid JSON for a JSON response format.
		expect(items[1].json.error).toEqual(expect.stringMatching(/JSON.*\[item 1\]$/is));
		expect(items[1].json.content).toBeUndefined();
		// Item 2: empty prompt, rejected before any request.
		expect(items[2].json.error).toEqual(expect.stringMatching(/prompt.*empty.*\[item 2\]$/is));

		// "On Error: Continue (using error output)": successes on output 0, failures on output 1.
		const successes = nodeOutput(run, 'Chat (error output)', 0);
		const failures = nodeOutput(run, 'Chat (error output)', 1);
		expect(successes.map((i) => i.json.n)).toEqual([0, 3]);
		expect(successes.every((i) => typeof i.json.content === 'object')).toBe(true);
		// n8n puts the input item's fields next to the error on the error output.
		expect(failures.map((i) => i.json.n)).toEqual([1, 2]);
		expect(failures.map((i) => i.json.error)).toEqual([items[1].json.error, items[2].json.error]);
	}, 120_000);
});

describe('the error output with an API error (n8n execute)', () => {
	it('routes the failed row to the error output with its fields, what to do and the HTTP code', async () => {
		const { run } = await execute(workflowId('chat-error-output-api-error.json'));
		const successes = nodeOutput(run, 'Chat (error output)', 0);
		const failures = nodeOutput(run, 'Chat (error output)', 1);
		expect(successes.map((i) => i.json.n)).toEqual([0]);
		expect(failures.map((i) => i.json.n)).toEqual([1]);
		const failure = failures[0].json;
		expect(failure.error).toEqual(expect.stringMatching(/no-such-model.*\[item 1\]$/s));
		// n8n 2.x takes `details` on an error-output item; n8n 1.x only `error` and `message` (any other
		// key sent the item to the success output), so there the node puts both in `message`.
		if (N8N_VERSION.startsWith('1.')) {
			expect(failure.message).toEqual(expect.stringMatching(/HTTP \d{3}$/));
			expect(failure.details).toBeUndefined();
		} else {
			expect(failure.details).toEqual(expect.objectContaining({ httpCode: expect.stringMatching(/^\d{3}$/) }));
		}
	}, 120_000);
});

describe('an option typed as an expression that is out of range (n8n execute)', () => {
	it('Batch Size {{ \'auto\' }} on Mistral Embed, realtime and Batch API: one error naming the option, no request, the execution ends', async () => {
		const before = server.requests.length;
		const started = Date.now();
		const result = await runN8n(['execute', `--id=${workflowId('embed-bad-batch-size.json')}`, '--rawOutput'], { N8N_LOG_LEVEL: 'info', N8N_RUNNERS_BROKER_PORT: String(brokerPort) }, 90_000);
		const seconds = (Date.now() - started) / 1000;
		const output = result.stdout + result.stderr;
		expectPackageLoaded(output);
		const run = parseRun(result.stdout);
		const errorOf = (node: string) => (run.data.resultData.runData[node]?.[0]?.error as { message?: string } | undefined)?.message;
		const message = '"Batch Size" is "auto"; it must be a whole number from 1 to 2,048';
		// The first node continues on error (n8n passes its input on), so the second runs too; the
		// execution ends with the second node's error.
		expect([errorOf('Embed (realtime)'), errorOf('Embed (Batch API)')]).toEqual([message, message]);
		const requests = server.requests.length - before;
		console.log(`[e2e ${N8N_VERSION}] Batch Size 'auto', realtime and Batch API: ${requests} request(s) at the server, n8n execute ended in ${seconds.toFixed(1)} s (exit ${result.code})`);
		expect(requests).toBe(0);
	}, 120_000);
});

describe('Mistral Chat Tool under an AI Agent (n8n execute)', () => {
	it('works with its defaults: the agent\'s model gets a "Prompt" argument, the tool sends it to Mistral, the answer goes back to the agent', async () => {
		const message = 'Translate to French: the invoice is overdue';
		// The agent's model (first request) decides to call the tool, as a model would (with a
		// Mistral-shaped id: the server, like Mistral, rejects any other when the agent sends it back).
		server.enqueue({
			path: '/chat/completions',
			body: {
				id: 'agent-turn-1',
				object: 'chat.completion',
				created: Math.floor(Date.now() / 1000),
				model: 'mistral-small-latest',
				choices: [
					{
						index: 0,
						message: {
							role: 'assistant',
							content: '',
							tool_calls: [{ id: 'callAgnt1', type: 'function', function: { name: 'Ask_Mistral', arguments: JSON.stringify({ Prompt: message }) } }],
						},
						finish_reason: 'tool_calls',
					},
				],
				usage: { prompt_tokens: 50, completion_tokens: 20, total_tokens: 70 },
			},
		});
		const { run, requests } = await execute(workflowId('agent-chat-tool.json'));
		const calls = requests.filter((r) => r.path === '/chat/completions');
		expect(calls).toHaveLength(3);
		const [agentTurn1, toolCall, agentTurn2] = calls;

		// 1. What the agent's model was offered: our tool, described for an agent, with one argument.
		const offered = (agentTurn1.body.tools as Array<{ function: { name: string; description: string; parameters: any } }>).map((t) => t.function);
		const tool = offered.find((f) => f.name === 'Ask_Mistral');
		if (!tool) throw new Error(`the agent was not offered the tool; it got ${offered.map((f) => f.name).join(', ')}`);
		expect(tool.description).toMatch(/^Ask a Mistral chat model/);
		expect(Object.keys(tool.parameters.properties)).toEqual(['Prompt']);
		expect(tool.parameters.required).toEqual(['Prompt']);

		// 2. The tool (Mistral Chat Tool with its defaults) sent the agent's message, and only that.
		expect(toolCall.status).toBe(200);
		expect(toolCall.authorization).toBe(`Bearer ${server.apiKey}`);
		expect(toolCall.body.model).toBe('mistral-small-latest');
		expect(toolCall.body.messages).toEqual([{ role: 'user', content: message }]);
		expect(toolCall.body.tools).toBeUndefined();

		// 3. The answer went back to the agent as the tool's result.
		expect(agentTurn2.status).toBe(200);
		const toolResult = (agentTurn2.body.messages as Array<{ role: string; content: string }>).find((m) => m.role === 'tool');
		expect(toolResult).toBeDefined();
		expect(JSON.parse(toolResult!.content)).toEqual([expect.objectContaining({ content: `Echo: ${message}`, finish_reason: 'stop' })]);
		expect(nodeOutput(run, 'AI Agent')[0].json.output).toEqual(expect.any(String));
	}, 120_000);
});
