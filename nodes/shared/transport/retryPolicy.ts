/**
 * When to retry a Mistral request, how long to wait, and which failures end every other request of
 * the execution: pure functions, no I/O.
 *
 * A failed attempt falls in one of four classes:
 *  - not-processed: the server says it did not do the work (429, 503), or the request never reached
 *    it: retried up to Max Retries, with backoff.
 *  - ambiguous: the work may have been done, and billed (a timeout, a connection dropped after the
 *    request was sent, a 2xx body cut short, and a 500, 502 or 504 after a POST that generates:
 *    a gateway says so when the model behind it is still working): retried at most
 *    `maxAmbiguousRetries` times. Every POST counts as generating unless its caller marks it
 *    `repeatable` (embeddings, file uploads): cheap to do twice, so their 500/502/504 are
 *    not-processed, and their other ambiguous failures are retried up to Max Retries too. GETs and
 *    DELETEs are repeatable.
 *  - setup: the same answer awaits every request (wrong key, Base URL, host, certificate, model):
 *    not retried, and the client fails the execution's other requests at once (see SetupLatch).
 *  - final: this request's own problem (400, 422, …): not retried.
 */

export interface RetryPolicy {
	/** Retries after the first attempt, for any retryable failure. */
	maxRetries: number;
	/** Of those, retries after an ambiguous failure (the request may have been processed and billed). */
	maxAmbiguousRetries: number;
	/** Delay before the first retry when the server gives no Retry-After. */
	baseDelayMs: number;
	/** Ceiling for the exponential backoff. */
	maxDelayMs: number;
	/** Ceiling for a server's Retry-After, so a bogus header cannot stall a workflow for hours. */
	maxRetryAfterMs: number;
}

export const DEFAULT_MAX_RETRIES = 5;
export const DEFAULT_MAX_AMBIGUOUS_RETRIES = 1;

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
	maxRetries: DEFAULT_MAX_RETRIES,
	maxAmbiguousRetries: DEFAULT_MAX_AMBIGUOUS_RETRIES,
	baseDelayMs: 1000,
	maxDelayMs: 30_000,
	maxRetryAfterMs: 60_000,
};

/** What one attempt ended with, reduced to what the policy needs. */
export type AttemptOutcome =
	| { kind: 'http'; status: number; retryAfter?: string; modelMissing?: boolean; guardrailBlock?: boolean }
	| { kind: 'network'; code?: string; message?: string }
	/** A body that is not JSON: an HTML page, plain text, or JSON cut short (`truncated`). */
	| { kind: 'invalid-body'; status: number; truncated?: boolean };

export type FailureClass = 'not-processed' | 'ambiguous' | 'setup' | 'final';

/** What the policy needs to know beside the outcome. */
export interface ExecutionState {
	/** Whether any request of this execution has had an answer from the server (of any status). */
	answeredBefore: boolean;
	/**
	 * True when doing the request twice costs nothing that matters (a GET, embeddings, an upload);
	 * false or absent for a POST that generates and bills (chat, batch job creation, OCR, audio, …).
	 */
	repeatable?: boolean;
	/** The request names one resource (a batch job, a file): its 404 says that one is gone, not that the Base URL is wrong. */
	namesResource?: boolean;
}

/** The server says it did not start the work, whatever the request. */
const NOT_STARTED_STATUS = new Set([429, 503]);
/** A server or gateway failure: the model behind it may have run (and billed) anyway. */
const GATEWAY_STATUS = new Set([500, 502, 504]);

function serverFailureClass(status: number, state: ExecutionState): FailureClass | undefined {
	if (NOT_STARTED_STATUS.has(status)) return 'not-processed';
	if (GATEWAY_STATUS.has(status)) return state.repeatable === true ? 'not-processed' : 'ambiguous';
	return undefined;
}

export const TIMEOUT_CODES = new Set([
	'ECONNABORTED',
	'ETIMEDOUT',
	'ESOCKETTIMEDOUT',
	'ERR_SOCKET_CONNECTION_TIMEOUT',
	'UND_ERR_CONNECT_TIMEOUT',
	'UND_ERR_HEADERS_TIMEOUT',
	'UND_ERR_BODY_TIMEOUT',
]);

/** The connection broke while the request or its answer was on the wire. */
const DROPPED_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ERR_BAD_RESPONSE', 'ERR_STREAM_PREMATURE_CLOSE']);

/**
 * No connection could be made at all (the request never left): the host drops packets, a firewall,
 * a wrong IP. The client's own code for it (first-contact check), also given to an OS connect timeout.
 */
export const NO_CONNECTION_CODE = 'ECONNECT_TIMEOUT';

/**
 * How long the first request of an execution waits for any answer before the client checks that the
 * host accepts connections at all, and how long that check may take (MistralClient.firstContact).
 */
export const CONNECT_TIMEOUT_MS = 4000;

/** Nothing answered at that address: a wrong host or port, or a server that is down. */
export const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', NO_CONNECTION_CODE]);

/** A name server that did not answer (as opposed to one that says the host does not exist). */
const DNS_TEMPORARY_CODES = new Set(['EAI_AGAIN']);

/** The same for every request: the host does not exist, TLS cannot be set up, the URL or a header is invalid. */
export const SETUP_NETWORK_CODES = new Set([
	'ENOTFOUND',
	'EAI_NONAME',
	'EAI_FAIL',
	'ERR_INVALID_URL',
	'ERR_INVALID_PROTOCOL',
	'ERR_UNESCAPED_CHARACTERS',
	'ERR_INVALID_CHAR',
	'ERR_HTTP_INVALID_HEADER_VALUE',
	'EPROTO',
	'ERR_SSL_WRONG_VERSION_NUMBER',
	'ERR_TLS_CERT_ALTNAME_INVALID',
	'CERT_HAS_EXPIRED',
	'CERT_NOT_YET_VALID',
	'CERT_UNTRUSTED',
	'CERT_REVOKED',
	'DEPTH_ZERO_SELF_SIGNED_CERT',
	'SELF_SIGNED_CERT_IN_CHAIN',
	'UNABLE_TO_GET_ISSUER_CERT',
	'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
	'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
	'HOSTNAME_MISMATCH',
]);

export function isTlsCode(code: string | undefined): boolean {
	return code !== undefined && (/CERT|SSL|TLS/.test(code) || code === 'EPROTO' || code === 'HOSTNAME_MISMATCH');
}

/** An error without a code that is still a dropped connection (Node's and undici's own wording). */
function looksDropped(message: string | undefined): boolean {
	return /socket hang up|^terminated$|other side closed|aborted/i.test(message ?? '');
}

export function classifyFailure(outcome: AttemptOutcome, state: ExecutionState): FailureClass {
	switch (outcome.kind) {
		case 'http': {
			const server = serverFailureClass(outcome.status, state);
			if (server) return server;
			// A guardrail's 403 refuses this request's content, not the key or model: other items still go.
			if (outcome.guardrailBlock) return 'final';
			if (outcome.status === 404 && state.namesResource) return 'final';
			if (outcome.status === 401 || outcome.status === 403 || outcome.status === 404 || outcome.status === 407) return 'setup';
			// A redirect (only a POST gets one back: see helperOptions) means the Base URL is not where the API is.
			if (outcome.status >= 300 && outcome.status < 400) return 'setup';
			if (outcome.modelMissing) return 'setup';
			return 'final';
		}
		case 'invalid-body': {
			if (outcome.truncated && outcome.status < 300) return 'ambiguous';
			const server = serverFailureClass(outcome.status, state);
			if (server) return server;
			// A web page or plain text on a 2xx: the Base URL points at something that is not the API.
			if (outcome.status >= 200 && outcome.status < 300) return 'setup';
			return outcome.truncated ? 'ambiguous' : 'final';
		}
		case 'network': {
			const { code } = outcome;
			if (code === undefined) return looksDropped(outcome.message) ? 'ambiguous' : 'final';
			if (TIMEOUT_CODES.has(code) || DROPPED_CODES.has(code)) return 'ambiguous';
			// Refused before anything answered: a wrong host or port. After answers: a restart, worth waiting for.
			if (UNREACHABLE_CODES.has(code)) return state.answeredBefore ? 'not-processed' : 'setup';
			if (DNS_TEMPORARY_CODES.has(code)) return 'not-processed';
			if (SETUP_NETWORK_CODES.has(code) || isTlsCode(code)) return 'setup';
			return 'final';
		}
	}
}

/**
 * Whether the client should retry after `outcome`, given the retries already made for this request
 * (`retriesSoFar`, all kinds) and those made after ambiguous failures (`ambiguousSoFar`).
 */
export function shouldRetry(
	outcome: AttemptOutcome,
	state: ExecutionState,
	policy: RetryPolicy,
	retriesSoFar: number,
	ambiguousSoFar: number,
): boolean {
	if (retriesSoFar >= policy.maxRetries) return false;
	const failure = classifyFailure(outcome, state);
	if (failure === 'not-processed') return true;
	// Doing a repeatable request twice costs nothing that matters: only a generating one is held back.
	if (failure === 'ambiguous') return state.repeatable === true || ambiguousSoFar < policy.maxAmbiguousRetries;
	return false;
}

/**
 * Whether a request that failed for good with `outcome` means every other request of the execution
 * would fail the same way. Besides setup failures, a server that stayed unreachable through every
 * retry (it went away mid-run) ends the execution's requests too.
 */
export function endsExecution(outcome: AttemptOutcome, state: ExecutionState): boolean {
	if (classifyFailure(outcome, state) === 'setup') return true;
	return outcome.kind === 'network' && outcome.code !== undefined && (UNREACHABLE_CODES.has(outcome.code) || DNS_TEMPORARY_CODES.has(outcome.code));
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
