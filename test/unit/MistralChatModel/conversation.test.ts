import type { Message } from '@n8n/ai-node-sdk';

import { mistralToolCallId, toGenerateResult, toMistralMessages } from '../../../nodes/MistralChatModel/conversation';

describe('Mistral Chat Model: messages to and from Mistral', () => {
	it('keeps Mistral ids and maps foreign ones to 9 characters, the same in the call and in its result', () => {
		expect(mistralToolCallId('abcDEF123')).toBe('abcDEF123');
		const foreign = ['call_8Xf1a2b3c4d5e6f7', 'toolu_01A09q90qw90lq917835lq9', 'x', '', '123456789012'];
		const mapped = foreign.map(mistralToolCallId);
		for (const id of mapped) expect(id).toMatch(/^[a-zA-Z0-9]{9}$/);
		expect(new Set(mapped).size).toBe(foreign.length);
		expect(foreign.map(mistralToolCallId)).toEqual(mapped);

		const messages: Message[] = [
			{ role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
			{ role: 'user', content: [{ type: 'text', text: 'What is 12*7 and 2+2?' }] },
			{
				role: 'assistant',
				content: [
					{ type: 'text', text: '' },
					{ type: 'tool-call', toolCallId: 'call_8Xf1a2b3c4d5e6f7', toolName: 'calculator', input: '{"input":"12*7"}' },
					{ type: 'tool-call', toolCallId: 'abcDEF123', toolName: 'calculator', input: '{"input":"2+2"}' },
				],
			},
			{ role: 'tool', name: 'calculator', content: [{ type: 'tool-result', toolCallId: 'call_8Xf1a2b3c4d5e6f7', result: '84' }] },
			{ role: 'tool', name: 'calculator', content: [{ type: 'tool-result', toolCallId: 'abcDEF123', result: { value: 4 } }] },
		];
		const sent = toMistralMessages(messages);
		expect(sent).toEqual([
			{ role: 'system', content: 'Be brief.' },
			{ role: 'user', content: 'What is 12*7 and 2+2?' },
			{
				role: 'assistant',
				content: null,
				tool_calls: [
					{ id: mapped[0], type: 'function', function: { name: 'calculator', arguments: '{"input":"12*7"}' } },
					{ id: 'abcDEF123', type: 'function', function: { name: 'calculator', arguments: '{"input":"2+2"}' } },
				],
			},
			{ role: 'tool', content: '84', tool_call_id: mapped[0], name: 'calculator' },
			{ role: 'tool', content: '{"value":4}', tool_call_id: 'abcDEF123', name: 'calculator' },
		]);
	});

	it('pairs results without a matching id with the calls not yet answered', () => {
		const sent = toMistralMessages([
			{ role: 'user', content: [{ type: 'text', text: 'q' }] },
			{ role: 'assistant', content: [{ type: 'tool-call', toolName: 'a', input: '' }] },
			{ role: 'tool', content: [{ type: 'tool-result', toolCallId: 'unrelated', result: 'r' }] },
		]);
		const callId = (sent[1].tool_calls as Array<{ id: string; function: { arguments: string } }>)[0];
		expect(callId.id).toMatch(/^[a-zA-Z0-9]{9}$/);
		expect(callId.function.arguments).toBe('{}');
		expect(sent[2].tool_call_id).toBe(callId.id);
	});

	it('leaves out what a windowed memory cut in half: unanswered calls, orphan results, empty assistant turns', () => {
		const sent = toMistralMessages([
			{ role: 'tool', content: [{ type: 'tool-result', toolCallId: 'abcDEF123', result: 'orphan' }] },
			{ role: 'user', content: [{ type: 'text', text: 'first' }] },
			{ role: 'assistant', content: [{ type: 'reasoning', text: 'thinking only' }] },
			{ role: 'user', content: [{ type: 'text', text: 'second' }] },
			{
				role: 'assistant',
				content: [
					{ type: 'tool-call', toolCallId: 'aaaaaaaa1', toolName: 'a', input: '{}' },
					{ type: 'tool-call', toolCallId: 'bbbbbbbb2', toolName: 'b', input: '{}' },
				],
			},
			{ role: 'tool', content: [{ type: 'tool-result', toolCallId: 'bbbbbbbb2', result: 'b done' }] },
			{ role: 'assistant', content: [{ type: 'text', text: '' }, { type: 'tool-call', toolCallId: 'cccccccc3', toolName: 'c', input: '{}' }] },
			{ role: 'user', content: [{ type: 'text', text: 'third' }] },
		]);
		expect(sent).toEqual([
			{ role: 'user', content: 'first' },
			{ role: 'user', content: 'second' },
			{ role: 'assistant', content: null, tool_calls: [{ id: 'bbbbbbbb2', type: 'function', function: { name: 'b', arguments: '{}' } }] },
			{ role: 'tool', content: 'b done', tool_call_id: 'bbbbbbbb2' },
			{ role: 'user', content: 'third' },
		]);
	});

	it('reads an answer: reasoning apart from the text, tool calls with their ids, usage and finish reason', () => {
		const result = toGenerateResult({
			id: 'r1',
			model: 'magistral-medium-latest',
			usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
			choices: [
				{
					index: 0,
					finish_reason: 'tool_calls',
					message: {
						role: 'assistant',
						content: [
							{ type: 'thinking', thinking: [{ type: 'text', text: 'I should compute.' }] },
							{ type: 'text', text: 'Let me compute.' },
						],
						tool_calls: [{ id: 'abcDEF123', function: { name: 'calculator', arguments: { input: '12*7' } } }],
					},
				},
			],
		});
		expect(result.finishReason).toBe('tool-calls');
		expect(result.usage).toEqual({ promptTokens: 5, completionTokens: 7, totalTokens: 12 });
		expect(result.message.content).toEqual([
			{ type: 'reasoning', text: 'I should compute.' },
			{ type: 'text', text: 'Let me compute.' },
			{ type: 'tool-call', toolCallId: 'abcDEF123', toolName: 'calculator', input: '{"input":"12*7"}' },
		]);
	});
});
