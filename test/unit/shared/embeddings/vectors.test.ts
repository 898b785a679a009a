import { decodeBase64Vector, vectorsByIndex } from '../../../../nodes/shared/embeddings/vectors';

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
	});
});
