import { DEFAULT_RETRY_POLICY, isRetryable, parseRetryAfter, retryDelayMs } from '../../nodes/shared/transport/retryPolicy';

const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 1000, maxDelayMs: 8000, maxRetryAfterMs: 60_000 };
const now = Date.parse('2026-11-25T12:00:00Z');

describe('retry policy', () => {
	it.each([429, 500, 502, 503, 504])('retries HTTP %i', (status) => {
		expect(isRetryable({ kind: 'http', status })).toBe(true);
	});

	it.each([400, 401, 403, 404, 422])('does not retry HTTP %i', (status) => {
		expect(isRetryable({ kind: 'http', status })).toBe(false);
	});

	it('retries resets, refusals and timeouts but not unknown local failures', () => {
		for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT']) {
			expect(isRetryable({ kind: 'network', code })).toBe(true);
		}
		expect(isRetryable({ kind: 'network', code: 'ERR_INVALID_URL' })).toBe(false);
	});

	it('retries a broken body on a 5xx but not an HTML page on a 200', () => {
		expect(isRetryable({ kind: 'invalid-body', status: 502 })).toBe(true);
		expect(isRetryable({ kind: 'invalid-body', status: 200 })).toBe(false);
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
