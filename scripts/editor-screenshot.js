#!/usr/bin/env node
/**
 * Screenshot of a workflow in n8n's editor, with headless Chromium driven over the DevTools protocol
 * (no extra dependencies): signs in through the editor's form, opens the workflow and saves a PNG.
 *
 * Usage: node scripts/editor-screenshot.js BASE_URL WORKFLOW_ID OUT.png EMAIL PASSWORD
 * SEARCH=text also opens the node panel and searches for the text.
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
		// The session is tied to the browser's own id, so sign in through the form as a user does.
		await send('Page.navigate', { url: `${baseUrl}/signin` });
		await sleep(4000);
		const type = async (selector, text) => {
			let focused = false;
			for (let i = 0; i < 60 && !focused; i++) {
				const result = await send('Runtime.evaluate', {
					expression: `(() => { const el = document.querySelector(${JSON.stringify(selector)}); if (!el) return false; el.focus(); return true; })()`,
					returnByValue: true,
				});
				focused = result.result.value === true;
				if (!focused) await sleep(500);
			}
			if (!focused) throw new Error(`no ${selector} on the sign-in page`);
			await send('Input.insertText', { text });
		};
		await type('input[name=emailOrLdapLoginId], input[name=email], input[autocomplete=username], input[type=email]', email);
		await type('input[type=password]', password);
		await send('Runtime.evaluate', { expression: `[...document.querySelectorAll('button')].find((b) => /sign in/i.test(b.textContent)).click()` });
		await sleep(4000);
		await send('Page.navigate', { url: `${baseUrl}/workflow/${workflowId}` });
		await sleep(Number(process.env.SCREENSHOT_WAIT_MS ?? 10000));
		if (process.env.SEARCH) {
			// Opens the node panel ("N") and types into its search, to see where the editor lists a node.
			await send('Input.dispatchKeyEvent', { type: 'rawKeyDown', key: 'n', code: 'KeyN', windowsVirtualKeyCode: 78 });
			await send('Input.dispatchKeyEvent', { type: 'keyUp', key: 'n', code: 'KeyN', windowsVirtualKeyCode: 78 });
			await sleep(2000);
			await send('Input.insertText', { text: process.env.SEARCH });
			await sleep(3000);
		}
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
