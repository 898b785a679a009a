import { slotOf } from '../../../../nodes/shared/embeddings/inputs';
import { countExactly, packedByTokens } from '../../../../nodes/shared/embeddings/tokenCounts';
import { estimateText } from '../../../../nodes/shared/packing/tokenEstimate';
import { mistralEmbedTokens } from '../../../../nodes/shared/packing/mistralEmbedTokens';
import { textsOfShape } from '../../../fixtures/tokenCorpus';

const limits = { maxInputs: 128, maxTokens: 16_384 };

describe('exact token counts where they decide the packing', () => {
	it('short rows cut by Batch Size are not counted exactly; long ones, or few short ones with a low cap, are', () => {
		const shortRows = Array.from({ length: 1000 }, (_, i) => slotOf(i, `Row ${i}: customer ${i * 7} asked about invoice ${i * 13}, paid by card.`));
		expect(packedByTokens(shortRows, limits)).toBe(false);
		const chunks = textsOfShape('prose-en', 40, 1500, 'chunks').map((text, i) => slotOf(i, text));
		expect(packedByTokens(chunks, limits)).toBe(true);
		expect(packedByTokens(shortRows, { maxInputs: 128, maxTokens: 1000 })).toBe(true);
		expect(packedByTokens([], limits)).toBe(false);
	});

	it("replaces the estimates by mistral-embed's counts, and leaves other models' alone", () => {
		const texts = textsOfShape('logs', 5, 800, 'exact');
		const slots = texts.map((text, i) => slotOf(i, text));
		expect(countExactly(slots, 'codestral-embed')).toBe(false);
		expect(slots.map((slot) => slot.estimatedTokens)).toEqual(texts.map((text) => estimateText(text).tokens));
		expect(countExactly(slots, 'mistral-embed')).toBe(true);
		expect(slots.map((slot) => slot.estimatedTokens)).toEqual(texts.map(mistralEmbedTokens));
	});
});
