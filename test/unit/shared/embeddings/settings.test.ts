import {
	batchLimitsFrom,
	embeddingsRequestBody,
	embedSettingsFrom,
	MISTRAL_MAX_TOKENS_PER_REQUEST,
	withoutBatchPosition,
} from '../../../../nodes/shared/embeddings/settings';

describe('embeddings settings', () => {
	it('sends only the fields the user set, base64 for float vectors unless JSON numbers are asked for', () => {
		expect(embeddingsRequestBody(embedSettingsFrom('mistral-embed', {}), ['a'])).toEqual({ model: 'mistral-embed', input: ['a'], encoding_format: 'base64' });
		expect(embeddingsRequestBody(embedSettingsFrom('mistral-embed', { vectorTransport: 'float' }), ['a'])).toEqual({ model: 'mistral-embed', input: ['a'] });
		expect(embeddingsRequestBody(embedSettingsFrom('codestral-embed', { outputDtype: 'int8', outputDimension: 256 }), ['a', 'b'])).toEqual({
			model: 'codestral-embed',
			input: ['a', 'b'],
			output_dimension: 256,
			output_dtype: 'int8',
		});
	});

	it('bounds Batch Size and Max Tokens per Request, whatever an expression gave', () => {
		expect(batchLimitsFrom({})).toEqual({ maxInputs: 128, maxTokens: MISTRAL_MAX_TOKENS_PER_REQUEST });
		expect(batchLimitsFrom({ batchSize: 0, maxTokensPerRequest: -5 })).toEqual({ maxInputs: 1, maxTokens: 1 });
		expect(batchLimitsFrom({ batchSize: 7.9, maxTokensPerRequest: 1_000_000 })).toEqual({ maxInputs: 7, maxTokens: MISTRAL_MAX_TOKENS_PER_REQUEST });
	});

	it('replaces the server\'s position in the batch with words the user knows', () => {
		const error = new Error('Input at index 12 has too many tokens');
		expect((withoutBatchPosition(error) as Error).message).toBe('The text has too many tokens');
		expect((withoutBatchPosition(new Error('input at index 3 is empty'), 'the text') as Error).message).toBe('the text is empty');
	});
});
