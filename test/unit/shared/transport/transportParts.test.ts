import { judgeModelListAnswer } from '../../../../nodes/shared/credentialTest';
import { apiUrl, displayUrl, hideUrlSecretsInText, hostOf, normalizeBaseUrl } from '../../../../nodes/shared/transport/baseUrl';
import { authorizationHeader, type CallerContext, outcomeOf, sendAttempt, transportErrorOf } from '../../../../nodes/shared/transport/httpAttempt';
import { Redactor } from '../../../../nodes/shared/transport/redaction';
import { scopeOf, SetupLatch } from '../../../../nodes/shared/transport/setupLatch';
import { describeTransportFailure } from '../../../../nodes/shared/transport/transportErrors';

describe('Base URL', () => {
	it('keeps a query-string key at the end when an API path is added', () => {
		const base = normalizeBaseUrl(' https://proxy.example/v1/?key=s3cr3t-value ');
		expect(base).toEqual({ url: 'https://proxy.example/v1?key=s3cr3t-value', secrets: expect.arrayContaining(['s3cr3t-value']) });
		expect(apiUrl((base as { url: string }).url, '/chat/completions')).toBe('https://proxy.example/v1/chat/completions?key=s3cr3t-value');
		expect(apiUrl('https://api.mistral.ai/v1', '/embeddings')).toBe('https://api.mistral.ai/v1/embeddings');
	});

	it('collects the userinfo and every query value, raw and decoded, as secrets', () => {
		const base = normalizeBaseUrl('https://me:p%40ss-word@host/v1?key=a%2Fb-123&region=eu-west') as { secrets: string[] };
		expect(base.secrets).toEqual(expect.arrayContaining(['me', 'p%40ss-word', 'p@ss-word', 'a%2Fb-123', 'a/b-123', 'eu-west']));
	});

	it('shows URLs without their secrets', () => {
		expect(displayUrl('https://me:pw@host:8443/v1/models?key=abc&x=1')).toBe('https://***@host:8443/v1/models?key=***&x=***');
		expect(displayUrl('https://api.mistral.ai/v1/models')).toBe('https://api.mistral.ai/v1/models');
		expect(hideUrlSecretsInText('http://me:pw@host:99999/v1?key=abc')).toBe('http://***@host:99999/v1?key=***');
		// Malformed in every way a password or query can be: "/" or "@" in the password, a space in a value.
		expect(hideUrlSecretsInText('https://user:pa/ss@host/v1')).toBe('https://***@host/v1');
		expect(hideUrlSecretsInText('https://user:p@ss@host:99999/v1')).toBe('https://***@host:99999/v1');
		expect(hideUrlSecretsInText('https://host/v1?key=a b&x=c d#frag')).toBe('https://host/v1?key=***&x=***');
		expect(hideUrlSecretsInText('https://host/v1?sk-bare-secret')).toBe('https://host/v1?***');
		expect(hostOf('https://me:pw@host:8443/v1')).toBe('host:8443');
	});

	it('explains a malformed Base URL without repeating its secrets', () => {
		expect(normalizeBaseUrl('http://u:topsecret@host:99999/v1')).toEqual({ error: expect.stringContaining('"http://***@host:99999/v1" is not a valid URL') });
		expect(normalizeBaseUrl('localhost:11434/v1')).toEqual({ error: expect.stringMatching(/must start with http:\/\/ or https:\/\//) });
		for (const [url, secret] of [
			['https://user:pa/ss@host/v1', 'pa/ss'],
			['https://user:p@ss@host:99999/v1', 'p@ss'],
			['https://host:99999/v1?key=a b', 'a b'],
			['https://host/v1 ?key=a b', 'a b'],
		]) {
			const result = normalizeBaseUrl(url) as { error?: string; url?: string };
			expect(result.error ?? displayUrl(result.url!)).not.toContain(secret);
		}
	});
});

describe('Redactor', () => {
	it('with the JSON text an answer was parsed from: skips the walk only when no form of a secret and no escape is in it', () => {
		const redactor = new Redactor('sk-live-123456', ['pass/word1']);
		const vectors = { data: [{ index: 0, embedding: [0.1, -0.2, 0.3] }] };
		const vectorsText = JSON.stringify(vectors);
		expect(redactor.body(vectors, vectorsText)).toBe(vectors);
		// The key echoed in content: found in the text, replaced in the value.
		const echoed = { content: 'your key is sk-live-123456' };
		expect(redactor.body(echoed, JSON.stringify(echoed))).toEqual({ content: 'your key is ***' });
		// A URL secret echoed with JSON's optional escape of "/" (pass\/word1): not in the text as such, still found.
		const escapedText = '{"content":"login pass\\/word1 failed"}';
		expect(redactor.body(JSON.parse(escapedText), escapedText)).toEqual({ content: 'login *** failed' });
		// \u escapes spell the key out: still found.
		const unicodeText = '{"content":"\\u0073k-live-123456"}';
		expect(redactor.body(JSON.parse(unicodeText), unicodeText)).toEqual({ content: '***' });
	});

	it('replaces the key and long URL secrets anywhere, longest first', () => {
		const redactor = new Redactor('sk-live-123456', ['abcdefgh', 'abcdefghij']);
		expect(redactor.text('key sk-live-123456, url abcdefghij and abcdefgh, gluedsk-live-123456x')).toBe('key ***, url *** and ***, glued***x');
		expect(redactor.body({ message: 'bad key sk-live-123456' })).toEqual({ message: 'bad key ***' });
		const clean = { message: 'nothing here' };
		expect(redactor.body(clean)).toBe(clean);
	});

	it('finds the key JSON-escaped (once and twice) and URL-encoded, also keys holding " or \\', () => {
		const quoted = new Redactor('k"ey\\9/+ z');
		const raw = 'k"ey\\9/+ z';
		const once = JSON.stringify(raw).slice(1, -1);
		const twice = JSON.stringify(once).slice(1, -1);
		for (const form of [raw, once, twice, encodeURIComponent(raw), encodeURIComponent(raw).toLowerCase(), encodeURIComponent(raw).replace('%20', '+')]) {
			expect(quoted.text(`said: ${form} end`)).toBe('said: *** end');
		}
		expect(JSON.stringify(quoted.body({ detail: [{ input: raw, msg: `bad ${raw}` }] }))).toBe('{"detail":[{"input":"***","msg":"bad ***"}]}');
	});

	it('redacts keys of any length as whole tokens', () => {
		const short = new Redactor('k1');
		expect(short.text('key k1 is revoked; k10 and ak1 stay; "k1"')).toBe('key *** is revoked; k10 and ak1 stay; "***"');
	});

	it('redacts short URL secrets where they stand as values, and leaves the same word in ordinary text', () => {
		const redactor = new Redactor(undefined, ['json', 'pw']);
		expect(redactor.text('the answer is not json')).toBe('the answer is not json');
		expect(redactor.text('application/json')).toBe('application/json');
		expect(redactor.text('GET /v1?format=json&x=1')).toBe('GET /v1?format=***&x=1');
		expect(redactor.text('{"format": "json"}')).toBe('{"format": "***"}');
		expect(redactor.text('https://me:pw@host')).toBe('https://me:***@host');
		expect(redactor.text('password pw rejected; key: json')).toBe('password *** rejected; key: ***');
	});

	it('walks bodies: strings and keys, numbers untouched, the same object when clean', () => {
		const redactor = new Redactor('sk-live-123456');
		const vectors = { data: [{ index: 0, embedding: [0.1, 0.2] }] };
		expect(redactor.body(vectors)).toBe(vectors);
		expect(redactor.body({ 'sk-live-123456': 1, list: ['a', 'sk-live-123456'] })).toEqual({ '***': 1, list: ['a', '***'] });
		expect(new Redactor().body(vectors)).toBe(vectors);
	});
});

describe('transport failures in words', () => {
	const base = { host: '127.0.0.1:1234', timeoutMs: 300_000, attempts: 1 };
	it.each([
		['ECONNREFUSED', /^Could not reach 127\.0\.0\.1:1234 \(ECONNREFUSED\)$/, /Nothing accepts connections.*host and port/],
		['ENOTFOUND', /^The host 127\.0\.0\.1 was not found \(ENOTFOUND\)$/, /spelling of the Base URL/],
		['CERT_HAS_EXPIRED', /TLS certificate of 127\.0\.0\.1:1234 was not accepted/, /NODE_EXTRA_CA_CERTS/],
		['EPROTO', /Could not set up HTTPS/, /Use http:\/\//],
		['ERR_INVALID_CHAR', /The API key cannot be sent/, /Paste the key/],
		['ETIMEDOUT', /^No answer from 127\.0\.0\.1:1234 within 300 s$/, /billed/],
		['ECONNRESET', /was dropped \(ECONNRESET\)/, /billed/],
	])('%s', (code, message, description) => {
		const text = describeTransportFailure({ ...base, code });
		expect(text.message).toMatch(message);
		expect(text.description).toMatch(description);
	});

	it('an error without a known code keeps its own message', () => {
		const text = describeTransportFailure({ ...base, message: 'maxContentLength size of 10 exceeded' });
		expect(text.message).toBe('The request to 127.0.0.1:1234 failed');
		expect(text.description).toContain('n8n reported: "maxContentLength size of 10 exceeded"');
		expect(text.message + text.description).not.toMatch(/connection failed/);
	});

	it('finds the code and the innermost message through n8n\'s wrappers', () => {
		const inner = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1234'), { code: 'ECONNREFUSED' });
		const wrapper = Object.assign(new Error('The service refused the connection - perhaps it is offline'), { cause: inner });
		expect(transportErrorOf(wrapper)).toEqual({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1234' });
		expect(transportErrorOf(new Error('socket hang up'))).toEqual({ code: undefined, message: 'socket hang up' });
	});
});

describe('one attempt', () => {
	it("asks n8n's helper for every status as an answer, with the key read once and the attempt's own abort signal", async () => {
		const calls: Array<Record<string, unknown>> = [];
		const context = {
			helpers: {
				httpRequest: async (options: Record<string, unknown>) => {
					calls.push(options);
					return { statusCode: 401, headers: {}, body: { message: 'Unauthorized' } };
				},
			},
		} as unknown as CallerContext;
		const signal = new AbortController().signal;
		const request = { method: 'POST' as const, url: 'https://host/v1/chat/completions', body: { model: 'm' }, timeoutMs: 5000, authorization: 'Bearer k', signal };
		const result = await sendAttempt(context, request);
		expect(result).toEqual({ response: { statusCode: 401, headers: {}, body: { message: 'Unauthorized' } } });
		expect(calls).toEqual([
			expect.objectContaining({ ignoreHttpStatusErrors: true, returnFullResponse: true, timeout: 5000, json: true, abortSignal: signal, headers: { authorization: 'Bearer k' } }),
		]);
		// A POST is not re-sent where a redirect points; a GET follows it without the key on another host.
		expect(calls[0].disableFollowRedirect).toBe(true);
		await sendAttempt(context, { ...request, method: 'GET', body: undefined });
		expect(calls[1]).toEqual(expect.objectContaining({ sendCredentialsOnCrossOriginRedirect: false }));
		expect(calls[1].disableFollowRedirect).toBeUndefined();
	});

	it('sends no Authorization header for an empty key, as the credential does', () => {
		expect(authorizationHeader('')).toBeUndefined();
		expect(authorizationHeader('abc')).toBe('Bearer abc');
	});
});

describe('answers', () => {
	it('marks a 2xx body cut short as truncated, an HTML page not', () => {
		expect(outcomeOf({ statusCode: 200, headers: {}, body: '{"id":"x","choi' }, false)).toEqual({ kind: 'invalid-body', status: 200, truncated: true });
		expect(outcomeOf({ statusCode: 200, headers: {}, body: '<html></html>' }, false)).toEqual({ kind: 'invalid-body', status: 200, truncated: false });
		expect(outcomeOf({ statusCode: 200, headers: {}, body: { data: [] } }, false)).toBeUndefined();
		expect(outcomeOf({ statusCode: 429, headers: { 'retry-after': '2' }, body: {} }, false)).toEqual({ kind: 'http', status: 429, retryAfter: '2', modelMissing: false });
	});
});

describe('setup latch', () => {
	it('ends the whole execution for a key or URL failure, one model for a 403 or unknown model', () => {
		expect(scopeOf(401, false, 'm')).toEqual({ kind: 'execution' });
		expect(scopeOf(404, false, 'm')).toEqual({ kind: 'execution' });
		expect(scopeOf(404, true, 'm')).toEqual({ kind: 'model', model: 'm' });
		expect(scopeOf(403, false, 'm')).toEqual({ kind: 'model', model: 'm' });
		expect(scopeOf(403, false, undefined)).toEqual({ kind: 'execution' });

		const latch = new SetupLatch();
		const failure = { message: 'no', description: 'd', info: {} };
		latch.set({ kind: 'model', model: 'a' }, failure);
		expect(latch.get('a')).toBe(failure);
		expect(latch.get('b')).toBeUndefined();
		latch.set({ kind: 'execution' }, failure);
		expect(latch.get('b')).toBe(failure);
	});
});

describe('credential test answers', () => {
	const judge = (statusCode: number, body: unknown, hasKey = true) => judgeModelListAnswer({ statusCode, body }, 'host:1', hasKey);
	it.each([
		[200, { data: [] }, 'OK', /^Connection successful!$/],
		[200, '<html>', 'Error', /not with a model list/],
		[401, {}, 'Error', /API key was rejected \(401\)/],
		[404, {}, 'Error', /No model list at this Base URL \(404\).*\/v1/],
		[429, {}, 'OK', /rate-limiting/],
		[502, '<html>', 'Error', /failed \(502\)/],
		[418, { message: 'teapot' }, 'Error', /answered 418.*teapot/],
	])('%i', (statusCode, body, status, message) => {
		expect(judge(statusCode, body)).toEqual({ status, message: expect.stringMatching(message) });
	});

	it('a 401 without a key asks for one', () => {
		expect(judge(401, {}, false).message).toMatch(/needs an API key/);
	});

	it("names the Mistral console only for Mistral's own API", () => {
		expect(judgeModelListAnswer({ statusCode: 401, body: {} }, 'api.mistral.ai', true).message).toMatch(/Mistral console/);
		expect(judge(401, {}).message).toMatch(/key for host:1 /);
		expect(judge(401, {}).message).not.toMatch(/Mistral console/);
	});
});
