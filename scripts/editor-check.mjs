#!/usr/bin/env node
/**
 * `npm run check:editor`: the editor of a running n8n, in headless Chromium, as a new user sees it.
 * Adds an AI Agent to a new workflow, opens the agent's "Tool" connector and searches "Mistral":
 * "Mistral Chat Tool" must be offered, "Mistral Embed Tool" must not. Saves a screenshot.
 *
 *   N8N_URL=http://127.0.0.1:5678   the n8n to check (e.g. started with `npm start`)
 *   N8N_EMAIL / N8N_PASSWORD        its owner account (set up here when the instance has none yet)
 *   CHROMIUM=/usr/bin/chromium      the browser (Debian: apt-get install chromium)
 *   SCREENSHOT=docs/editor-agent-tools.png   the agent's tool list (NDV_SCREENSHOT=...: the added tool)
 *
 * Needs playwright-core (in node_modules through @n8n/ai-node-sdk's dependencies; not a dependency of ours).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const baseUrl = (process.env.N8N_URL ?? 'http://127.0.0.1:5678').replace(/\/$/, '');
const email = process.env.N8N_EMAIL ?? 'editor-check@example.com';
const password = process.env.N8N_PASSWORD ?? 'Editor-check-1234';
const chromiumPath = process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const screenshot = process.env.SCREENSHOT ?? 'docs/editor-agent-tools.png';
const browserId = 'n8n-nodes-mistral-editor-check';

function fail(message) {
	console.error(`[editor-check] FAILED: ${message}`);
	process.exit(1);
}
const say = (message) => console.error(`[editor-check] ${message}`);

let chromium;
try {
	({ chromium } = require('playwright-core'));
} catch {
	fail('playwright-core is not installed (npm ci brings it with the devDependencies)');
}
if (!chromiumPath) fail('no Chromium found: apt-get install chromium, or set CHROMIUM=/path/to/chrome');

async function rest(method, path, body, cookie) {
	const response = await fetch(baseUrl + path, {
		method,
		headers: { 'content-type': 'application/json', 'browser-id': browserId, ...(cookie ? { cookie } : {}) },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	return { status: response.status, cookie: (response.headers.get('set-cookie') ?? '').split(';')[0], json: await response.json().catch(() => null) };
}

// Sign in (or create the owner on a fresh instance), as the sign-in page would.
let auth = await rest('POST', '/rest/login', { emailOrLdapLoginId: email, password });
if (auth.status !== 200) auth = await rest('POST', '/rest/owner/setup', { email, firstName: 'Editor', lastName: 'Check', password });
if (auth.status !== 200 || !auth.cookie.startsWith('n8n-auth=')) fail(`cannot sign in to ${baseUrl} as ${email} (HTTP ${auth.status}); set N8N_EMAIL and N8N_PASSWORD`);
const cookie = auth.cookie;

// A workflow with an AI Agent, at the version the editor adds today.
const types = (await rest('GET', '/types/nodes.json', undefined, cookie)).json;
const agentType = types.filter((t) => t.name === '@n8n/n8n-nodes-langchain.agent');
if (!agentType.length) fail('this n8n has no AI Agent node');
const agentVersion = Math.max(...agentType.flatMap((t) => (Array.isArray(t.version) ? t.version : [t.version])));
const created = await rest(
	'POST',
	'/rest/workflows',
	{
		name: `Editor check ${new Date().toISOString()}`,
		active: false,
		nodes: [{ id: 'a1', name: 'AI Agent', type: '@n8n/n8n-nodes-langchain.agent', typeVersion: agentVersion, position: [0, 0], parameters: {} }],
		connections: {},
		settings: { executionOrder: 'v1' },
	},
	cookie,
);
const workflowId = created.json?.data?.id;
if (!workflowId) fail(`could not create a workflow (HTTP ${created.status})`);

const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
try {
	const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
	const [name, value] = cookie.split('=');
	await context.addCookies([{ name, value, url: baseUrl }]);
	const page = await context.newPage();
	await page.addInitScript((id) => window.localStorage.setItem('n8n-browserId', id), browserId);
	await page.goto(`${baseUrl}/workflow/${workflowId}`);
	const toolPlus = page.locator('[data-test-id="canvas-node-input-handle"][data-connection-type="ai_tool"] [data-test-id="canvas-handle-plus"]');
	await toolPlus.first().waitFor({ timeout: 60_000 });
	say(`AI Agent ${agentVersion} on the canvas; opening its Tool connector`);
	await page.waitForTimeout(2000); // the canvas settles (a click too early opens the generic AI panel)
	await toolPlus.first().click();
	await page.getByText('Tools', { exact: true }).first().waitFor({ timeout: 20_000 });
	const search = page.locator('[data-test-id="node-creator-search-bar"]');
	await search.waitFor({ timeout: 20_000 });
	await page.waitForTimeout(1000);
	await search.pressSequentially('Mistral', { delay: 50 });
	const items = page.locator('[data-test-id="node-creator-item-name"]');
	await items.first().waitFor({ timeout: 20_000 });
	await page.waitForTimeout(1000);
	const offered = (await items.allInnerTexts()).map((t) => t.trim());
	say(`tools offered for "Mistral": ${offered.join(', ')}`);
	await page.screenshot({ path: screenshot });
	say(`screenshot: ${screenshot}`);
	if (!offered.includes('Mistral Chat Tool')) fail('"Mistral Chat Tool" is not among the agent\'s tools');
	if (offered.some((t) => /Mistral Embed/.test(t))) fail('"Mistral Embed Tool" is offered as an agent tool');
	say('OK: the agent offers "Mistral Chat Tool" and no "Mistral Embed Tool"');

	// Added, its Prompt is filled by the agent's model ($fromAI), with nothing to set up.
	await items.filter({ hasText: /^Mistral Chat Tool$/ }).first().click();
	await page.waitForTimeout(3000);
	const ndvText = await page.locator('body').innerText();
	if (process.env.NDV_SCREENSHOT) await page.screenshot({ path: process.env.NDV_SCREENSHOT });
	if (!/Defined automatically by the model/i.test(ndvText)) fail('the Prompt of a new "Mistral Chat Tool" is not "Defined automatically by the model"');
	say('OK: a new "Mistral Chat Tool" has its Prompt "Defined automatically by the model"');

	// Its "Docs" link opens our README section (n8n appends ?utm_... to codex URLs, which broke "#readme").
	const docs = await page.locator('a', { hasText: /^\s*Docs\s*$/ }).first().getAttribute('href');
	say(`Docs link: ${docs}`);
	if (!docs || !/^https:\/\/github\.com\/n8n-nodes-mistral\/n8n-nodes-mistral\/blob\/main\/README\.md(#[a-z-]+)?$/.test(docs)) {
		fail(`the Docs link is ${docs}`);
	}
} finally {
	await browser.close();
	await rest('DELETE', `/rest/workflows/${workflowId}`, undefined, cookie).catch(() => {});
}
