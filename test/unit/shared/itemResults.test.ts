import { errorOutputJson } from '../../../nodes/shared/itemResults';

// n8n sends an item to "Continue (using error output)" by its json: n8n 2.x when it holds only
// `error`, `message` and `details`; n8n 1.x (1.123.81's workflow-execute) only for `error` alone or
// `error` with `message`. Anything else lands in the success output.
const apiError = { message: 'Model "x" was not found', description: 'Pick a model from the list.', httpCode: '404' };
const routedBy2x = (json: object) => Object.keys(json).every((key) => ['error', 'message', 'details'].includes(key));
const routedBy1x = (json: object) => {
	const keys = Object.keys(json).sort().join(',');
	return keys === 'error' || keys === 'error,message';
};

describe('errorOutputJson', () => {
	it('on n8n 2.x: what to do and the HTTP code under details', () => {
		const json = errorOutputJson(apiError, 3, false);
		expect(json).toEqual({ error: 'Model "x" was not found [item 3]', details: { errorDescription: 'Pick a model from the list.', httpCode: '404' } });
		expect(routedBy2x(json)).toBe(true);
	});

	it('on n8n 1.x: the same facts in message, so that n8n 1.x routes it to the error output', () => {
		const json = errorOutputJson(apiError, 3, true);
		expect(json).toEqual({ error: 'Model "x" was not found [item 3]', message: 'Pick a model from the list. HTTP 404' });
		expect(routedBy1x(json)).toBe(true);
	});

	it('an error without details is the same on both', () => {
		expect(errorOutputJson(new Error('"Prompt" is empty'), 1, true)).toEqual({ error: '"Prompt" is empty [item 1]' });
		expect(errorOutputJson(new Error('"Prompt" is empty'), 1, false)).toEqual({ error: '"Prompt" is empty [item 1]' });
	});
});
