import { buildConversation, normalizeHistory, normalizeMessage } from '../../../../nodes/shared/chat/messages';

const conversation = (prompt: unknown, extra: Partial<Parameters<typeof buildConversation>[0]> = {}) =>
	buildConversation({ prompt, extraMessages: [], history: [], images: [], ...extra });

describe('messages', () => {
	it('orders system, history, extra messages, then the prompt', () => {
		const messages = conversation('now', {
			systemMessage: 'be brief',
			history: [{ role: 'user', content: 'earlier' }, { role: 'assistant', content: 'reply' }],
			extraMessages: [{ role: 'user', content: 'example' }],
		});
		expect(messages.map((m) => `${m.role}:${m.content}`)).toEqual(['system:be brief', 'user:earlier', 'assistant:reply', 'user:example', 'user:now']);
	});

	it.each([
		['', /"Prompt" is empty/],
		['   ', /"Prompt" is empty/],
		[null, /"Prompt" is empty/],
		[42, /"Prompt" must be text, got a number/],
		[{ a: 1 }, /"Prompt" must be text, got an object/],
	])('rejects the prompt %p', (prompt, message) => {
		expect(() => conversation(prompt)).toThrow(message);
	});

	it('rejects unknown roles and empty content in history, and drops fields Mistral would refuse', () => {
		expect(() => normalizeHistory([{ role: 'bot', content: 'x' }], 'messages')).toThrow(/role "bot"/);
		expect(() => normalizeHistory([{ role: 'user', content: '' }], 'messages')).toThrow(/empty content/);
		expect(() => normalizeHistory('{not json', 'messages')).toThrow(/not a JSON list/);
		expect(normalizeMessage({ role: 'user', content: 'hi', id: 7, timestamp: 'x' }, 'm')).toEqual({ role: 'user', content: 'hi' });
	});

	it('puts images after the prompt text as chunks', () => {
		const [message] = conversation('what is this?', { images: [{ type: 'image_url', image_url: 'data:image/png;base64,AAAA' }] });
		expect(message.content).toEqual([
			{ type: 'text', text: 'what is this?' },
			{ type: 'image_url', image_url: 'data:image/png;base64,AAAA' },
		]);
	});
});
