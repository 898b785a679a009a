import { buildChatBody } from '../../../../nodes/shared/chat/requestBody';

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
