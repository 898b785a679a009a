/**
 * When to retry a Mistral request and how long to wait: pure functions, no I/O.
 */

export interface RetryPolicy {
	/** Retries after the first attempt. */
	maxRetries: number;
	/** Delay before the first retry when the server gives no Retry-After. */
	baseDelayMs: number;
	/** Ceiling for the exponential backoff. */
	maxDelayMs: number;
	/** Ceiling for a server's Retry-After, so a bogus header cannot stall a workflow for hours. */
	maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
	maxRetries: 5,
	baseDelayMs: 1000,
	maxDelayMs: 30_000,
	maxRetryAfterMs: 60_000,
};

/** What one attempt ended with, reduced to what the policy needs. */
export type AttemptOutcome =
	| { kind: 'http'; status: number; retryAfter?: string }
	| { kind: 'network'; code?: string }
	| { kind: 'invalid-body'; status: number };

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

const RETRYABLE_NETWORK_CODES = new Set([
	'ECONNRESET',
	'ECONNREFUSED',
	'ECONNABORTED',
	'ETIMEDOUT',
	'ESOCKETTIMEDOUT',
	'EPIPE',
	'EAI_AGAIN',
	'ENETUNREACH',
	'EHOSTUNREACH',
	'ERR_SOCKET_CONNECTION_TIMEOUT',
	'UND_ERR_SOCKET',
	'UND_ERR_CONNECT_TIMEOUT',
	'UND_ERR_HEADERS_TIMEOUT',
	'UND_ERR_BODY_TIMEOUT',
	'ERR_BAD_RESPONSE',
]);

export function isRetryable(outcome: AttemptOutcome): boolean {
	switch (outcome.kind) {
		case 'http':
			return RETRYABLE_STATUS.has(outcome.status);
		case 'network':
			// An error without a code is a dropped connection in practice (socket hang up).
			return outcome.code === undefined || RETRYABLE_NETWORK_CODES.has(outcome.code);
		case 'invalid-body':
			// A truncated or non-JSON body on an error status is a proxy or overload page: transient.
			return outcome.status >= 500 || outcome.status === 429;
	}
}

/**
 * Parses a Retry-After header: delta-seconds ("1", "0.5") or an HTTP date.
 * Returns milliseconds from `nowMs`, never negative, or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
	if (value === undefined) return undefined;
	const trimmed = value.trim();
	if (trimmed === '') return undefined;
	if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
	const dateMs = Date.parse(trimmed);
	if (Number.isNaN(dateMs)) return undefined;
	return Math.max(0, dateMs - nowMs);
}

/**
 * Delay before retry number `retry` (1 for the first retry). Retry-After wins, capped; otherwise
 * exponential backoff with "equal jitter" (half fixed, half random) so parallel requests spread out.
 */
export function retryDelayMs(
	retry: number,
	outcome: AttemptOutcome,
	policy: RetryPolicy,
	nowMs: number,
	random: () => number = Math.random,
): number {
	if (outcome.kind === 'http') {
		const fromHeader = parseRetryAfter(outcome.retryAfter, nowMs);
		if (fromHeader !== undefined) return Math.min(fromHeader, policy.maxRetryAfterMs);
	}
	const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
	return Math.round(exponential / 2 + random() * (exponential / 2));
}
