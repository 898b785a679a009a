/**
 * The n8n version the end-to-end tests run against: scripts/e2e.sh runs them once per version in
 * E2E_N8N_VERSIONS (2.41.1 and 1.123.81 by default) and passes the current one as E2E_N8N_VERSION.
 *
 * For a test that needs a newer n8n (an API 1.x lacks, the AI sub-nodes' SDK from 2.16):
 *   itOnN8n('2.16.0', 'n8n ships @n8n/ai-node-sdk from 2.16')('runs the agent', async () => { … });
 * On an older n8n the test is skipped, and its name says why.
 */
export const N8N_VERSION = process.env.E2E_N8N_VERSION ?? '';

function parts(version: string): number[] {
	return version.split('.').map((part) => Number.parseInt(part, 10) || 0);
}

/** True when the n8n under test is `minimum` or newer (true when the version is unknown). */
export function n8nAtLeast(minimum: string): boolean {
	if (!N8N_VERSION) return true;
	const have = parts(N8N_VERSION);
	const want = parts(minimum);
	for (let i = 0; i < Math.max(have.length, want.length); i++) {
		if ((have[i] ?? 0) !== (want[i] ?? 0)) return (have[i] ?? 0) > (want[i] ?? 0);
	}
	return true;
}

/** `it` on n8n >= minimum; on an older n8n, `it.skip` with the reason in the test's name. */
export function itOnN8n(minimum: string, reason: string): (name: string, fn: jest.ProvidesCallback, timeout?: number) => void {
	if (n8nAtLeast(minimum)) return (name, fn, timeout) => it(name, fn, timeout);
	return (name, fn, timeout) => it.skip(`${name} [skipped on n8n ${N8N_VERSION}: needs n8n >= ${minimum}, ${reason}]`, fn, timeout);
}
