/**
 * The benchmark's server process: test/server's Mistral-compatible server, driven by the parent over
 * IPC (configure, reset, stats, close), so its CPU and memory stay out of the measured processes.
 */
import { startMistralServer } from '../test/server/mistralServer';
import type { ServerSettings, ServerStats } from './lib/common';
import { API_KEY, DIMENSION, cpuMs, peakRssMb } from './lib/common';

type Request =
	| { id: number; op: 'configure'; settings: ServerSettings }
	| { id: number; op: 'reset' }
	| { id: number; op: 'stats' }
	| { id: number; op: 'close' };

function percentiles(values: number[]): { p50: number; p95: number; max: number } | undefined {
	if (values.length === 0) return undefined;
	const sorted = [...values].sort((a, b) => a - b);
	const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
	return { p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] };
}

async function main(): Promise<void> {
	const server = await startMistralServer({
		apiKey: API_KEY,
		recordBodies: false,
		embeddingDimension: DIMENSION,
		latencyMs: 0,
	});
	let cpuAtReset = process.cpuUsage();
	// New TCP connections (keep-alive reuse shows as fewer connections than requests). The test server
	// keeps its node:http server private; reach it for this count only.
	let connections = 0;
	const httpServer = (server as unknown as { server?: import('node:http').Server }).server;
	httpServer?.on('connection', () => connections++);

	const stats = (): ServerStats => {
		const byStatus: Record<string, number> = {};
		let rateLimited = 0;
		let requestBytes = 0;
		const durations: number[] = [];
		let firstStartedAt = Infinity;
		let lastEndedAt = 0;
		for (const request of server.requests) {
			firstStartedAt = Math.min(firstStartedAt, request.startedAt);
			lastEndedAt = Math.max(lastEndedAt, request.endedAt);
			if (request.endedAt > 0) durations.push(request.endedAt - request.startedAt);
			byStatus[request.status] = (byStatus[request.status] ?? 0) + 1;
			if (request.fault === 'rate-limit') rateLimited++;
			requestBytes += request.bodyBytes;
		}
		return {
			requests: server.requests.length,
			byStatus,
			rateLimited,
			maxInFlight: server.maxInFlight,
			requestBytes,
			requestMs: percentiles(durations),
			firstStartedAt: Number.isFinite(firstStartedAt) ? firstStartedAt : undefined,
			lastEndedAt: lastEndedAt || undefined,
			connections: httpServer ? connections : undefined,
			cpuMs: cpuMs(cpuAtReset).totalMs,
			peakRssMb: peakRssMb(),
		};
	};

	process.on('message', (message: Request) => {
		const reply = (value: unknown) => process.send?.({ id: message.id, value });
		switch (message.op) {
			case 'configure':
				server.configure({
					latencyMs: message.settings.latencyMs ?? 0,
					// undefined removes the limit (configure() deletes undefined keys).
					rateLimitPerSecond: message.settings.rateLimitPerSecond,
					batch: message.settings.batch,
				});
				return reply(null);
			case 'reset':
				server.reset();
				connections = 0;
				cpuAtReset = process.cpuUsage();
				return reply(null);
			case 'stats':
				return reply(stats());
			case 'close':
				void server
					.close()
					.catch((error: unknown) => process.stderr.write(`[bench server] close: ${String(error)}\n`))
					.finally(() => {
						reply(null);
						process.exit(0);
					});
				return;
		}
	});
	process.send?.({ id: 0, value: { url: server.url } });
}

main().catch((error: unknown) => {
	process.stderr.write(`[bench server] ${String((error as Error)?.stack ?? error)}\n`);
	process.exit(1);
});
