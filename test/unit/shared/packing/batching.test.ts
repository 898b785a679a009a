import { halve, packBatches } from '../../../../nodes/shared/packing/batching';

const slot = (itemIndex: number, estimatedTokens: number) => ({ itemIndex, text: `t${itemIndex}`, estimatedTokens });

describe('batching', () => {
	it('packs by count', () => {
		const batches = packBatches(Array.from({ length: 10 }, (_, i) => slot(i, 1)), { maxInputs: 4, maxTokens: 1000 });
		expect(batches.map((b) => b.length)).toEqual([4, 4, 2]);
	});

	it('packs by token budget and sends an oversized input alone', () => {
		const batches = packBatches([slot(0, 60), slot(1, 60), slot(2, 500), slot(3, 10)], { maxInputs: 100, maxTokens: 100 });
		// Input 3 fits beside input 0, so it joins it (vectors are matched to inputs, order is kept).
		expect(batches.map((b) => b.map((s) => s.itemIndex))).toEqual([[0, 3], [1], [2]]);
		const mixed = packBatches([slot(0, 30), slot(1, 30), slot(2, 30), slot(3, 30)], { maxInputs: 100, maxTokens: 100 });
		expect(mixed.map((b) => b.length)).toEqual([3, 1]);
	});

	it('passes over at most a few inputs that do not fit, to fill a batch with later ones', () => {
		const slots = [slot(0, 90), ...Array.from({ length: 20 }, (_, i) => slot(i + 1, 50)), slot(21, 5)];
		const batches = packBatches(slots, { maxInputs: 100, maxTokens: 100 });
		// 8 inputs of 50 are passed over, not 20: input 21 (5 tokens) is too far to join the first batch.
		expect(batches[0].map((s) => s.itemIndex)).toEqual([0]);
		expect(batches.flat().map((s) => s.itemIndex).sort((a, b) => a - b)).toEqual(slots.map((s) => s.itemIndex));
		const filled = packBatches([slot(0, 60), slot(1, 60), slot(2, 30), slot(3, 60), slot(4, 10)], { maxInputs: 100, maxTokens: 100 });
		expect(filled.map((b) => b.map((s) => s.itemIndex))).toEqual([[0, 2, 4], [1], [3]]);
	});

	it('halves a batch', () => {
		expect(halve([1, 2, 3])).toEqual([[1, 2], [3]]);
	});
});
