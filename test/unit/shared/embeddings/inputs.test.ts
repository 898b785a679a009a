import { readItemInput } from '../../../../nodes/shared/embeddings/inputs';
import { estimateTokens } from '../../../../nodes/shared/packing/tokenEstimate';
import { countEmbeddingTokens } from '../../../server/tokens';

describe('embedding inputs', () => {
	it('estimates at least what Mistral\'s tokenizer counts for short texts (tokenEstimate.test.ts has the corpus)', () => {
		for (const text of ['1234567890', '日本語', 'the quick brown fox', 'x', '😀', '\n\n', 'a\tb']) {
			expect([text, estimateTokens(text) >= countEmbeddingTokens(text)]).toEqual([text, true]);
		}
	});

	it.each([
		['', /is empty/],
		['  ', /is empty/],
		[null, /is null, not text/],
		[7, /is a number, not text/],
		[{ a: 1 }, /is an object, not text/],
		[[], /empty list/],
		[['ok', ''], /Element 1 of "Text" is empty/],
	])('rejects %p with a message that says what to fix', (value, message) => {
		const input = readItemInput(value, 3);
		expect(input.kind).toBe('invalid');
		expect((input as { message: string }).message).toMatch(message);
	});

	it('reads a list of strings as one slot per string', () => {
		const input = readItemInput(['a', 'b'], 2);
		expect(input.kind === 'list' && input.slots.map((s) => [s.itemIndex, s.elementIndex, s.text])).toEqual([[2, 0, 'a'], [2, 1, 'b']]);
	});
});

describe('missing text', () => {
	it('says the field is missing', () => {
		const input = readItemInput(undefined, 0);
		expect(input.kind === 'invalid' && input.message).toMatch(/"Text" is missing: the item has no such field/);
	});
});
