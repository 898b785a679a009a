/**
 * End-to-end, in a browser: n8n's editor as a user sees it, on every n8n version scripts/e2e.sh runs.
 *  - the node panel's search finds both nodes (typing "Mistral"), each with its icon loaded;
 *  - a Mistral credential opened in the editor is tested against the local Mistral-compatible
 *    server: "Connection tested successfully" with the right key, and with a wrong key the
 *    failure whose details are our 401 message.
 * Screenshots go to the user folder's e2e-output/ (kept with E2E_KEEP=1), or E2E_SCREENSHOT_DIR.
 *
 * Needs a Chromium (Debian: apt-get install chromium; or E2E_CHROMIUM=/path/to/chrome) and
 * playwright-core, which the dev tree already holds (through @n8n/node-cli's dependencies). Without
 * either, the test is skipped and its name says why.
 */
import fs from 'node:fs';
import path from 'node:path';

import { startMistralServer } from '../server/mistralServer';
import type { MistralTestServer } from '../server/mistralServer';
import { N8N_VERSION } from './n8nVersion';
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
	return startN8nServer({ N8N_USER_FOLDER: userFolder, N8N_ENCRYPTION_KEY: 'n8n-nodes-mistral-editor-e2e-key' });
}

describe(`the editor in a browser (n8n ${N8N_VERSION || '?'})`, () => {
	let server: MistralTestServer;
	let n8n: Awaited<ReturnType<typeof startN8n>> | undefined;
	let browser: any;

	beforeAll(async () => {
		server = await startMistralServer();
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

		browser = await playwright.chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
		const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
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
			await page.locator('[data-test-id="canvas-add-button"]').first().click({ timeout: 30_000 });
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
	}, 240_000);
});
