import { buildConversation, normalizeHistory, normalizeMessage } from '../../nodes/MistralChat/actions/messages';
import { buildChatBody } from '../../nodes/MistralChat/actions/requestBody';
import { simplifyResponse } from '../../nodes/MistralChat/actions/response';
import { detectImageType, imageDataUrl } from '../../nodes/MistralChat/actions/images';

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

describe('request body', () => {
	const messages = [{ role: 'user' as const, content: 'hi' }];

	it('sends only model and messages when nothing else is set', () => {
		expect(buildChatBody('mistral-small-latest', messages, {}, { responseFormat: 'text' })).toEqual({ model: 'mistral-small-latest', messages });
	});

	it("maps options to Mistral's field names", () => {
		const body = buildChatBody('m', messages, {
			temperature: 0.2, topP: 0.9, maxTokens: 100, stop: 'END\nSTOP', randomSeed: 7, presencePenalty: 0.5,
			frequencyPenalty: -0.5, n: 2, safePrompt: true, reasoningMode: true, prediction: 'draft',
		}, { responseFormat: 'json_object' });
		expect(body).toEqual({
			model: 'm', messages, temperature: 0.2, top_p: 0.9, max_tokens: 100, stop: ['END', 'STOP'], random_seed: 7,
			presence_penalty: 0.5, frequency_penalty: -0.5, n: 2, safe_prompt: true, prompt_mode: 'reasoning',
			prediction: { type: 'content', content: 'draft' }, response_format: { type: 'json_object' },
		});
	});

	it('builds a JSON-schema response format and rejects broken schema JSON', () => {
		const body = buildChatBody('m', messages, {}, { responseFormat: 'json_schema', schemaName: 'ticket', jsonSchema: '{"type":"object"}', strictSchema: true });
		expect(body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'ticket', schema: { type: 'object' }, strict: true } });
		expect(() => buildChatBody('m', messages, {}, { responseFormat: 'json_schema', jsonSchema: '{"type":' })).toThrow(/"JSON Schema" is not valid JSON/);
	});

	it('rejects out-of-range sampling options naming the option', () => {
		expect(() => buildChatBody('m', messages, { temperature: 2 }, {})).toThrow('"Temperature" is 2; it must be a number from 0 to 1.5');
		expect(() => buildChatBody('m', messages, { topP: 0 }, {})).toThrow('"Top P" is 0; it must be a number above 0 and at most 1');
		expect(() => buildChatBody('m', messages, { n: 1e9 }, {})).toThrow('"Number of Completions" is 1000000000; it must be a whole number from 1 to 16');
		expect(() => buildChatBody('m', messages, { reasoningEffort: 'max' }, {})).toThrow(
			'"Reasoning Effort" is "max"; it must be one of "high", "low", "medium", "minimal", "none"',
		);
	});

	it('accepts tools in Mistral form or as bare functions, and checks tool choice', () => {
		const tools = '[{"name":"lookup","parameters":{"type":"object","properties":{}}}]';
		const body = buildChatBody('m', messages, { tools, toolChoice: 'function', toolChoiceFunction: 'lookup', parallelToolCalls: false }, {});
		expect(body.tools).toEqual([{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }]);
		expect(body.tool_choice).toEqual({ type: 'function', function: { name: 'lookup' } });
		expect(body.parallel_tool_calls).toBe(false);
		expect(() => buildChatBody('m', messages, { tools: '[{"name":"x",' }, {})).toThrow(/"Tools" is not valid JSON/);
		expect(() => buildChatBody('m', messages, { tools: '[{"name":"x","user":1}]' }, {})).toThrow(/unknown field\(s\) user/);
	});
});

describe('response', () => {
	const base = { id: 'x', object: 'chat.completion', model: 'm', usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } };

	it('reads string content, usage and finish reason', () => {
		const [choice] = simplifyResponse({ ...base, choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] }, false);
		expect(choice).toEqual({ content: 'hi', finish_reason: 'stop', model: 'm', usage: base.usage });
	});

	it('separates thinking chunks into reasoning', () => {
		const content = [{ type: 'thinking', thinking: [{ type: 'text', text: 'hmm' }] }, { type: 'text', text: 'answer' }];
		const [choice] = simplifyResponse({ ...base, choices: [{ index: 0, message: { content }, finish_reason: 'stop' }] }, false);
		expect(choice).toMatchObject({ content: 'answer', reasoning: 'hmm' });
	});

	it('parses tool-call arguments given as JSON strings or objects', () => {
		const tool_calls = [
			{ id: 'a', function: { name: 'f', arguments: '{"q":1}' } },
			{ id: 'b', function: { name: 'g', arguments: { q: 2 } } },
		];
		const [choice] = simplifyResponse({ ...base, choices: [{ index: 0, message: { content: '', tool_calls }, finish_reason: 'tool_calls' }] }, false);
		expect(choice.tool_calls).toEqual([
			{ id: 'a', type: 'function', function: { name: 'f', arguments: { q: 1 } } },
			{ id: 'b', type: 'function', function: { name: 'g', arguments: { q: 2 } } },
		]);
	});

	it('parses JSON content in JSON mode, and explains invalid JSON', () => {
		const ok = simplifyResponse({ ...base, choices: [{ index: 0, message: { content: '```json\n{"a":1}\n```' }, finish_reason: 'stop' }] }, true);
		expect(ok[0].content).toEqual({ a: 1 });
		expect(() => simplifyResponse({ ...base, choices: [{ index: 0, message: { content: '{"a":' }, finish_reason: 'length' }] }, true)).toThrow(
			/invalid JSON.*raise "Max Tokens"/,
		);
	});

	it('returns choices in index order and rejects answers without choices', () => {
		const choices = [1, 0].map((index) => ({ index, message: { content: `c${index}` }, finish_reason: 'stop' }));
		expect(simplifyResponse({ ...base, choices }, false).map((c) => c.content)).toEqual(['c0', 'c1']);
		expect(() => simplifyResponse({ ...base }, false)).toThrow(/without any "choices"/);
	});
});

describe('images', () => {
	const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

	it('detects the real type from the bytes', () => {
		expect(detectImageType(png)).toBe('image/png');
		expect(detectImageType(Buffer.from('ffd8ffe0', 'hex'))).toBe('image/jpeg');
		expect(detectImageType(Buffer.from('GIF89a'))).toBe('image/gif');
		expect(detectImageType(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
		expect(detectImageType(Buffer.from('%PDF-1.4'))).toBeUndefined();
	});

	it('makes a data URL and refuses non-images and images over 20 MB', () => {
		expect(imageDataUrl(png, 'Image 1')).toBe(`data:image/png;base64,${png.toString('base64')}`);
		expect(() => imageDataUrl(Buffer.from('%PDF-1.4'), 'Image 1', 'application/pdf')).toThrow(/not a PNG, JPEG, GIF or WEBP/);
		const huge = Buffer.alloc(20 * 1024 * 1024 + 1);
		png.copy(huge);
		expect(() => imageDataUrl(huge, 'Image 1')).toThrow(/20 MB/);
	});
});
