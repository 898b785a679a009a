/**
 * The one loop that reads a streamed chat answer (pure), for Mistral Chat (n8n's streaming output)
 * and Mistral Chat Model (the AI Agent's stream). It yields each piece of text or reasoning as it
 * arrives and returns the whole answer in the shape of a non-streamed one (read it with readAnswer).
 */
import { AnswerError } from '../errors';
import { type StreamDelta, StreamedAnswer } from './streamedAnswer';

/**
 * What a request sent with `stream: true` opened (MistralClient.postStream): server-sent events, or
 * a plain JSON answer from a server that ignored `stream`, which is taken as it is.
 */
export type OpenedStream = { kind: 'events'; events: AsyncGenerator<string> } | { kind: 'json'; body: unknown };

export async function* streamChatAnswer(opened: OpenedStream): AsyncGenerator<StreamDelta, unknown, undefined> {
	if (opened.kind === 'json') return opened.body;
	const assembled = new StreamedAnswer();
	try {
		for await (const data of opened.events) {
			for (const delta of assembled.add(data)) yield delta;
			if (assembled.done) break;
		}
	} finally {
		// Stops reading (and closes the connection) if the consumer stopped or [DONE] came early.
		await opened.events.return(undefined);
	}
	if (!assembled.done && !assembled.finished) {
		throw new AnswerError('The stream ended before the answer was complete (no finish_reason and no [DONE]); try again');
	}
	return assembled.response();
}

/** Runs the stream to its end, handing each delta to `onDelta`; returns the whole answer. */
export async function readChatStream(opened: OpenedStream, onDelta: (delta: StreamDelta) => void | Promise<void>): Promise<unknown> {
	const stream = streamChatAnswer(opened);
	let step = await stream.next();
	try {
		while (!step.done) {
			await onDelta(step.value);
			step = await stream.next();
		}
		return step.value;
	} finally {
		// onDelta failed: stop reading, which closes the connection.
		if (!step.done) await stream.return(undefined);
	}
}
