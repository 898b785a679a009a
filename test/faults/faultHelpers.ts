/**
 * Helpers for the fault-injection and secrets suites: grouping the server's request log into
 * logical requests (one chat item, one embeddings batch), run summaries, the last-run.json report,
 * and a deep serialiser for errors (every own property, non-enumerable ones and `cause` included).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { RecordedRequest } from '../server/mistralServer';

/** One logical request: all attempts the server saw for the same chat prompt / embeddings batch. */
export interface AttemptGroup {
	key: string;
	attempts: RecordedRequest[];
	/** True when one attempt got a clean 200 (no injected fault). */
	succeeded: boolean;
	/** The last attempt (what the client saw before giving up, if it gave up). */
	last: RecordedRequest;
}

/** True when the server answered this attempt normally with a 2xx. */
export function cleanSuccess(request: RecordedRequest): boolean {
	return request.status >= 200 && request.status < 300 && request.fault === undefined;
}

export function chatKey(request: RecordedRequest): string {
	const messages = request.body?.messages as Array<{ role: string; content: unknown }> | undefined;
	const last = messages?.[messages.length - 1]?.content;
	return typeof last === 'string' ? last : JSON.stringify(last);
}

export function embedKey(request: RecordedRequest): string {
	const input = request.body?.input as string[] | string | undefined;
	return Array.isArray(input) ? `${input.length}\u0000${input[0]}\u0000${input[input.length - 1]}` : String(input);
}

export function groupAttempts(requests: RecordedRequest[], keyOf: (request: RecordedRequest) => string): Map<string, AttemptGroup> {
	const groups = new Map<string, AttemptGroup>();
	for (const request of requests) {
		const key = keyOf(request);
		let group = groups.get(key);
		if (!group) {
			group = { key, attempts: [], succeeded: false, last: request };
			groups.set(key, group);
		}
		group.attempts.push(request);
	}
	for (const group of groups.values()) {
		group.attempts.sort((a, b) => a.startedAt - b.startedAt);
		group.last = group.attempts[group.attempts.length - 1];
		group.succeeded = group.attempts.some(cleanSuccess);
	}
	return groups;
}

/**
 * Time spent between the end of a failed attempt and the start of its retry, summed over all
 * logical requests: the backoff / Retry-After sleeps plus any wait at the shared rate-limit gate.
 * (Time spent inside a hanging attempt until the timeout is reported separately.)
 */
export function retryWaitMs(groups: Iterable<AttemptGroup>): { waitMs: number; hungMs: number } {
	let waitMs = 0;
	let hungMs = 0;
	for (const group of groups) {
		for (let k = 0; k < group.attempts.length; k++) {
			const attempt = group.attempts[k];
			const end = attempt.endedAt || attempt.startedAt;
			if (attempt.fault === 'hang') hungMs += end - attempt.startedAt;
			const next = group.attempts[k + 1];
			if (next) waitMs += Math.max(0, next.startedAt - end);
		}
	}
	return { waitMs, hungMs };
}

export function faultCounts(requests: RecordedRequest[]): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const request of requests) {
		const kind = request.fault ?? (cleanSuccess(request) ? 'ok' : `http-${request.status}`);
		counts[kind] = (counts[kind] ?? 0) + 1;
	}
	return counts;
}

export interface RunSummary {
	name: string;
	node: 'mistralEmbed' | 'mistralChat';
	items: number;
	/** Logical requests (chat items, embeddings batches): the first attempts. */
	firstAttempts: number;
	requests: number;
	retries: number;
	retryWaitMs: number;
	/** Time spent in attempts that hung until the client's timeout. */
	hungMs: number;
	wallMs: number;
	succeededItems: number;
	failedItems: number;
	maxInFlight: number;
	faults: Record<string, number>;
	settings: Record<string, unknown>;
}

export function summarize(
	base: Omit<RunSummary, 'firstAttempts' | 'requests' | 'retries' | 'retryWaitMs' | 'hungMs' | 'faults'>,
	requests: RecordedRequest[],
	groups: Map<string, AttemptGroup>,
): RunSummary {
	const { waitMs, hungMs } = retryWaitMs(groups.values());
	return {
		...base,
		firstAttempts: groups.size,
		requests: requests.length,
		retries: requests.length - groups.size,
		retryWaitMs: waitMs,
		hungMs,
		faults: faultCounts(requests),
	};
}

export function summaryLine(mode: string, summary: RunSummary): string {
	const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
	return (
		`[faults ${mode}] ${summary.name}: items=${summary.items} ok=${summary.succeededItems} failed=${summary.failedItems} ` +
		`requests=${summary.requests} (first attempts ${summary.firstAttempts}, retries ${summary.retries}) ` +
		`retry wait=${seconds(summary.retryWaitMs)} hung=${seconds(summary.hungMs)} wall=${seconds(summary.wallMs)} ` +
		`maxInFlight=${summary.maxInFlight} faults=${JSON.stringify(summary.faults)}`
	);
}

export const LAST_RUN_FILE = path.join(__dirname, 'last-run.json');

/** Records one run in test/faults/last-run.json under its mode ("scaled" or "full"), keeping the other mode's figures. */
export function recordRun(mode: string, summary: RunSummary): void {
	let report: Record<string, { updatedAt: string; node: string; runs: Record<string, RunSummary> }> = {};
	if (existsSync(LAST_RUN_FILE)) {
		try {
			report = JSON.parse(readFileSync(LAST_RUN_FILE, 'utf8'));
		} catch {
			report = {};
		}
	}
	const section = report[mode] ?? { updatedAt: '', node: process.version, runs: {} };
	section.updatedAt = new Date().toISOString();
	section.node = process.version;
	section.runs[summary.name] = summary;
	report[mode] = section;
	writeFileSync(LAST_RUN_FILE, `${JSON.stringify(report, null, '\t')}\n`);
}

/**
 * Serialises anything, errors included, with every own property (enumerable or not: message,
 * stack, description, context, cause, errorResponse...), so a test can search it for secrets.
 */
export function deepSerialize(value: unknown): string {
	const seen = new WeakSet<object>();
	const walk = (current: unknown, depth: number): unknown => {
		if (depth > 12) return '[deep]';
		if (typeof current === 'bigint') return current.toString();
		if (typeof current === 'function') return `[function ${current.name}]`;
		if (typeof current !== 'object' || current === null) return current;
		if (seen.has(current)) return '[Circular]';
		seen.add(current);
		if (Buffer.isBuffer(current)) return current.toString('utf8');
		if (Array.isArray(current)) return current.map((entry) => walk(entry, depth + 1));
		const plain: Record<string, unknown> = {};
		for (const key of Object.getOwnPropertyNames(current)) {
			try {
				plain[key] = walk((current as Record<string, unknown>)[key], depth + 1);
			} catch (error) {
				plain[key] = `[unreadable: ${(error as Error).message}]`;
			}
		}
		if (current instanceof Error && !('cause' in plain) && 'cause' in current) plain.cause = walk(current.cause, depth + 1);
		return plain;
	};
	return JSON.stringify(walk(value, 0)) ?? String(value);
}
