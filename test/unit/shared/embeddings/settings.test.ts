import {
	batchLimitsFrom,
	embeddingsRequestBody,
	embedSettingsFrom,
	withoutBatchPosition,
} from '../../../../nodes/shared/embeddings/settings';
import { MISTRAL_MAX_TOKENS_PER_REQUEST, OptionValueError } from '../../../../nodes/shared/optionRanges';

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

	it('checks Batch Size and Max Tokens per Request against the option table, whatever an expression gave', () => {
		expect(batchLimitsFrom({})).toEqual({ maxInputs: 128, maxTokens: MISTRAL_MAX_TOKENS_PER_REQUEST });
		expect(batchLimitsFrom({ batchSize: 64, maxTokensPerRequest: 8000 })).toEqual({ maxInputs: 64, maxTokens: 8000 });
		expect(() => batchLimitsFrom({ batchSize: 0 })).toThrow(OptionValueError);
		expect(() => batchLimitsFrom({ maxTokensPerRequest: 1_000_000 })).toThrow(OptionValueError);
	});

	it('replaces the server\'s position in the batch with words the user knows', () => {
		const error = new Error('Input at index 12 has too many tokens');
		expect((withoutBatchPosition(error) as Error).message).toBe('The text has too many tokens');
		expect((withoutBatchPosition(new Error('input at index 3 is empty'), 'the text') as Error).message).toBe('the text is empty');
	});
});
