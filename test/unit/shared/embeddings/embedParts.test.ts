import { halve, packBatches } from '../../../../nodes/shared/packing/batching';
import { TokenCalibration } from '../../../../nodes/shared/packing/calibration';
import { readItemInput, slotOf } from '../../../../nodes/shared/embeddings/inputs';
import { decodeBase64Vector, vectorsByIndex } from '../../../../nodes/shared/embeddings/vectors';
import { selectModels } from '../../../../nodes/shared/models';
import { countEmbeddingTokens } from '../../../server/tokens';

const slot = (itemIndex: number, estimatedTokens: number) => ({ itemIndex, text: `t${itemIndex}`, estimatedTokens });

describe('embedding inputs', () => {
	it('packs short texts as at least what Mistral\'s tokenizer counts before any report (tokenEstimate.test.ts has the corpus)', () => {
		const calibration = new TokenCalibration(16_384);
		for (const text of ['1234567890', '日本語', 'the quick brown fox', 'x', '😀', '\n\n', 'a\tb']) {
			expect([text, calibration.tokensOf(slotOf(0, text)) >= countEmbeddingTokens(text)]).toEqual([text, true]);
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
		const slots = [slot(0, 90), ...Array.from({ length: 40 }, (_, i) => slot(i + 1, 50)), slot(41, 5)];
		const batches = packBatches(slots, { maxInputs: 100, maxTokens: 100 });
		// 32 inputs of 50 are passed over, not 40: input 41 (5 tokens) is too far to join the first batch.
		expect(batches[0].map((s) => s.itemIndex)).toEqual([0]);
		const near = packBatches([slot(0, 90), ...Array.from({ length: 20 }, (_, i) => slot(i + 1, 50)), slot(21, 5)], { maxInputs: 100, maxTokens: 100 });
		expect(near[0].map((s) => s.itemIndex)).toEqual([0, 21]);
		expect(batches.flat().map((s) => s.itemIndex).sort((a, b) => a - b)).toEqual(slots.map((s) => s.itemIndex));
		const filled = packBatches([slot(0, 60), slot(1, 60), slot(2, 30), slot(3, 60), slot(4, 10)], { maxInputs: 100, maxTokens: 100 });
		expect(filled.map((b) => b.map((s) => s.itemIndex))).toEqual([[0, 2, 4], [1], [3]]);
	});

	it('halves a batch', () => {
		expect(halve([1, 2, 3])).toEqual([[1, 2], [3]]);
	});
});

describe('vectors', () => {
	it('matches vectors by index, not by order', () => {
		const response = { data: [{ index: 1, embedding: [2] }, { index: 0, embedding: [1] }] };
		expect(vectorsByIndex(response, 2, 'float')).toEqual([[1], [2]]);
	});

	it('rejects missing, repeated and out-of-range indices, and a missing data list', () => {
		expect(() => vectorsByIndex({ data: [{ index: 5, embedding: [1] }] }, 1, 'float')).toThrow(/index 5, outside/);
		expect(() => vectorsByIndex({ data: [{ index: 0, embedding: [1] }, { index: 0, embedding: [1] }] }, 2, 'float')).toThrow(/twice/);
		expect(() => vectorsByIndex({ data: [{ index: 0, embedding: [1] }] }, 2, 'float')).toThrow(/1 vectors for 2 inputs/);
		expect(() => vectorsByIndex({ object: 'list' }, 1, 'float')).toThrow(/without a "data" list/);
	});

	it('decodes base64 float32 exactly', () => {
		const floats = new Float32Array([0.1, -0.25, 3.5]);
		const encoded = Buffer.from(floats.buffer).toString('base64');
		expect(decodeBase64Vector(encoded, 'float')).toEqual(Array.from(floats));
		expect(decodeBase64Vector(Buffer.from([255, 1]).toString('base64'), 'int8')).toEqual([-1, 1]);
		expect(decodeBase64Vector(Buffer.from([255, 1]).toString('base64'), 'uint8')).toEqual([255, 1]);
		// Longer than the first scratch buffer (16 KiB), then a short one again: nothing left over.
		const long = Float32Array.from({ length: 6000 }, (_, i) => Math.sin(i));
		expect(decodeBase64Vector(Buffer.from(long.buffer).toString('base64'), 'float')).toEqual(Array.from(long));
		expect(decodeBase64Vector(encoded, 'float')).toEqual(Array.from(floats));
	});
});

describe('model list', () => {
	const mistral = [
		{ id: 'mistral-small-latest', capabilities: { completion_chat: true } },
		{ id: 'mistral-embed', capabilities: { completion_chat: false } },
		{ id: 'codestral-embed', capabilities: { completion_chat: false } },
		{ id: 'mistral-ocr-latest', capabilities: { completion_chat: false } },
	];
	const bare = [{ id: 'llama3' }, { id: 'nomic-embed-text' }];

	it('offers chat models only when the server sends capabilities', () => {
		expect(selectModels(mistral, 'chat').map((m) => m.id)).toEqual(['mistral-small-latest']);
		expect(selectModels(bare, 'chat').map((m) => m.id)).toEqual(['llama3', 'nomic-embed-text']);
	});

	it('offers embedding models only on Mistral, and first elsewhere', () => {
		expect(selectModels(mistral, 'embed').map((m) => m.id)).toEqual(['codestral-embed', 'mistral-embed']);
		expect(selectModels(bare, 'embed').map((m) => m.id)).toEqual(['nomic-embed-text', 'llama3']);
	});

	it('filters by the search text', () => {
		expect(selectModels(mistral, 'embed', 'CODE').map((m) => m.id)).toEqual(['codestral-embed']);
	});
});

describe('missing text', () => {
	it('says the field is missing', () => {
		const input = readItemInput(undefined, 0);
		expect(input.kind === 'invalid' && input.message).toMatch(/"Text" is missing: the item has no such field/);
	});
});
