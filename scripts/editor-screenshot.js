#!/usr/bin/env node
/**
 * Screenshot of a workflow in n8n's editor, with headless Chromium driven over the DevTools protocol
 * (no extra dependencies): signs in through n8n's REST API, hands the session cookie to Chromium,
 * opens the workflow and saves a PNG.
 *
 * Usage: node scripts/editor-screenshot.js BASE_URL WORKFLOW_ID OUT.png EMAIL PASSWORD
 * (n8n must be running; e.g. `E2E_KEEP=1 npm run test:e2e` leaves a user folder with the e2e workflows.)
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');

const [baseUrl, workflowId, outFile, email, password] = process.argv.slice(2);
if (!password) {
	console.error('usage: node scripts/editor-screenshot.js BASE_URL WORKFLOW_ID OUT.png EMAIL PASSWORD');
	process.exit(2);
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
	const login = await fetch(`${baseUrl}/rest/login`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'browser-id': 'screenshot' },
		body: JSON.stringify({ emailOrLdapLoginId: email, password }),
	});
	if (login.status !== 200) throw new Error(`login: HTTP ${login.status} ${await login.text()}`);
	const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0].split('=');

	const port = 9300 + Math.floor(Math.random() * 500);
	const chromium = spawn(
		process.env.CHROMIUM ?? 'chromium',
		['--headless=new', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--remote-debugging-port=${port}`, '--window-size=1440,810', 'about:blank'],
		{ stdio: 'ignore' },
	);
	try {
		let target;
		for (let i = 0; i < 60 && !target; i++) {
			await sleep(500);
			target = await fetch(`http://127.0.0.1:${port}/json/list`)
				.then((r) => r.json())
				.then((list) => list.find((entry) => entry.type === 'page'))
				.catch(() => undefined);
		}
		if (!target) throw new Error('Chromium did not start');
		const socket = new WebSocket(target.webSocketDebuggerUrl);
		await new Promise((resolve, reject) => {
			socket.onopen = resolve;
			socket.onerror = reject;
		});
		let nextId = 1;
		const pending = new Map();
		socket.onmessage = (event) => {
			const message = JSON.parse(event.data);
			if (message.id && pending.has(message.id)) {
				pending.get(message.id)(message);
				pending.delete(message.id);
			}
		};
		const send = (method, params = {}) =>
			new Promise((resolve, reject) => {
				const id = nextId++;
				pending.set(id, (message) => (message.error ? reject(new Error(`${method}: ${message.error.message}`)) : resolve(message.result)));
				socket.send(JSON.stringify({ id, method, params }));
			});
		const host = new URL(baseUrl).hostname;
		await send('Network.enable');
		await send('Network.setCookie', { name: cookie[0], value: cookie.slice(1).join('='), domain: host, path: '/' });
		// Skip the first-visit overlays (the editor keeps these flags in localStorage).
		await send('Page.navigate', { url: `${baseUrl}/signin` });
		await sleep(3000);
		await send('Page.navigate', { url: `${baseUrl}/workflow/${workflowId}` });
		await sleep(Number(process.env.SCREENSHOT_WAIT_MS ?? 10000));
		const { data } = await send('Page.captureScreenshot', { format: 'png' });
		fs.writeFileSync(outFile, Buffer.from(data, 'base64'));
		console.log(`saved ${outFile}`);
		socket.close();
	} finally {
		chromium.kill('SIGKILL');
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
