/**
 * One streamed HTTP attempt (`stream: true`, server-sent events) through n8n's request helper. A 2xx
 * `text/event-stream` answer hands over its body unread; any other answer (an error, or a server that
 * ignored `stream` and sent JSON) is read whole, so the retry loop judges it as any answer.
 */
import { type AttemptRequest, type CallerContext, type FullResponse, headerValue, helperOptions, type TransportError, transportErrorOf } from './httpAttempt';

export type StreamAttemptResult = { events: AsyncIterable<Uint8Array> } | { response: FullResponse } | { error: TransportError };

export async function readAll(body: unknown): Promise<string> {
	if (body === undefined || body === null) return '';
	if (typeof body === 'string') return body;
	if (typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] !== 'function') return JSON.stringify(body);
	const decoder = new TextDecoder();
	let text = '';
	for await (const piece of body as AsyncIterable<Uint8Array | string>) text += typeof piece === 'string' ? piece : decoder.decode(piece, { stream: true });
	return text + decoder.decode();
}

function parseJsonOrText(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
}

export async function sendStreamAttempt(context: CallerContext, request: AttemptRequest): Promise<StreamAttemptResult> {
	let response: FullResponse;
	try {
		response = (await context.helpers.httpRequest(helperOptions({ ...request, accept: 'stream' }))) as FullResponse;
	} catch (error) {
		return { error: transportErrorOf(error) };
	}
	const success = response.statusCode >= 200 && response.statusCode < 300;
	if (success && String(headerValue(response.headers, 'content-type') ?? '').includes('text/event-stream')) {
		return { events: response.body as AsyncIterable<Uint8Array> };
	}
	try {
		return { response: { ...response, body: parseJsonOrText(await readAll(response.body)) } };
	} catch (error) {
		return { error: transportErrorOf(error) };
	}
}
