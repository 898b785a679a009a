import { StreamedAnswer } from '../../../../nodes/shared/chat/streamedAnswer';

describe('assembling a streamed answer', () => {
	it('joins text, keeps thinking apart and assembles tool calls sent in pieces (OpenAI-compatible servers)', () => {
		const answer = new StreamedAnswer();
		const events = [
			{ id: 'r', model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
			{ id: 'r', model: 'm', choices: [{ index: 0, delta: { content: [{ type: 'thinking', thinking: [{ type: 'text', text: 'hmm' }] }] }, finish_reason: null }] },
			{ id: 'r', model: 'm', choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }] },
			{ id: 'r', model: 'm', choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: null }] },
			{ id: 'r', model: 'm', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'abcDEF123', function: { name: 'calc', arguments: '{"in' } }] }, finish_reason: null }] },
			{ id: 'r', model: 'm', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: 'put":"1"}' } }] }, finish_reason: null }] },
			{ id: 'r', model: 'm', choices: [{ index: 0, delta: { content: '' }, finish_reason: 'tool_calls' }], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } },
		];
		const deltas = events.flatMap((event) => answer.add(JSON.stringify(event)));
		expect(deltas).toEqual([
			{ choice: 0, kind: 'reasoning', text: 'hmm' },
			{ choice: 0, kind: 'text', text: 'Hel' },
			{ choice: 0, kind: 'text', text: 'lo' },
		]);
		expect(answer.finished).toBe(true);
		answer.add('[DONE]');
		expect(answer.done).toBe(true);
		expect(answer.response()).toMatchObject({
			model: 'm',
			usage: { total_tokens: 7 },
			choices: [
				{
					index: 0,
					finish_reason: 'tool_calls',
					message: {
						content: [
							{ type: 'thinking', thinking: [{ type: 'text', text: 'hmm' }] },
							{ type: 'text', text: 'Hello' },
						],
						tool_calls: [{ id: 'abcDEF123', type: 'function', function: { name: 'calc', arguments: '{"input":"1"}' } }],
					},
				},
			],
		});
	});

	it('turns an error event into an error that quotes the server', () => {
		const answer = new StreamedAnswer();
		expect(() => answer.add('{"object":"error","message":"Service overloaded","type":"server_error"}')).toThrow(/Service overloaded/);
		expect(() => answer.add('not json')).toThrow(/not JSON/);
	});
});
