/**
 * Running the real n8n of `npm run test:e2e` (scripts/e2e.sh sets E2E_N8N_BIN and E2E_USER_FOLDER):
 * shared by every e2e file.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const N8N_BIN = process.env.E2E_N8N_BIN ?? '';
export const USER_FOLDER = process.env.E2E_USER_FOLDER ?? '';
export const ENCRYPTION_KEY = 'n8n-nodes-mistral-e2e-fixed-encryption-key';

if (!N8N_BIN || !USER_FOLDER) {
	throw new Error('Run the end-to-end tests with `npm run test:e2e` (scripts/e2e.sh sets E2E_N8N_BIN and E2E_USER_FOLDER).');
}

export interface CommandResult {
	code: number | null;
	stdout: string;
	stderr: string;
}

/** The environment of every n8n process: the shell's (scripts/e2e.sh sets the offline settings). */
export function n8nEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
	// jest sets NODE_ENV=test, and n8n refuses to load nodes in its own test mode.
	delete env.NODE_ENV;
	env.N8N_USER_FOLDER = USER_FOLDER;
	env.N8N_ENCRYPTION_KEY = ENCRYPTION_KEY;
	return env;
}

/** n8n exits before a pipe drains, so its output goes to files that are read once it has exited. */
export function runN8n(args: string[], extraEnv: Record<string, string>, timeoutMs: number): Promise<CommandResult> {
	fs.mkdirSync(path.join(USER_FOLDER, 'e2e-output'), { recursive: true });
	const outFile = path.join(USER_FOLDER, 'e2e-output', `run-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.out`);
	const errFile = `${outFile}.err`;
	const out = fs.openSync(outFile, 'w');
	const err = fs.openSync(errFile, 'w');
	return new Promise((resolve, reject) => {
		const child = spawn(N8N_BIN, args, { env: n8nEnv(extraEnv), stdio: ['ignore', out, err] });
		const read = () => {
			fs.closeSync(out);
			fs.closeSync(err);
			const result = { stdout: fs.readFileSync(outFile, 'utf8'), stderr: fs.readFileSync(errFile, 'utf8') };
			fs.rmSync(outFile);
			fs.rmSync(errFile);
			return result;
		};
		const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
		child.on('error', (error) => {
			clearTimeout(timer);
			reject(error);
		});
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			const { stdout, stderr } = read();
			if (signal === 'SIGKILL') reject(new Error(`n8n ${args.join(' ')} did not finish in ${timeoutMs} ms\n${tail(stdout + stderr)}`));
			else resolve({ code, stdout, stderr });
		});
	});
}

export function tail(text: string, lines = 40): string {
	return text.split('\n').slice(-lines).join('\n');
}

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

export interface RunningN8n {
	baseUrl: string;
	/** Everything `n8n start` printed so far. */
	log: () => string;
	/** SIGTERM, then SIGKILL after 20 s; resolves once n8n has exited. */
	stop: () => Promise<void>;
}

/**
 * `n8n start` on free ports (its own task-runner broker port, so it never meets a concurrent
 * `n8n execute`), resolved once /healthz answers and the editor is up. `env` is applied over the
 * shared environment (e.g. another user folder).
 */
export async function startN8nServer(env: Record<string, string> = {}, readyWithinMs = 90_000): Promise<RunningN8n> {
	const port = await freePort();
	const brokerPort = await freePort();
	const child = spawn(N8N_BIN, ['start'], {
		env: {
			...n8nEnv({ N8N_PORT: String(port), N8N_LISTEN_ADDRESS: '127.0.0.1', N8N_RUNNERS_BROKER_PORT: String(brokerPort), N8N_LOG_LEVEL: 'info' }),
			...env,
		},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let log = '';
	child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
	const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
	const stop = async () => {
		if (child.exitCode !== null || child.signalCode !== null) return;
		child.kill('SIGTERM');
		const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
		await exited;
		clearTimeout(killer);
	};
	const baseUrl = `http://127.0.0.1:${port}`;
	const deadline = Date.now() + readyWithinMs;
	for (;;) {
		if (child.exitCode !== null) throw new Error(`n8n start exited with ${child.exitCode}\n${tail(log)}`);
		const health = await fetch(`${baseUrl}/healthz`).then((r) => r.status, () => 0);
		if (health === 200 && /Editor is now accessible/.test(log)) break;
		if (Date.now() > deadline) {
			await stop();
			throw new Error(`n8n start did not come up in ${Math.round(readyWithinMs / 1000)} s\n${tail(log)}`);
		}
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
	return { baseUrl, stop, log: () => log };
}
