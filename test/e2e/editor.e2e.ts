/**
 * End-to-end, in a browser: n8n's editor as a user sees it, on every n8n version scripts/e2e.sh runs.
 *  - the node panel's search finds both nodes (typing "Mistral"), each with its icon loaded;
 *  - a Mistral credential opened in the editor is tested against the local Mistral-compatible
 *    server: "Connection tested successfully" with the right key, and with a wrong key the
 *    failure whose details are our 401 message.
 *  - an AI Agent run with the Mistral Chat Model and n8n's Calculator (n8n >= 2.16): its logs show the
 *    tool name and arguments in the model's tool-calling step;
 *  - a Simple Vector Store insert and search with Mistral Embeddings beside n8n's own Embeddings
 *    OpenAI (pointed at the same local server): the canvas labels both sub-nodes' edges alike;
 *  - the output schema n8n serves for the schema preview.
 * Screenshots go to the user folder's e2e-output/ (kept with E2E_KEEP=1), or E2E_SCREENSHOT_DIR.
 *
 * Needs a Chromium (Debian: apt-get install chromium; or E2E_CHROMIUM=/path/to/chrome) and
 * playwright-core, which the dev tree already holds (through @n8n/node-cli's dependencies). Without
 * either, the test is skipped and its name says why.
 */
import fs from 'node:fs';
import path from 'node:path';

import { countTokens, startMistralServer } from '../server/mistralServer';
import type { MistralTestServer } from '../server/mistralServer';
import { N8N_VERSION, n8nAtLeast } from './n8nVersion';
import { type RunningN8n, startN8nServer, USER_FOLDER } from './n8nProcess';

const OWNER = { email: 'editor-e2e@example.com', firstName: 'Editor', lastName: 'Test', password: 'E2e-password-1234' };
const VERSION_TAG = N8N_VERSION ? `n8n-${N8N_VERSION}` : 'n8n';
const SCREENSHOTS = process.env.E2E_SCREENSHOT_DIR || path.join(USER_FOLDER, 'e2e-output');

function findChromium(): string | undefined {
	const candidates = [process.env.E2E_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
	return candidates.find((file): file is string => !!file && fs.existsSync(file));
}

// playwright-core is not a declared dependency of this project (the tree has it through
// @n8n/node-cli), so it is loaded only when present, and typed loosely.
function loadPlaywright(): any | undefined {
	try {
		return require('playwright-core');
	} catch {
		return undefined;
	}
}

const chromiumPath = findChromium();
const playwright = loadPlaywright();
const skipReason = !chromiumPath
	? 'no Chromium found: apt-get install chromium, or set E2E_CHROMIUM'
	: !playwright
		? 'playwright-core is not in node_modules'
		: '';
const itInBrowser = skipReason ? (name: string, fn: jest.ProvidesCallback, timeout?: number) => it.skip(`${name} [skipped: ${skipReason}]`, fn, timeout) : it;

/** `n8n start` in its own user folder holding the same installed package as the other e2e tests. */
function startN8n(userFolder: string): Promise<RunningN8n> {
	// A busy 2-core machine can take over 90 s to bring n8n up.
	return startN8nServer({ N8N_USER_FOLDER: userFolder, N8N_ENCRYPTION_KEY: 'n8n-nodes-mistral-editor-e2e-key' }, 240_000);
}

type Node = Record<string, unknown> & { name: string; type: string };
const ai = (from: string, type: string, to: string) => ({ [from]: { [type]: [[{ node: to, type, index: 0 }]] } });
const main = (from: string, ...to: string[]) => ({ [from]: { main: [to.map((node) => ({ node, type: 'main', index: 0 }))] } });

/** 50 short documents (one chunk each) and the two queries the searches embed. */
const DOCUMENTS = 50;
const QUERIES = ['granite bridge lantern', 'winter storm beacon'];

function agentWorkflow(credential: { id: string; name: string }) {
	const nodes: Node[] = [
		{ name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		{ name: 'AI Agent', type: '@n8n/n8n-nodes-langchain.agent', typeVersion: 3.1, position: [260, 0], parameters: { promptType: 'define', text: '17*23', options: {} } },
		{
			name: 'Mistral Chat Model',
			type: 'n8n-nodes-mistral.mistralChatModel',
			typeVersion: 1,
			position: [200, 220],
			parameters: { model: { __rl: true, mode: 'id', value: 'mistral-small-latest' }, options: {} },
			credentials: { mistralAiApi: credential },
		},
		{ name: 'Calculator', type: '@n8n/n8n-nodes-langchain.toolCalculator', typeVersion: 1, position: [440, 220], parameters: {} },
	];
	return {
		name: 'editor e2e: AI Agent + Mistral Chat Model + Calculator',
		nodes,
		connections: { ...main('Start', 'AI Agent'), ...ai('Mistral Chat Model', 'ai_languageModel', 'AI Agent'), ...ai('Calculator', 'ai_tool', 'AI Agent') },
		settings: { executionOrder: 'v1' },
		// n8n 1.x stores no default for it.
		active: false,
	};
}

/** A streaming Webhook -> AI Agent (streaming) with the Mistral Chat Model, published: a streamed execution. */
const STREAM_PATH = 'editor-e2e-stream';
function streamingWorkflow(credential: { id: string; name: string }) {
	const nodes: Node[] = [
		{
			name: 'Webhook',
			type: 'n8n-nodes-base.webhook',
			typeVersion: 2.1,
			position: [0, 0],
			webhookId: 'b6f3a7de-5b0e-4e0f-9a53-2f4a8d1c9e21',
			parameters: { httpMethod: 'POST', path: STREAM_PATH, responseMode: 'streaming', options: {} },
		},
		{
			name: 'AI Agent',
			type: '@n8n/n8n-nodes-langchain.agent',
			typeVersion: 3.1,
			position: [260, 0],
			parameters: { promptType: 'define', text: '={{ $json.body.prompt }}', options: { enableStreaming: true } },
		},
		{
			name: 'Mistral Chat Model',
			type: 'n8n-nodes-mistral.mistralChatModel',
			typeVersion: 1,
			position: [260, 220],
			parameters: { model: { __rl: true, mode: 'id', value: 'mistral-small-latest' }, options: {} },
			credentials: { mistralAiApi: credential },
		},
	];
	return {
		name: 'editor e2e: streamed agent answer with the Mistral Chat Model',
		nodes,
		connections: { ...main('Webhook', 'AI Agent'), ...ai('Mistral Chat Model', 'ai_languageModel', 'AI Agent') },
		settings: { executionOrder: 'v1' },
		// n8n 1.x stores no default for it.
		active: false,
	};
}

/** Three prompts through Mistral Chat in batch mode (submit and wait). */
function batchWorkflow(credential: { id: string; name: string }) {
	const nodes: Node[] = [
		{ name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		{
			name: 'Prompts',
			type: 'n8n-nodes-base.code',
			typeVersion: 2,
			position: [220, 0],
			parameters: { jsCode: "return ['red', 'green', 'blue'].map((colour) => ({ json: { prompt: 'One word for ' + colour } }));" },
		},
		{
			name: 'Mistral Chat',
			type: 'n8n-nodes-mistral.mistralChat',
			typeVersion: 1,
			position: [460, 0],
			parameters: { model: { __rl: true, mode: 'id', value: 'mistral-small-latest' }, processing: 'batch', prompt: '={{ $json.prompt }}' },
			credentials: { mistralAiApi: credential },
		},
	];
	return {
		name: 'editor e2e: Mistral Chat in batch mode',
		nodes,
		connections: { ...main('Start', 'Prompts'), ...main('Prompts', 'Mistral Chat') },
		settings: { executionOrder: 'v1' },
		// n8n 1.x stores no default for it.
		active: false,
	};
}

/** Opens a node's panel from the canvas, as a double-click does. */
async function openNode(page: any, name: string): Promise<void> {
	const node = page.locator(`[data-test-id="canvas-node"][data-node-name="${name}"]`).first();
	if (await node.count()) await node.dblclick();
	else await page.getByText(name, { exact: true }).first().dblclick();
	await page.locator('[data-test-id="ndv"], .ndv-wrapper, [data-test-id="node-parameters"]').first().waitFor({ timeout: 15_000 });
}

/** Insert and search with Mistral Embeddings (top) and n8n's own Embeddings OpenAI (bottom), same server. */
function embeddingsWorkflow(mistral: { id: string; name: string }, openAi: { id: string; name: string }) {
	const store = (name: string, key: string, position: [number, number], parameters: Record<string, unknown>): Node => ({
		name,
		type: '@n8n/n8n-nodes-langchain.vectorStoreInMemory',
		typeVersion: 1.3,
		position,
		parameters: { memoryKey: { __rl: true, mode: 'id', value: key }, ...parameters },
	});
	const loader = (name: string, position: [number, number]): Node => ({
		name,
		type: '@n8n/n8n-nodes-langchain.documentDefaultDataLoader',
		typeVersion: 1.1,
		position,
		parameters: { jsonMode: 'expressionData', jsonData: '={{ $json.text }}' },
	});
	const ours = (name: string, position: [number, number]): Node => ({
		name,
		type: 'n8n-nodes-mistral.mistralEmbeddings',
		typeVersion: 1,
		position,
		parameters: { model: { __rl: true, mode: 'id', value: 'mistral-embed' }, options: {} },
		credentials: { mistralAiApi: mistral },
	});
	const theirs = (name: string, position: [number, number]): Node => ({
		name,
		type: '@n8n/n8n-nodes-langchain.embeddingsOpenAi',
		typeVersion: 1.2,
		position,
		parameters: { model: 'mistral-embed', options: {} },
		credentials: { openAiApi: openAi },
	});
	const queries = (name: string, position: [number, number]): Node => ({
		name,
		type: 'n8n-nodes-base.code',
		typeVersion: 2,
		position,
		parameters: { jsCode: `return ${JSON.stringify(QUERIES)}.map((query) => ({ json: { query } }));`, mode: 'runOnceForAllItems' },
		executeOnce: true,
	});
	const nodes: Node[] = [
		{ name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 200], parameters: {} },
		{
			name: 'Documents',
			type: 'n8n-nodes-base.code',
			typeVersion: 2,
			position: [220, 200],
			parameters: { jsCode: `return Array.from({ length: ${DOCUMENTS} }, (_, i) => ({ json: { text: 'Note ' + i + ': the river runs past an old granite bridge where lantern light falls on quiet water' } }));` },
		},
		store('Insert (Mistral)', 'editor_e2e_mistral', [480, 0], { mode: 'insert', clearStore: true }),
		ours('Mistral Embeddings', [440, 200]),
		loader('Data Loader (Mistral)', [620, 200]),
		queries('Queries (Mistral)', [860, 0]),
		store('Search (Mistral)', 'editor_e2e_mistral', [1100, 0], { mode: 'load', prompt: '={{ $json.query }}', topK: 2 }),
		ours('Search Embeddings (Mistral)', [1100, 200]),
		store('Insert (OpenAI)', 'editor_e2e_openai', [480, 440], { mode: 'insert', clearStore: true }),
		theirs('Embeddings OpenAI', [440, 640]),
		loader('Data Loader (OpenAI)', [620, 640]),
		queries('Queries (OpenAI)', [860, 440]),
		store('Search (OpenAI)', 'editor_e2e_openai', [1100, 440], { mode: 'load', prompt: '={{ $json.query }}', topK: 2 }),
		theirs('Search Embeddings (OpenAI)', [1100, 640]),
	];
	return {
		name: 'editor e2e: Mistral Embeddings beside Embeddings OpenAI',
		nodes,
		connections: {
			...main('Start', 'Documents'),
			...main('Documents', 'Insert (Mistral)', 'Insert (OpenAI)'),
			...main('Insert (Mistral)', 'Queries (Mistral)'),
			...main('Queries (Mistral)', 'Search (Mistral)'),
			...main('Insert (OpenAI)', 'Queries (OpenAI)'),
			...main('Queries (OpenAI)', 'Search (OpenAI)'),
			...ai('Mistral Embeddings', 'ai_embedding', 'Insert (Mistral)'),
			...ai('Data Loader (Mistral)', 'ai_document', 'Insert (Mistral)'),
			...ai('Search Embeddings (Mistral)', 'ai_embedding', 'Search (Mistral)'),
			...ai('Embeddings OpenAI', 'ai_embedding', 'Insert (OpenAI)'),
			...ai('Data Loader (OpenAI)', 'ai_document', 'Insert (OpenAI)'),
			...ai('Search Embeddings (OpenAI)', 'ai_embedding', 'Search (OpenAI)'),
		},
		settings: { executionOrder: 'v1' },
		// n8n 1.x stores no default for it.
		active: false,
	};
}

describe(`the editor in a browser (n8n ${N8N_VERSION || '?'})`, () => {
	let server: MistralTestServer;
	let n8n: Awaited<ReturnType<typeof startN8n>> | undefined;
	let browser: any;
	/** Set by the first test: the signed-in page, the REST session and the credentials it made. */
	let page: any;
	let rest: (method: string, route: string, body?: unknown) => Promise<any>;
	let mistralCredential = { id: '', name: 'Mistral (right key)' };

	beforeAll(async () => {
		server = await startMistralServer({ recordBodies: true });
	});

	afterAll(async () => {
		await browser?.close();
		await n8n?.stop();
		await server?.close();
	});

	itInBrowser('finds both nodes with their icons in the node search, and tests the credential', async () => {
		// A user folder of its own (its own database and owner), with the package the e2e installed.
		const userFolder = path.join(USER_FOLDER, 'editor-browser');
		fs.mkdirSync(path.join(userFolder, '.n8n'), { recursive: true });
		fs.cpSync(path.join(USER_FOLDER, '.n8n', 'nodes'), path.join(userFolder, '.n8n', 'nodes'), { recursive: true });
		n8n = await startN8n(userFolder);
		const { baseUrl } = n8n;

		// The owner account, then two credentials through the REST API the editor uses.
		const browserId = 'n8n-nodes-mistral-editor-e2e';
		const setup = await fetch(`${baseUrl}/rest/owner/setup`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'browser-id': browserId },
			body: JSON.stringify(OWNER),
		});
		expect(setup.status).toBe(200);
		const cookie = (setup.headers.get('set-cookie') ?? '').split(';')[0];
		rest = async (method, route, body) => {
			// A connection reset by a busy machine is tried again (twice at most); answers are not.
			const send = () =>
				fetch(`${baseUrl}/rest/${route}`, {
					method,
					headers: { 'content-type': 'application/json', 'browser-id': browserId, cookie },
					body: body === undefined ? undefined : JSON.stringify(body),
				});
			const response = await send().catch(async () => await send().catch(async () => await send()));
			const text = await response.text();
			if (response.status !== 200) throw new Error(`${method} /rest/${route}: HTTP ${response.status} ${text.slice(0, 300)}`);
			return JSON.parse(text).data;
		};
		const credentialIds: Record<'right' | 'wrong', string> = { right: '', wrong: '' };
		for (const [which, apiKey] of [
			['right', server.apiKey ?? ''],
			['wrong', 'not-the-key'],
		] as const) {
			const created = await fetch(`${baseUrl}/rest/credentials`, {
				method: 'POST',
				headers: { 'content-type': 'application/json', 'browser-id': browserId, cookie },
				body: JSON.stringify({ name: `Mistral (${which} key)`, type: 'mistralAiApi', data: { apiKey, baseUrl: server.url } }),
			});
			const text = await created.text();
			if (created.status !== 200) throw new Error(`creating a credential: HTTP ${created.status} ${text.slice(0, 300)}`);
			credentialIds[which] = JSON.parse(text).data.id;
		}

		mistralCredential = { id: credentialIds.right, name: 'Mistral (right key)' };
		browser = await playwright.chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
		page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
		// A busy machine can take longer than Playwright's 30 s to load the editor.
		page.setDefaultNavigationTimeout(120_000);
		fs.mkdirSync(SCREENSHOTS, { recursive: true });
		const screenshot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `editor-${name}-${VERSION_TAG}.png`) });
		try {
			await page.goto(`${baseUrl}/signin`);
			await page.fill('input[type="email"]', OWNER.email);
			await page.fill('input[type="password"]', OWNER.password);
			await page.keyboard.press('Enter');
			await page.waitForURL((url: URL) => !url.pathname.includes('signin'), { timeout: 30_000 });

			// The node panel ("Add first step" on an empty canvas), searched the way a user does.
			await page.goto(`${baseUrl}/workflow/new`);
			await page.locator('[data-test-id="canvas-add-button"]').first().click({ timeout: 90_000 });
			// n8n 2.x marks the search input itself, 1.x its wrapper.
			const search = page.locator('input[data-test-id="node-creator-search-bar"], [data-test-id="node-creator-search-bar"] input').first();
			await search.waitFor({ timeout: 15_000 });
			await search.fill('Mistral');
			const items = page.locator('[data-test-id="node-creator-node-item"]');
			for (const name of ['Mistral Chat', 'Mistral Embed']) {
				const item = items.filter({ has: page.getByText(name, { exact: true }) }).first();
				await item.waitFor({ timeout: 15_000 }).catch(async () => {
					await screenshot('node-search-failed');
					const shown = await items.allInnerTexts();
					throw new Error(`the node search for "Mistral" does not show ${name}; it shows: ${shown.join(' | ') || 'nothing'}`);
				});
				const icon = item.locator('img').first();
				expect(await icon.getAttribute('src')).toContain('/icons/n8n-nodes-mistral/');
				// Loaded, not a broken image.
				await page.waitForFunction((img: any) => img.complete && img.naturalWidth > 0, await icon.elementHandle(), { timeout: 10_000 });
			}
			await screenshot('node-search');

			// Opening a credential tests it, as the editor does when a user opens or saves one.
			await page.goto(`${baseUrl}/home/credentials/${credentialIds.right}`);
			await page.getByText('Connection tested successfully').waitFor({ timeout: 30_000 });
			await screenshot('credential-test');
			const requestsBefore = server.requests.length;
			await page.goto(`${baseUrl}/home/credentials/${credentialIds.wrong}`);
			await page.getByText(/Couldn.t connect with these settings/).waitFor({ timeout: 30_000 });
			const moreDetails = page.getByText('More details').first();
			if (await moreDetails.isVisible()) await moreDetails.click();
			await page.getByText('The API key was rejected (401)', { exact: false }).first().waitFor({ timeout: 10_000 });
			await screenshot('credential-test-wrong-key');
			// The test reached our server with the stored key (a 401 for it), not just a form check.
			const modelCalls = server.requests.slice(requestsBefore).filter((r) => r.path === '/models');
			expect(modelCalls.length).toBeGreaterThan(0);
			expect(modelCalls.every((r) => r.status === 401)).toBe(true);
		} catch (error) {
			await screenshot('failure').catch(() => undefined);
			throw error;
		}
	}, 420_000);
	/** Opens a workflow, runs it with the editor's own button, and waits until every node has run. */
	async function runInEditor(workflowId: string, lastNode: string): Promise<void> {
		const { baseUrl } = n8n!;
		await page.goto(`${baseUrl}/workflow/${workflowId}`);
		const button = page.locator('[data-test-id="execute-workflow-button"]').first();
		await button.click({ timeout: 120_000 });
		// The last node's output edge or its success state: poll the execution through the REST API the editor uses.
		const deadline = Date.now() + 120_000;
		for (;;) {
			const executions = await rest('GET', `executions?filter=${encodeURIComponent(JSON.stringify({ workflowId }))}`);
			const list = Array.isArray(executions) ? executions : (executions?.results ?? []);
			const done = list.find((execution: { status?: string }) => execution.status && execution.status !== 'running' && execution.status !== 'new');
			if (done) {
				if (done.status !== 'success') throw new Error(`the workflow ended with status ${done.status}`);
				break;
			}
			if (Date.now() > deadline) throw new Error(`the workflow did not finish (${lastNode})`);
			await new Promise((resolve) => setTimeout(resolve, 1000));
		}
		await page.waitForTimeout(1500);
	}

	/** Opens the logs panel (collapsed at first) and returns the entries of the named node. */
	async function openLogs(nodeName: string): Promise<any> {
		const entries = page.locator('[data-test-id="logs-overview-body"] [role="treeitem"]').filter({ hasText: nodeName });
		// The header toggles the panel; a click before the page has settled may be lost, so look, then click again.
		for (let attempt = 0; attempt < 4; attempt++) {
			if (await entries.first().isVisible().catch(() => false)) return entries;
			await page.locator('[data-test-id="logs-overview-header"]').first().click({ timeout: 15_000 }).catch(() => undefined);
			await entries.first().waitFor({ timeout: 8_000 }).catch(() => undefined);
		}
		await entries.first().waitFor({ timeout: 10_000 });
		return entries;
	}

	const itWithModel = n8nAtLeast('2.16.0')
		? itInBrowser
		: (name: string, fn: jest.ProvidesCallback, timeout?: number) =>
				it.skip(`${name} [skipped on n8n ${N8N_VERSION}: the Mistral Chat Model needs n8n >= 2.16 (its AI node SDK)]`, fn, timeout);

	itWithModel("shows the tool name and arguments in the model's tool-calling step of an agent run's logs", async () => {
		const screenshot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `editor-${name}-${VERSION_TAG}.png`) });
		try {
			const workflow = await rest('POST', 'workflows', agentWorkflow(mistralCredential));
			const before = server.requests.length;
			await runInEditor(workflow.id, 'AI Agent');
			// The tool call went back to Mistral with the arguments the model gave, without the id n8n's agent adds.
			const chats = server.requests.slice(before).filter((request) => request.path === '/chat/completions');
			expect(chats).toHaveLength(2);
			const assistant = (chats[1].body.messages as Array<Record<string, any>>).find((message) => message.role === 'assistant')!;
			expect(assistant.tool_calls[0].function).toEqual({ name: 'Calculator', arguments: '{"input":"17*23"}' });
			// The logs panel lists the agent's steps; the model's first run is the tool-calling step.
			const modelSteps = await openLogs('Mistral Chat Model');
			expect(await modelSteps.count()).toBe(2);
			await modelSteps.first().click();
			const details = page.locator('[data-test-id="log-details"]').first();
			await details.getByText('Tool call: Calculator({"input":"17*23"})', { exact: true }).waitFor({ timeout: 15_000 });
			// Exact token counts (no "~" estimate) in the step's header.
			expect(await details.locator('[data-test-id="log-details-header"]').innerText()).toMatch(/(^|\s)\d+ Tokens/);
			await screenshot('agent-logs-tool-call');
			// The answer step: its text, after the Calculator's result came back.
			await modelSteps.nth(1).click();
			await details.getByText('Echo: 17*23 (tool result: [{"response":"391"}])', { exact: false }).first().waitFor({ timeout: 15_000 });
			// Connected, the model's panel shows no "connect this node" notice (n8n hides it, as for its own sub-nodes).
			await openNode(page, 'Mistral Chat Model');
			await page.getByText('mistral-small-latest', { exact: false }).first().waitFor({ timeout: 15_000 });
			expect(await page.getByText('To use this model, connect it to an AI Agent', { exact: false }).first().isVisible().catch(() => false)).toBe(false);
			await screenshot('chat-model-panel-connected');
			await page.keyboard.press('Escape');
		} catch (error) {
			await screenshot('agent-logs-failure').catch(() => undefined);
			fs.writeFileSync(path.join(SCREENSHOTS, `editor-agent-logs-failure-${VERSION_TAG}.html`), await page.content());
			throw error;
		}
	}, 240_000);

	itWithModel("shows a streamed answer's exact token count in the logs (Mistral's usage from the stream's last chunk)", async () => {
		const screenshot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `editor-${name}-${VERSION_TAG}.png`) });
		const prompt = 'count the tokens of this streamed answer exactly please';
		try {
			// Published, as a streaming webhook runs in production; the answer read as it streams.
			const workflow = await rest('POST', 'workflows', streamingWorkflow(mistralCredential));
			await rest('POST', `workflows/${workflow.id}/activate`, { versionId: workflow.versionId });
			const before = server.requests.length;
			let streamed = '';
			for (let attempt = 0; ; attempt++) {
				const response = await fetch(`${n8n!.baseUrl}/webhook/${STREAM_PATH}`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({ prompt }),
				});
				streamed = await response.text();
				if (response.status === 200) break;
				// n8n registers a published workflow's webhook a moment after the call returns.
				if (attempt > 30) throw new Error(`webhook: HTTP ${response.status} ${streamed.slice(0, 300)}`);
				await new Promise((resolve) => setTimeout(resolve, 1000));
			}
			const pieces = streamed
				.split('\n')
				.filter((line) => line.trim() !== '')
				.map((line) => JSON.parse(line) as { type: string; content?: string });
			expect(pieces.filter((piece) => piece.type === 'item').map((piece) => piece.content).join('')).toBe(`Echo: ${prompt}`);
			// The execution, opened in the editor as a user opens it from the Executions tab.
			const executions = await rest('GET', `executions?filter=${encodeURIComponent(JSON.stringify({ workflowId: workflow.id }))}`);
			const [execution] = Array.isArray(executions) ? executions : executions.results;
			await page.goto(`${n8n!.baseUrl}/workflow/${workflow.id}/executions/${execution.id}`);
			// The model streamed (the server saw stream: true) ...
			const chats = server.requests.slice(before).filter((request) => request.path === '/chat/completions');
			expect(chats).toHaveLength(1);
			expect(chats[0].body.stream).toBe(true);
			// ... and the logs show Mistral's exact count, by Mistral's tokenizer: no "~" estimate.
			const exact =
				(chats[0].body.messages as Array<{ content: string }>).reduce((sum, message) => sum + countTokens(message.content), 0) + countTokens(`Echo: ${prompt}`);
			const modelSteps = await openLogs('Mistral Chat Model');
			await modelSteps.first().click();
			const header = page.locator('[data-test-id="log-details"] [data-test-id="log-details-header"]').first();
			await header.getByText(`${exact} Tokens`, { exact: false }).waitFor({ timeout: 15_000 });
			expect(await header.innerText()).not.toContain('~');
			await screenshot('streamed-answer-tokens');
		} catch (error) {
			await screenshot('streamed-answer-failure').catch(() => undefined);
			fs.writeFileSync(path.join(SCREENSHOTS, `editor-streamed-answer-failure-${VERSION_TAG}.html`), await page.content());
			throw error;
		}
	}, 240_000);

	itInBrowser("labels Mistral Embeddings' edges as n8n's own embeddings sub-node's", async () => {
		const screenshot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `editor-${name}-${VERSION_TAG}.png`) });
		try {
			const openAi = await rest('POST', 'credentials', { name: 'OpenAI-compatible (editor e2e)', type: 'openAiApi', data: { apiKey: server.apiKey, url: server.url } });
			const workflow = await rest('POST', 'workflows', embeddingsWorkflow(mistralCredential, { id: openAi.id, name: openAi.name }));
			await runInEditor(workflow.id, 'Search (OpenAI)');
			await page.keyboard.press('1'); // zoom to fit
			// The canvas fills its labels in a moment after the run (throttled): wait until each has one.
			const label = async (source: string) => {
				const element = page.locator(`[data-test-id="edge-label"][data-source-node-name="${source}"]`).first();
				await element.waitFor({ state: 'attached', timeout: 15_000 });
				const deadline = Date.now() + 15_000;
				for (;;) {
					const text = ((await element.textContent()) ?? '').trim();
					if (/items?/.test(text) || Date.now() > deadline) return text;
					await page.waitForTimeout(250);
				}
			};
			const labels = {
				insertOurs: await label('Mistral Embeddings'),
				insertTheirs: await label('Embeddings OpenAI'),
				searchOurs: await label('Search Embeddings (Mistral)'),
				searchTheirs: await label('Search Embeddings (OpenAI)'),
			};
			console.log(`[e2e] embeddings edge labels: ${JSON.stringify(labels)}`);
			await screenshot('embeddings-edges');
			// An insert of 50 documents reads "50 items" on both; a search reads the same on both
			// (n8n counts the numbers of the query vectors there: its own artefact, left as it is).
			expect(labels.insertOurs).toBe(`${DOCUMENTS} items`);
			expect(labels.insertTheirs).toBe(labels.insertOurs);
			expect(labels.searchOurs).toBe(labels.searchTheirs);
		} catch (error) {
			await screenshot('embeddings-edges-failure').catch(() => undefined);
			fs.writeFileSync(path.join(SCREENSHOTS, `editor-embeddings-edges-failure-${VERSION_TAG}.html`), await page.content());
			throw error;
		}
	}, 240_000);

	itInBrowser("shows a batch job's id and counts in the node's output pane", async () => {
		const screenshot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `editor-${name}-${VERSION_TAG}.png`) });
		try {
			server.configure({ batch: { speed: 1, queueSeconds: 2, requestsPerSecond: 50 } });
			const workflow = await rest('POST', 'workflows', batchWorkflow(mistralCredential));
			await runInEditor(workflow.id, 'Mistral Chat');
			const [job] = server.batch.jobSummaries().slice(-1);
			// The canvas subtitle says the node runs as a batch job.
			await page.getByText('mistral-small-latest · Batch API', { exact: true }).first().waitFor({ timeout: 15_000 });
			await openNode(page, 'Mistral Chat');
			await page.getByText(`Mistral batch job ${job.id} SUCCESS: 3 of 3 request(s) succeeded`, { exact: false }).first().waitFor({ timeout: 15_000 });
			await screenshot('batch-hint');
		} catch (error) {
			await screenshot('batch-hint-failure').catch(() => undefined);
			fs.writeFileSync(path.join(SCREENSHOTS, `editor-batch-hint-failure-${VERSION_TAG}.html`), await page.content());
			throw error;
		}
	}, 240_000);

	itInBrowser('serves the output schemas of Mistral Chat and Mistral Embed for the schema preview', async () => {
		for (const [node, field] of [
			['mistralChat', 'content'],
			['mistralEmbed', 'embedding'],
		]) {
			const response = await fetch(`${n8n!.baseUrl}/schemas/n8n-nodes-mistral.${node}/1.0.0.json`);
			expect(response.status).toBe(200);
			expect(Object.keys(((await response.json()) as { properties: object }).properties)).toContain(field);
		}
	}, 60_000);
});
