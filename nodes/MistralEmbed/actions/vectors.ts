/** Reads the `data` of an embeddings answer into vectors by input position (pure). */

export class VectorError extends Error {}

export type Dtype = 'float' | 'int8' | 'uint8' | 'binary' | 'ubinary';

/**
 * One scratch buffer for all decoding: decoding is synchronous, and a fresh Buffer per vector
 * (4 KiB for 1024 floats) would leave tens of megabytes for the garbage collector on large runs.
 * Buffer.alloc of this size gets an ArrayBuffer of its own (offset 0), so a Float32Array can view it.
 */
let scratch = Buffer.alloc(16 * 1024);
let scratchFloats = new Float32Array(scratch.buffer, scratch.byteOffset, scratch.length >> 2);
/** Float32Array reads the platform's byte order; base64 vectors are little-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decodes a base64 vector: little-endian float32 for float, one byte per value otherwise. */
export function decodeBase64Vector(encoded: string, dtype: Dtype): number[] {
	const maxBytes = Math.ceil((encoded.length * 3) / 4);
	if (scratch.length < maxBytes) {
		scratch = Buffer.alloc((Math.max(maxBytes, scratch.length * 2) + 3) & ~3);
		scratchFloats = new Float32Array(scratch.buffer, scratch.byteOffset, scratch.length >> 2);
	}
	const length = scratch.write(encoded, 'base64');
	// Plain loops into exactly sized arrays: Array.from over a typed array is slower and over-allocates.
	if (dtype === 'float') {
		if (length % 4 !== 0) throw new VectorError('A base64 vector does not hold whole float32 values');
		const values = new Array<number>(length >> 2);
		if (LITTLE_ENDIAN) {
			for (let i = 0; i < values.length; i++) values[i] = scratchFloats[i];
		} else {
			for (let i = 0; i < values.length; i++) values[i] = scratch.readFloatLE(i * 4);
		}
		return values;
	}
	const signed = dtype === 'int8' || dtype === 'binary';
	const values = new Array<number>(length);
	for (let i = 0; i < length; i++) values[i] = signed ? (scratch[i] << 24) >> 24 : scratch[i];
	return values;
}

function isNumberList(value: unknown): value is number[] {
	if (!Array.isArray(value)) return false;
	for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'number') return false;
	return true;
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
		else if (isNumberList(embedding)) vectors[index] = embedding;
		else throw new VectorError(`The server answered with an embedding for input ${index} that is not a list of numbers`);
	});
	const missing = vectors.findIndex((vector) => vector === undefined);
	if (missing !== -1 || data.length < inputCount) {
		throw new VectorError(`The server answered with ${data.length} vectors for ${inputCount} inputs (input ${missing} has none)`);
	}
	return vectors as number[][];
}
