/**
 * The package's own error kinds (pure). The node folders turn them into n8n errors that name the item
 * (nodes/shared/nodeErrors.ts); the transport raises n8n's NodeApiError itself for what the API refused.
 *
 *  - InputError: something the user gave (a parameter, a message, a text, an image) cannot be sent
 *    as it is. The message names the field and says how to fix it.
 *  - AnswerError: the server answered, but not with something this package can use (no choices, a
 *    broken stream, vectors that do not match the inputs, a model's invalid JSON).
 */
export class InputError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'InputError';
	}
}

export class AnswerError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'AnswerError';
	}
}
