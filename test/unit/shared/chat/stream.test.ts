import { readChatStream, streamChatAnswer } from '../../../../nodes/shared/chat/stream';
import { readAnswer } from '../../../../nodes/shared/chat/answer';
import { AnswerError } from '../../../../nodes/shared/errors';

/** Server-sent event data as MistralClient.postStream hands it over, and whether the connection was closed. */
function events(data: string[]) {
	const state = { closed: false, read: 0 };
	async function* source() {
		try {
			for (const line of data) {
				state.read++;
				yield line;
			}
		} finally {
			state.closed = true;
		}
	}
	return { opened: { kind: 'events' as const, events: source() }, state };
}

const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
	JSON.stringify({ id: 'c1', model: 'mistral-small-latest', choices: [{ index: 0, delta, ...extra }] });

describe('the chat stream loop', () => {
	it('yields text as it arrives and returns the answer in the shape the answer reader reads', async () => {
		const { opened, state } = events([
			chunk({ role: 'assistant', content: 'Hel' }),
			chunk({ content: 'lo' }),
			chunk({}, { finish_reason: 'stop' }),
			JSON.stringify({ id: 'c1', choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }),
			'[DONE]',
		]);
		const pieces: string[] = [];
		const response = await readChatStream(opened, (delta) => {
			pieces.push(delta.text);
		});
		expect(pieces).toEqual(['Hel', 'lo']);
		const answer = readAnswer(response);
		expect(answer.choices[0]).toMatchObject({ text: 'Hello', finishReason: 'stop' });
		expect(answer.usage).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
		expect(state.closed).toBe(true);
	});

	it('takes a plain JSON answer from a server that ignored `stream` as it is, with no deltas', async () => {
		const body = { choices: [{ index: 0, message: { role: 'assistant', content: 'whole' }, finish_reason: 'stop' }] };
		const deltas: unknown[] = [];
		const response = await readChatStream({ kind: 'json', body }, (delta) => {
			deltas.push(delta);
		});
		expect(response).toBe(body);
		expect(deltas).toEqual([]);
	});

	it('fails with an AnswerError when the stream ends before the answer is complete', async () => {
		const { opened } = events([chunk({ content: 'cut' })]);
		await expect(readChatStream(opened, () => undefined)).rejects.toThrow(AnswerError);
		await expect(readChatStream(events([chunk({ content: 'cut' })]).opened, () => undefined)).rejects.toThrow(/stream ended before the answer was complete/);
	});

	it('stops reading and closes the connection when the consumer fails', async () => {
		const { opened, state } = events([chunk({ content: 'a' }), chunk({ content: 'b' }), chunk({ content: 'c' }), '[DONE]']);
		await expect(
			readChatStream(opened, () => {
				throw new Error('the client went away');
			}),
		).rejects.toThrow('the client went away');
		expect(state.read).toBe(1);
		expect(state.closed).toBe(true);
	});

	it('closes the connection when the consumer of the generator stops early', async () => {
		const { opened, state } = events([chunk({ content: 'a' }), chunk({ content: 'b' }), '[DONE]']);
		for await (const delta of streamChatAnswer(opened)) {
			expect(delta.text).toBe('a');
			break;
		}
		expect(state.closed).toBe(true);
	});
});
