/** Reads the `data` of an embeddings answer into vectors by input position (pure). */
import { AnswerError } from '../errors';

/** What to do about an answer that holds no usable vectors (shown under the error). */
export const UNUSABLE_ANSWER_FIX =
	'The server at the Base URL does not answer as an embeddings API should: check the Base URL, and that the server speaks the Mistral or OpenAI embeddings API.';

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

/**
 * The bytes a base64 text of this length holds (standard or URL-safe, padded or not), or -1 when no
 * base64 text has this length. Buffer skips any character that is not base64 silently; every
 * skipped character shortens what it decodes, so comparing the two finds them without a scan.
 */
function base64Bytes(encoded: string): number {
	let end = encoded.length;
	if (end > 0 && encoded.charCodeAt(end - 1) === 61 /* = */) end--;
	if (end > 0 && encoded.charCodeAt(end - 1) === 61) end--;
	if (end % 4 === 1 || (end !== encoded.length && encoded.length % 4 !== 0)) return -1;
	return Math.floor((end * 3) / 4);
}

/**
 * Decodes a base64 vector: little-endian float32 for float, one byte per value otherwise. Throws on
 * text that is not base64, on no values, on bytes that are not whole float32 values, and on values
 * that are not finite.
 */
export function decodeBase64Vector(encoded: string, dtype: Dtype): number[] {
	if (encoded.length === 0) throw new AnswerError('an empty text');
	const expected = base64Bytes(encoded);
	if (expected < 0) throw new AnswerError('text that is not base64');
	const maxBytes = Math.ceil((encoded.length * 3) / 4);
	if (scratch.length < maxBytes) {
		scratch = Buffer.alloc((Math.max(maxBytes, scratch.length * 2) + 3) & ~3);
		scratchFloats = new Float32Array(scratch.buffer, scratch.byteOffset, scratch.length >> 2);
	}
	const length = scratch.write(encoded, 'base64');
	if (length !== expected) throw new AnswerError('text that is not base64');
	// Plain loops into exactly sized arrays: Array.from over a typed array is slower and over-allocates.
	if (dtype === 'float') {
		if (length % 4 !== 0) throw new AnswerError(`base64 of ${length} bytes, not a whole number of float32 values`);
		const values = new Array<number>(length >> 2);
		// x - x is 0 for every finite number, NaN for NaN and the infinities.
		let check = 0;
		if (LITTLE_ENDIAN) {
			for (let i = 0; i < values.length; i++) check += (values[i] = scratchFloats[i]) * 0;
		} else {
			for (let i = 0; i < values.length; i++) check += (values[i] = scratch.readFloatLE(i * 4)) * 0;
		}
		if (check !== 0) {
			const at = values.findIndex((value) => !Number.isFinite(value));
			throw new AnswerError(`${String(values[at])} at position ${at}`);
		}
		return values;
	}
	const signed = dtype === 'int8' || dtype === 'binary';
	const values = new Array<number>(length);
	for (let i = 0; i < length; i++) values[i] = signed ? (scratch[i] << 24) >> 24 : scratch[i];
	return values;
}

const unusable = (index: number, problem: string) =>
	new AnswerError(
		`The server's vector for input ${index} is not usable: ${problem}. A vector must be a non-empty list of finite numbers (or base64 of them); none of this request's vectors was used`,
	);

/** What is wrong with a vector (not a non-empty list of finite numbers), or undefined. */
function vectorProblem(value: unknown): string | undefined {
	if (!Array.isArray(value)) return value === null ? 'null' : `a ${typeof value}`;
	if (value.length === 0) return 'an empty list';
	for (let i = 0; i < value.length; i++) {
		const entry: unknown = value[i];
		if (typeof entry !== 'number' || !Number.isFinite(entry)) return `${typeof entry === 'number' ? String(entry) : (JSON.stringify(entry) ?? String(entry))} at position ${i}`;
	}
	return undefined;
}

/**
 * Returns one vector per requested input, matched by `data[].index` (servers need not keep order).
 * Throws when an index is missing, repeated or out of range, a vector is not a non-empty list of
 * finite numbers (or base64 of them), or the vectors differ in length.
 */
export function vectorsByIndex(response: unknown, inputCount: number, dtype: Dtype): number[][] {
	const data = (response as { data?: unknown })?.data;
	if (!Array.isArray(data)) {
		throw new AnswerError('The server answered without a "data" list. Check that the Base URL points at an embeddings API');
	}
	const vectors: Array<number[] | undefined> = new Array(inputCount);
	data.forEach((entry, position) => {
		const record = entry as { index?: unknown; embedding?: unknown };
		const index = typeof record?.index === 'number' ? record.index : data.length === inputCount ? position : -1;
		if (!Number.isInteger(index) || index < 0 || index >= inputCount) {
			throw new AnswerError(`The server answered with data[].index ${String(record?.index)}, outside the ${inputCount} inputs sent`);
		}
		if (vectors[index] !== undefined) throw new AnswerError(`The server answered twice for input ${index}`);
		const embedding = record.embedding;
		if (typeof embedding === 'string') {
			// Decoding checks every value as it goes.
			try {
				vectors[index] = decodeBase64Vector(embedding, dtype);
			} catch (error) {
				throw unusable(index, (error as Error).message);
			}
			return;
		}
		const problem = vectorProblem(embedding);
		if (problem) throw unusable(index, problem);
		vectors[index] = embedding as number[];
	});
	const missing = vectors.findIndex((vector) => vector === undefined);
	if (missing !== -1 || data.length < inputCount) {
		throw new AnswerError(`The server answered with ${data.length} vectors for ${inputCount} inputs (input ${missing} has none)`);
	}
	if (inputCount === 0) return [];
	const length = vectors[0]!.length;
	const odd = vectors.findIndex((vector) => vector!.length !== length);
	if (odd !== -1) {
		throw new AnswerError(
			`The server answered with vectors of different lengths in one request (${length} numbers for input 0, ${vectors[odd]!.length} for input ${odd}); none of them was used`,
		);
	}
	return vectors as number[][];
}
