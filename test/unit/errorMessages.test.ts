import { describeHttpError, parseErrorBody } from '../../nodes/shared/transport/errorMessages';

const url = 'https://api.mistral.ai/v1/chat/completions';

describe('error bodies', () => {
	it('reads the documented error object', () => {
		const body = { object: 'error', message: 'Invalid model: foo', type: 'invalid_model', param: null, code: '1500' };
		expect(parseErrorBody(body)).toMatchObject({ message: 'Invalid model: foo', type: 'invalid_model', code: '1500' });
	});

	it('names the rejected field of a 422 whose message is an object', () => {
		const body = {
			object: 'error',
			message: { detail: [{ type: 'extra_forbidden', loc: ['body', 'max_completion_tokens'], msg: 'Extra inputs are not permitted' }] },
			type: 'invalid_request_error',
		};
		const text = describeHttpError({ status: 422, body, url, attempts: 1 });
		expect(text.message).toContain('Mistral rejected field `max_completion_tokens` (extra_forbidden)');
	});

	it('names the rejected field when the message is that JSON as a string', () => {
		const inner = { detail: [{ type: 'extra_forbidden', loc: ['body', 'user'], msg: 'Extra inputs are not permitted' }] };
		const text = describeHttpError({ status: 422, body: { object: 'error', message: JSON.stringify(inner) }, url, attempts: 1 });
		expect(text.message).toContain('`user` (extra_forbidden)');
	});

	it("reads the spec's own detail list, with nested locations", () => {
		const body = { detail: [{ loc: ['body', 'messages', 0, 'name'], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' }] };
		expect(describeHttpError({ status: 422, body, url, attempts: 1 }).message).toContain('`messages.0.name`');
	});

	it('says the key was rejected on 401, in both shapes', () => {
		for (const body of [{ message: 'Unauthorized', request_id: 'abc' }, { detail: 'Unauthorized' }]) {
			expect(describeHttpError({ status: 401, body, url, attempts: 1 }).message).toMatch(/API key was rejected/);
		}
	});

	it("sends the user to the Mistral console for a key only when the Base URL is Mistral's", () => {
		const at = (target: string) => describeHttpError({ status: 401, body: {}, url: target, attempts: 1 }).description;
		expect(at('https://api.mistral.ai/v1/chat/completions')).toMatch(/Mistral console/);
		expect(at('https://codestral.mistral.ai/v1/chat/completions')).toMatch(/Mistral console/);
		for (const other of ['http://localhost:11434/v1/chat/completions', 'https://mistral.ai.example.com/v1/embeddings', 'https://notmistral.ai/v1/x']) {
			expect(at(other)).not.toMatch(/Mistral console/);
			expect(at(other)).toContain(new URL(other).host);
		}
	});

	it('names the model on a 404 and on an "Invalid model" 400', () => {
		const notFound = describeHttpError({ status: 404, body: { message: 'Model not found' }, url, model: 'mistral-huge', attempts: 1 });
		expect(notFound.message).toContain('"mistral-huge"');
		const invalid = describeHttpError({ status: 400, body: { message: 'Invalid model: mistral-huge' }, url, model: 'mistral-huge', attempts: 1 });
		expect(invalid.message).toBe('Model "mistral-huge" was not found (400)');
	});

	it('suggests /v1 when a 404 comes from a Base URL without a version path', () => {
		const text = describeHttpError({ status: 404, body: { detail: 'Not Found' }, url: 'http://localhost:8000/chat/completions', attempts: 1 });
		expect(text.description).toContain('/v1');
	});

	it('reports rate limits and server errors with the number of attempts', () => {
		expect(describeHttpError({ status: 429, body: { message: 'Requests rate limit exceeded' }, url, attempts: 6 }).message).toBe(
			'Rate limit exceeded (429) after 6 attempts',
		);
		expect(describeHttpError({ status: 503, body: '', url, attempts: 3 }).message).toBe('The Mistral server failed (503) after 3 attempts');
	});

	it("reads OpenAI-compatible servers' nested error object", () => {
		expect(parseErrorBody({ error: { message: 'bad things', type: 'BadRequestError', code: 400 } }).message).toBe('bad things');
	});
});
