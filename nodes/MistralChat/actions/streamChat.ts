import type { IDataObject } from 'n8n-workflow';

import type { MistralClient, RequestMeta } from '../../shared/transport/client';
import { type StreamDelta, StreamedAnswer, StreamedAnswerError } from './streamedAnswer';

/**
 * Sends a chat request with `stream: true`, hands each piece of text to `onDelta` as it arrives, and
 * returns the whole answer in the shape of a non-streamed one. A server that ignores `stream` and
 * answers with plain JSON is accepted as it is.
 */
export async function streamChatCompletion(
	client: MistralClient,
	body: IDataObject,
	meta: RequestMeta,
	itemIndex: number | undefined,
	onDelta: (delta: StreamDelta) => void | Promise<void>,
): Promise<IDataObject> {
	const answer = await client.postStream('/chat/completions', { ...body, stream: true }, meta, itemIndex);
	if (answer.kind === 'json') return answer.body as IDataObject;
	const assembled = new StreamedAnswer();
	try {
		for await (const data of answer.events) {
			for (const delta of assembled.add(data)) await onDelta(delta);
			if (assembled.done) break;
		}
	} finally {
		// Stops reading (and closes the connection) if the consumer failed or [DONE] came early.
		await answer.events.return(undefined);
	}
	if (!assembled.done && !assembled.finished) {
		throw new StreamedAnswerError('The stream ended before the answer was complete (no finish_reason and no [DONE]); try again');
	}
	return assembled.response() as IDataObject;
}
