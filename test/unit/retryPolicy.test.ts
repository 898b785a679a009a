import {
	type AttemptOutcome,
	classifyFailure,
	DEFAULT_RETRY_POLICY,
	endsExecution,
	parseRetryAfter,
	retryDelayMs,
	shouldRetry,
} from '../../nodes/shared/transport/retryPolicy';

const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 1000, maxDelayMs: 8000, maxRetryAfterMs: 60_000 };
const now = Date.parse('2026-11-25T12:00:00Z');
const fresh = { answeredBefore: false };
const running = { answeredBefore: true };
const repeatable = { answeredBefore: true, repeatable: true };

/** How many attempts a request makes when every attempt ends with `outcome`. */
function attemptsFor(outcome: AttemptOutcome, maxRetries = 5, maxAmbiguousRetries = 1, state = running): number {
	const local = { ...policy, maxRetries, maxAmbiguousRetries };
	let retries = 0;
	let ambiguous = 0;
	while (shouldRetry(outcome, state, local, retries, ambiguous)) {
		if (classifyFailure(outcome, state) === 'ambiguous') ambiguous++;
		retries++;
	}
	return retries + 1;
}

describe('retry policy', () => {
	it.each([429, 503])('HTTP %i says the work was not started: every retry of Max Retries, for any request', (status) => {
		expect(classifyFailure({ kind: 'http', status }, running)).toBe('not-processed');
		expect(attemptsFor({ kind: 'http', status })).toBe(6);
		expect(attemptsFor({ kind: 'http', status }, 2)).toBe(3);
		expect(attemptsFor({ kind: 'http', status }, 5, 1, repeatable)).toBe(6);
	});

	it.each([500, 502, 504])('HTTP %i after a generating POST (the default) may come after the work was done: retried once by default', (status) => {
		expect(classifyFailure({ kind: 'http', status }, running)).toBe('ambiguous');
		expect(attemptsFor({ kind: 'http', status })).toBe(2);
		expect(attemptsFor({ kind: 'http', status }, 5, 0)).toBe(1);
		expect(attemptsFor({ kind: 'http', status }, 5, 3)).toBe(4);
	});

	it.each([500, 502, 504])('HTTP %i after a repeatable request (embeddings, reads): every retry of Max Retries', (status) => {
		expect(classifyFailure({ kind: 'http', status }, repeatable)).toBe('not-processed');
		expect(attemptsFor({ kind: 'http', status }, 5, 1, repeatable)).toBe(6);
	});

	it('a 5xx proxy page (HTML) is judged by its status as any answer', () => {
		expect(attemptsFor({ kind: 'invalid-body', status: 502 })).toBe(2);
		expect(attemptsFor({ kind: 'invalid-body', status: 502 }, 5, 1, repeatable)).toBe(6);
		expect(attemptsFor({ kind: 'invalid-body', status: 503 })).toBe(6);
	});

	it.each<[string, AttemptOutcome]>([
		['a timeout (ECONNABORTED)', { kind: 'network', code: 'ECONNABORTED' }],
		['a timeout (ETIMEDOUT)', { kind: 'network', code: 'ETIMEDOUT' }],
		['a reset after sending', { kind: 'network', code: 'ECONNRESET' }],
		['a broken pipe', { kind: 'network', code: 'EPIPE' }],
		['"socket hang up" without a code', { kind: 'network', message: 'socket hang up' }],
		['a 2xx body cut short', { kind: 'invalid-body', status: 200, truncated: true }],
	])('%s may have been processed and billed: retried once by default', (_name, outcome) => {
		expect(classifyFailure(outcome, running)).toBe('ambiguous');
		expect(attemptsFor(outcome)).toBe(2);
		expect(attemptsFor(outcome, 5, 3)).toBe(4);
		expect(attemptsFor(outcome, 5, 0)).toBe(1);
		// Never more than Max Retries.
		expect(attemptsFor(outcome, 0, 3)).toBe(1);
	});

	it('a repeatable request (embeddings, reads) retries a timeout or a drop up to Max Retries: nothing billed is repeated', () => {
		expect(attemptsFor({ kind: 'network', code: 'ETIMEDOUT' }, 5, 1, repeatable)).toBe(6);
		expect(attemptsFor({ kind: 'network', code: 'ECONNRESET' }, 2, 0, repeatable)).toBe(3);
	});

	it('counts ambiguous retries apart: a 503 after a timeout is still retried', () => {
		const timeout: AttemptOutcome = { kind: 'network', code: 'ETIMEDOUT' };
		const unavailable: AttemptOutcome = { kind: 'http', status: 503 };
		expect(shouldRetry(timeout, running, policy, 0, 0)).toBe(true);
		expect(shouldRetry(unavailable, running, policy, 1, 1)).toBe(true);
		expect(shouldRetry(timeout, running, policy, 2, 1)).toBe(false);
	});

	it.each<[string, AttemptOutcome]>([
		['401', { kind: 'http', status: 401 }],
		['403', { kind: 'http', status: 403 }],
		['404', { kind: 'http', status: 404 }],
		['407 (proxy authentication)', { kind: 'http', status: 407 }],
		['400 unknown model', { kind: 'http', status: 400, modelMissing: true }],
		['host not found', { kind: 'network', code: 'ENOTFOUND' }],
		['an expired certificate', { kind: 'network', code: 'CERT_HAS_EXPIRED' }],
		['a self-signed certificate', { kind: 'network', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }],
		['a certificate for another name', { kind: 'network', code: 'ERR_TLS_CERT_ALTNAME_INVALID' }],
		['https to a plain-http port', { kind: 'network', code: 'EPROTO' }],
		['an invalid URL', { kind: 'network', code: 'ERR_INVALID_URL' }],
		['a key with a line break (invalid header)', { kind: 'network', code: 'ERR_INVALID_CHAR' }],
		['an HTML page on a 200 (not the API)', { kind: 'invalid-body', status: 200 }],
	])('%s is a setup failure: never retried, and it ends the execution', (_name, outcome) => {
		expect(classifyFailure(outcome, fresh)).toBe('setup');
		expect(attemptsFor(outcome, 5, 1, fresh)).toBe(1);
		expect(endsExecution(outcome, fresh)).toBe(true);
	});

	it('a refused connection before any answer is a setup failure; after answers, a restart worth retrying', () => {
		const refused: AttemptOutcome = { kind: 'network', code: 'ECONNREFUSED' };
		expect(classifyFailure(refused, fresh)).toBe('setup');
		expect(attemptsFor(refused, 5, 1, fresh)).toBe(1);
		expect(classifyFailure(refused, running)).toBe('not-processed');
		expect(attemptsFor(refused, 5, 1, running)).toBe(6);
		// Still refused after every retry: the server is gone, the other requests need not try.
		expect(endsExecution(refused, running)).toBe(true);
	});

	it.each<[string, AttemptOutcome]>([
		['400', { kind: 'http', status: 400 }],
		['422', { kind: 'http', status: 422 }],
		['413', { kind: 'http', status: 413 }],
		['an error without a code that is not a dropped connection', { kind: 'network', message: 'maxContentLength size of 10 exceeded' }],
		['an unknown code', { kind: 'network', code: 'ERR_SOMETHING_NEW' }],
	])('%s concerns this request only: not retried, and the others still go', (_name, outcome) => {
		expect(classifyFailure(outcome, running)).toBe('final');
		expect(attemptsFor(outcome)).toBe(1);
		expect(endsExecution(outcome, running)).toBe(false);
	});

	it('transient failures do not end the execution', () => {
		for (const outcome of [
			{ kind: 'http', status: 429 },
			{ kind: 'http', status: 503 },
			{ kind: 'network', code: 'ETIMEDOUT' },
			{ kind: 'network', code: 'ECONNRESET' },
		] as AttemptOutcome[]) {
			expect(endsExecution(outcome, running)).toBe(false);
		}
	});

	it('reads Retry-After as seconds or as an HTTP date', () => {
		expect(parseRetryAfter('1', now)).toBe(1000);
		expect(parseRetryAfter('0.5', now)).toBe(500);
		expect(parseRetryAfter(new Date(now + 3000).toUTCString(), now)).toBe(3000);
		expect(parseRetryAfter(new Date(now - 3000).toUTCString(), now)).toBe(0);
		expect(parseRetryAfter('soon', now)).toBeUndefined();
		expect(parseRetryAfter(undefined, now)).toBeUndefined();
	});

	it('lets Retry-After win over backoff, capped', () => {
		expect(retryDelayMs(1, { kind: 'http', status: 429, retryAfter: '2' }, policy, now, () => 0.99)).toBe(2000);
		expect(retryDelayMs(1, { kind: 'http', status: 429, retryAfter: '3600' }, policy, now)).toBe(60_000);
	});

	it('backs off exponentially with jitter between half and the whole step, capped', () => {
		const low = (retry: number) => retryDelayMs(retry, { kind: 'http', status: 503 }, policy, now, () => 0);
		const high = (retry: number) => retryDelayMs(retry, { kind: 'http', status: 503 }, policy, now, () => 1);
		expect([low(1), low(2), low(3)]).toEqual([500, 1000, 2000]);
		expect([high(1), high(2), high(3)]).toEqual([1000, 2000, 4000]);
		expect(high(10)).toBe(8000);
	});
});
