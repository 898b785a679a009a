import { transportErrorOf } from '../../../../nodes/shared/transport/httpAttempt';

describe('transportErrorOf: the network error code behind n8n\'s request errors', () => {
	it('finds the code on the error or its cause (n8n 2.x keeps the original error as cause)', () => {
		expect(transportErrorOf(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).code).toBe('ECONNREFUSED');
		expect(transportErrorOf({ message: 'wrapped', cause: { code: 'ETIMEDOUT', message: 'timeout' } }).code).toBe('ETIMEDOUT');
	});

	it('reads it from httpCode, where n8n 1.x\'s NodeApiError keeps it (seen in n8n 1.123.81)', () => {
		const nodeApiError1x = { message: 'The service refused the connection - perhaps it is offline', httpCode: 'ECONNREFUSED', cause: undefined };
		expect(transportErrorOf(nodeApiError1x).code).toBe('ECONNREFUSED');
		expect(transportErrorOf({ message: 'timeout', httpCode: 'ECONNABORTED' }).code).toBe('ECONNABORTED');
	});

	it('does not take an HTTP status in httpCode for a network code', () => {
		expect(transportErrorOf({ message: 'Bad gateway', httpCode: '502' }).code).toBeUndefined();
	});
});
