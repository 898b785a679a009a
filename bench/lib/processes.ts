/** The server process and the per-scenario worker processes, driven over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

import type { Job, JobResult, ServerSettings, ServerStats, WorkerMessage } from './common';
import { OUT_ROOT } from './common';

const SERVER_SCRIPT = path.join(OUT_ROOT, 'bench', 'server.js');
const WORKER_SCRIPT = path.join(OUT_ROOT, 'bench', 'worker.js');

export class ServerProcess {
	url = '';
	private child?: ChildProcess;
	private nextId = 1;
	private readonly pending = new Map<number, (value: unknown) => void>();

	async start(): Promise<void> {
		const child = fork(SERVER_SCRIPT, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
		this.child = child;
		const ready = new Promise<{ url: string }>((resolve, reject) => {
			child.once('exit', (code) => reject(new Error(`the bench server exited (code ${code})`)));
			child.on('message', (message: { id: number; value: unknown }) => {
				if (message.id === 0) resolve(message.value as { url: string });
				else {
					this.pending.get(message.id)?.(message.value);
					this.pending.delete(message.id);
				}
			});
		});
		this.url = (await ready).url;
	}

	get pid(): number | undefined {
		return this.child?.pid;
	}

	private call<T>(op: string, extra: Record<string, unknown> = {}): Promise<T> {
		const id = this.nextId++;
		return new Promise<T>((resolve) => {
			this.pending.set(id, (value) => resolve(value as T));
			this.child!.send({ id, op, ...extra });
		});
	}

	configure(settings: ServerSettings): Promise<void> {
		return this.call('configure', { settings });
	}

	reset(): Promise<void> {
		return this.call('reset');
	}

	stats(): Promise<ServerStats> {
		return this.call('stats');
	}

	async close(): Promise<void> {
		if (!this.child) return;
		const child = this.child;
		if (child.exitCode !== null || child.signalCode !== null) return;
		const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
		void this.call('close');
		const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
		await exited;
		clearTimeout(timer);
	}
}

export interface WorkerOptions {
	/** Write a V8 CPU profile of the measured run to this file. */
	profileFile?: string;
	timeoutMs: number;
}

/**
 * Runs one job in a fresh process: the worker warms up with the server at zero latency and no rate
 * limit, then the server is reset and configured for the scenario, and the measured run starts.
 */
export async function runWorker(
	server: ServerProcess,
	job: Job,
	settings: ServerSettings,
	options: WorkerOptions,
): Promise<{ result: JobResult; server: ServerStats }> {
	await server.configure({ latencyMs: 0, rateLimitPerSecond: undefined });
	const env = { ...process.env };
	delete env.BENCH_CPU_PROFILE;
	if (options.profileFile) {
		mkdirSync(path.dirname(options.profileFile), { recursive: true });
		env.BENCH_CPU_PROFILE = options.profileFile;
	}
	const child = fork(WORKER_SCRIPT, [JSON.stringify(job), server.url], {
		execArgv: ['--expose-gc'],
		env,
		stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
	});
	const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
	try {
		const result = await new Promise<JobResult>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`timed out after ${options.timeoutMs / 1000} s`)), options.timeoutMs);
			child.once('exit', (code) => reject(new Error(`the worker exited early (code ${code})`)));
			child.on('message', (message: WorkerMessage) => {
				if (message.type === 'ready') {
					void server
						.reset()
						.then(() => server.configure(settings))
						.then(() => child.send({ type: 'go', url: server.url }));
				} else if (message.type === 'result') {
					clearTimeout(timer);
					resolve(message.result);
				} else if (message.type === 'failed') {
					clearTimeout(timer);
					reject(new Error(message.message));
				}
			});
		});
		const stats = await server.stats();
		await exited;
		return { result, server: stats };
	} finally {
		if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
	}
}
