/** Reads the `data` of an embeddings answer into vectors by input position (pure). */

export class VectorError extends Error {}

export type Dtype = 'float' | 'int8' | 'uint8' | 'binary' | 'ubinary';

/** Decodes a base64 vector: little-endian float32 for float, one byte per value otherwise. */
export function decodeBase64Vector(encoded: string, dtype: Dtype): number[] {
	const bytes = Buffer.from(encoded, 'base64');
	if (dtype === 'float') {
		if (bytes.length % 4 !== 0) throw new VectorError('A base64 vector does not hold whole float32 values');
		const floats = new Float32Array(bytes.length / 4);
		for (let i = 0; i < floats.length; i++) floats[i] = bytes.readFloatLE(i * 4);
		return Array.from(floats);
	}
	const view = dtype === 'int8' || dtype === 'binary' ? new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length) : bytes;
	return Array.from(view);
}

/**
 * Returns one vector per requested input, matched by `data[].index` (servers need not keep order).
 * Throws when an index is missing, repeated or out of range, or a vector is not numbers.
 */
export function vectorsByIndex(response: unknown, inputCount: number, dtype: Dtype): number[][] {
	const data = (response as { data?: unknown })?.data;
	if (!Array.isArray(data)) {
		throw new VectorError('The server answered without a "data" list. Check that the Base URL points at an embeddings API');
	}
	const vectors: Array<number[] | undefined> = new Array(inputCount);
	data.forEach((entry, position) => {
		const record = entry as { index?: unknown; embedding?: unknown };
		const index = typeof record?.index === 'number' ? record.index : data.length === inputCount ? position : -1;
		if (!Number.isInteger(index) || index < 0 || index >= inputCount) {
			throw new VectorError(`The server answered with data[].index ${String(record?.index)}, outside the ${inputCount} inputs sent`);
		}
		if (vectors[index] !== undefined) throw new VectorError(`The server answered twice for input ${index}`);
		const embedding = record.embedding;
		if (typeof embedding === 'string') vectors[index] = decodeBase64Vector(embedding, dtype);
		else if (Array.isArray(embedding) && embedding.every((value) => typeof value === 'number')) vectors[index] = embedding as number[];
		else throw new VectorError(`The server answered with an embedding for input ${index} that is not a list of numbers`);
	});
	const missing = vectors.findIndex((vector) => vector === undefined);
	if (missing !== -1 || data.length < inputCount) {
		throw new VectorError(`The server answered with ${data.length} vectors for ${inputCount} inputs (input ${missing} has none)`);
	}
	return vectors as number[][];
}
