/**
 * Bench-only experiments: measure the effect of a change the node cannot make itself, by patching
 * a module in the worker process only.
 *
 * 'keep-alive': NOT a change the node can make. n8n's HTTP stack (@n8n/backend-network, used by
 * helpers.httpRequest) builds new http/https agents for every request, so every request opens a new
 * TCP (and, against api.mistral.ai, TLS) connection. This reuses one keep-alive agent pair per
 * (proxy, ssrf, agent options), to measure what that costs.
 */
import path from 'node:path';


export type Experiment = 'keep-alive';

export function applyExperiment(experiment: Experiment): void {
	if (experiment === 'keep-alive') return keepAlive();
	throw new Error(`unknown experiment ${String(experiment)}`);
}

function keepAlive(): void {
	const coreDir = path.dirname(require.resolve('n8n-core/package.json'));
	const networkDir = path.dirname(path.dirname(require.resolve('@n8n/backend-network', { paths: [coreDir] })));
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const agents = require(path.join(networkDir, 'dist/http/node-agents.js')) as {
		buildNodeAgents(proxy: unknown, ssrf: unknown, agentOptions?: Record<string, unknown>): { httpAgent: unknown; httpsAgent: unknown };
	};
	const original = agents.buildNodeAgents;
	const cache = new Map<string, { httpAgent: unknown; httpsAgent: unknown }>();
	agents.buildNodeAgents = (proxy, ssrf, agentOptions) => {
		const key = JSON.stringify([proxy, typeof ssrf === 'string' ? ssrf : 'policy', agentOptions ?? {}]);
		let built = cache.get(key);
		if (!built) {
			built = original(proxy, ssrf, { ...agentOptions, keepAlive: true });
			cache.set(key, built);
		}
		return built;
	};
}
