/**
 * `npm start` (scripts/start.sh) while another n8n holds n8n's default ports: a blocker listens on
 * 5678 (the editor) and 5679 (the task broker, where Code nodes run), and `npm start` still brings
 * n8n up, on free ports it names, with the package loaded. It runs on the n8n runtime the e2e already
 * installed (a warm cache): build, pack, install into a fresh user folder, create the database, start.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { N8N_VERSION } from './n8nVersion';
import { tail, USER_FOLDER } from './n8nProcess';

const ROOT = path.join(__dirname, '..', '..');

/** Listens on PORT like another n8n would; resolves to undefined when something already holds it. */
function block(port: number, host?: string): Promise<net.Server | undefined> {
	return new Promise((resolve, reject) => {
		const server = net.createServer((socket) => socket.destroy());
		server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(undefined) : reject(error)));
		server.listen({ port, host, exclusive: true }, () => resolve(server));
	});
}

/** Whether a server can listen on the port now (it is free). */
async function isFree(port: number, host?: string): Promise<boolean> {
	const server = await block(port, host);
	if (!server) return false;
	await new Promise((resolve) => server.close(resolve));
	return true;
}

describe(`npm start while another n8n holds 5678 and 5679 (n8n ${N8N_VERSION || '?'})`, () => {
	const blockers: net.Server[] = [];
	let child: ReturnType<typeof spawn> | undefined;
	let output = '';

	afterAll(async () => {
		if (child && child.exitCode === null && child.signalCode === null) {
			const exited = new Promise((resolve) => child!.once('close', resolve));
			child.kill('SIGTERM');
			const killer = setTimeout(() => child!.kill('SIGKILL'), 20_000);
			await exited;
			clearTimeout(killer);
		}
		for (const server of blockers) await new Promise((resolve) => server.close(resolve));
		fs.mkdirSync(path.join(USER_FOLDER, 'e2e-output'), { recursive: true });
		fs.writeFileSync(path.join(USER_FOLDER, 'e2e-output', 'npm-start.log'), output);
	}, 60_000);

	it('picks free ports for the editor and the task broker, says so, and n8n comes up with the package', async () => {
		for (const [port, host] of [
			[5678, undefined],
			[5679, '127.0.0.1'],
		] as const) {
			const server = await block(port, host);
			if (server) blockers.push(server);
			// Held by us or by something else on this machine: either way `npm start` cannot have it.
			expect(await isFree(port, host)).toBe(false);
		}

		const env: NodeJS.ProcessEnv = { ...process.env, N8N_USER_FOLDER: path.join(USER_FOLDER, 'npm-start') };
		// jest's NODE_ENV=test keeps n8n from loading nodes; the ports are npm start's to choose.
		for (const name of ['NODE_ENV', 'N8N_PORT', 'N8N_RUNNERS_BROKER_PORT', 'N8N_ENCRYPTION_KEY', 'MISTRAL_API_KEY']) delete env[name];
		child = spawn('bash', [path.join(ROOT, 'scripts', 'start.sh')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
		child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));

		const deadline = Date.now() + 360_000;
		let editorUrl = '';
		while (!editorUrl) {
			if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}\n${tail(output, 60)}`);
			if (Date.now() > deadline) throw new Error(`npm start did not bring the editor up\n${tail(output, 60)}`);
			editorUrl = /Editor is now accessible via:\s*\n?\s*(http:\/\/\S+)/.exec(output)?.[1] ?? '';
			await new Promise((resolve) => setTimeout(resolve, 500));
		}

		const editorPort = Number(/n8n's editor: port 5678 is in use \(another n8n\?\); using (\d+) instead \(set N8N_PORT to choose\)/.exec(output)?.[1]);
		const brokerPort = Number(/n8n's task broker: port 5679 is in use \(another n8n\?\); using (\d+) instead \(set N8N_RUNNERS_BROKER_PORT to choose\)/.exec(output)?.[1]);
		expect(editorPort).toBeGreaterThan(0);
		expect(brokerPort).toBeGreaterThan(0);
		expect(brokerPort).not.toBe(editorPort);
		expect(output).toContain(`starting n8n ${N8N_VERSION} on http://localhost:${editorPort}`);
		expect(new URL(editorUrl).port).toBe(String(editorPort));

		// Up, and still up a few seconds after "ready" (where the broker's port clash used to end it).
		const health = await fetch(`http://127.0.0.1:${editorPort}/healthz`);
		expect(health.status).toBe(200);
		await new Promise((resolve) => setTimeout(resolve, 5_000));
		expect(child.exitCode).toBeNull();
		expect(output).not.toMatch(/already in use/);
		// The task broker (where it logs) listens on the port npm start chose.
		if (/Task Broker ready/.test(output)) expect(output).toMatch(new RegExp(`Task Broker ready on [^,]+, port ${brokerPort}\\b`));
		// The package loaded: its node types are known to this n8n.
		const icon = await fetch(`http://127.0.0.1:${editorPort}/icons/n8n-nodes-mistral/dist/icons/mistral.svg`);
		expect(icon.status).toBe(200);
		console.log(`[e2e] npm start with 5678 and 5679 taken: editor on ${editorPort}, task broker on ${brokerPort}`);
	}, 420_000);
});
