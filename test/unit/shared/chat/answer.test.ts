import { simplifyAnswer } from '../../../../nodes/shared/chat/answer';

describe('simplifyAnswer', () => {
	const base = { id: 'x', object: 'chat.completion', model: 'm', usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } };

	it('reads string content, usage and finish reason', () => {
		const [choice] = simplifyAnswer({ ...base, choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] }, false);
		expect(choice).toEqual({ content: 'hi', finish_reason: 'stop', model: 'm', usage: base.usage });
	});

	it('separates thinking chunks into reasoning', () => {
		const content = [{ type: 'thinking', thinking: [{ type: 'text', text: 'hmm' }] }, { type: 'text', text: 'answer' }];
		const [choice] = simplifyAnswer({ ...base, choices: [{ index: 0, message: { content }, finish_reason: 'stop' }] }, false);
		expect(choice).toMatchObject({ content: 'answer', reasoning: 'hmm' });
	});

	it('parses tool-call arguments given as JSON strings or objects', () => {
		const tool_calls = [
			{ id: 'a', function: { name: 'f', arguments: '{"q":1}' } },
			{ id: 'b', function: { name: 'g', arguments: { q: 2 } } },
		];
		const [choice] = simplifyAnswer({ ...base, choices: [{ index: 0, message: { content: '', tool_calls }, finish_reason: 'tool_calls' }] }, false);
		expect(choice.tool_calls).toEqual([
			{ id: 'a', type: 'function', function: { name: 'f', arguments: { q: 1 } } },
			{ id: 'b', type: 'function', function: { name: 'g', arguments: { q: 2 } } },
		]);
	});

	it('parses JSON content in JSON mode, and explains invalid JSON', () => {
		const ok = simplifyAnswer({ ...base, choices: [{ index: 0, message: { content: '```json\n{"a":1}\n```' }, finish_reason: 'stop' }] }, true);
		expect(ok[0].content).toEqual({ a: 1 });
		expect(() => simplifyAnswer({ ...base, choices: [{ index: 0, message: { content: '{"a":' }, finish_reason: 'length' }] }, true)).toThrow(
			/invalid JSON.*raise "Max Tokens"/,
		);
	});

	it('returns choices in index order and rejects answers without choices', () => {
		const choices = [1, 0].map((index) => ({ index, message: { content: `c${index}` }, finish_reason: 'stop' }));
		expect(simplifyAnswer({ ...base, choices }, false).map((c) => c.content)).toEqual(['c0', 'c1']);
		expect(() => simplifyAnswer({ ...base }, false)).toThrow(/without any "choices"/);
	});
});
