/**
 * Deterministic embeddings for the test server.
 *
 * embeddingFor(text, model, dimension):
 *   seed   = SHA-256(model + "\u0000" + text), read as four little-endian uint32 words
 *   stream = sfc32(seed) after 12 warm-up draws; component i = stream_i / 2^32 * 2 - 1 (uniform in [-1, 1))
 *   vector = the first `dimension` components (kept as float64), divided by their Euclidean norm,
 *            each then rounded to float32, so the JSON floats and the base64 float32 bytes decode
 *            to the very same numbers.
 * Because the stream is the same whatever the dimension, `output_dimension: d` is exactly
 * "truncate the full vector to its first d components, then re-normalise".
 *
 * quantize(vector, dtype) (what the server returns for output_dtype != float):
 *   int8    round(v / maxAbs * 127)              in [-127, 127]   (maxAbs = max |v_i| of this vector)
 *   uint8   round((v / maxAbs + 1) * 127.5)      in [0, 255]
 *   ubinary bits (v_i > 0) packed MSB-first into bytes, length ceil(d / 8), values 0..255
 *   binary  ubinary byte - 128                   in [-128, 127]   (the sentence-transformers convention)
 *
 * encoding_format "base64": the little-endian bytes of float32 (float), int8 (int8, binary) or
 * uint8 (uint8, ubinary) values, base64-encoded.
 */
import { createHash } from 'node:crypto';

export type EmbeddingDtype = 'float' | 'int8' | 'uint8' | 'binary' | 'ubinary';

/** sfc32: small, fast, good-quality 32-bit PRNG. Returns uint32 values. */
export function sfc32(a: number, b: number, c: number, d: number): () => number {
	return () => {
		a >>>= 0;
		b >>>= 0;
		c >>>= 0;
		d >>>= 0;
		let t = (a + b) | 0;
		a = b ^ (b >>> 9);
		b = (c + (c << 3)) | 0;
		c = (c << 21) | (c >>> 11);
		d = (d + 1) | 0;
		t = (t + d) | 0;
		c = (c + t) | 0;
		return t >>> 0;
	};
}

/** A PRNG seeded from SHA-256 of a string; returns floats in [0, 1). */
export function seededRandom(seedText: string): () => number {
	const digest = createHash('sha256').update(seedText).digest();
	const next = sfc32(digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12));
	for (let i = 0; i < 12; i++) next();
	return () => next() / 4294967296;
}

/** The float32 embedding (see the file header); the server serialises from this directly. */
export function embeddingF32(text: string, model: string, dimension: number): Float32Array {
	if (!Number.isInteger(dimension) || dimension <= 0) throw new RangeError(`dimension must be a positive integer, got ${dimension}`);
	const digest = createHash('sha256').update(model).update('\u0000').update(text).digest();
	// sfc32, inlined for speed (identical to sfc32() above, 12 warm-up draws).
	let a = digest.readUInt32LE(0);
	let b = digest.readUInt32LE(4);
	let c = digest.readUInt32LE(8);
	let d = digest.readUInt32LE(12);
	const raw = new Float64Array(dimension);
	let sumSquares = 0;
	for (let i = -12; i < dimension; i++) {
		let t = (a + b) | 0;
		a = b ^ (b >>> 9);
		b = (c + (c << 3)) | 0;
		c = (c << 21) | (c >>> 11);
		d = (d + 1) | 0;
		t = (t + d) | 0;
		c = (c + t) | 0;
		if (i < 0) continue;
		const value = ((t >>> 0) / 4294967296) * 2 - 1;
		raw[i] = value;
		sumSquares += value * value;
	}
	const norm = Math.sqrt(sumSquares) || 1;
	const out = new Float32Array(dimension);
	for (let i = 0; i < dimension; i++) out[i] = raw[i] / norm;
	return out;
}

export function embeddingFor(text: string, model: string, dimension: number): number[] {
	return Array.from(embeddingF32(text, model, dimension));
}

export function quantize(vector: ArrayLike<number>, dtype: 'int8' | 'uint8' | 'binary' | 'ubinary'): number[] {
	if (dtype === 'binary' || dtype === 'ubinary') {
		const bytes = new Array<number>(Math.ceil(vector.length / 8)).fill(0);
		for (let i = 0; i < vector.length; i++) {
			if (vector[i] > 0) bytes[i >> 3] |= 0x80 >> (i & 7);
		}
		return dtype === 'binary' ? bytes.map((b) => b - 128) : bytes;
	}
	let maxAbs = 0;
	for (let i = 0; i < vector.length; i++) maxAbs = Math.max(maxAbs, Math.abs(vector[i]));
	const out = new Array<number>(vector.length);
	for (let i = 0; i < vector.length; i++) {
		const unit = maxAbs === 0 ? 0 : vector[i] / maxAbs;
		// `+ 0` turns -0 into 0 (JSON has no -0).
		out[i] = (dtype === 'int8' ? Math.round(unit * 127) : Math.round((unit + 1) * 127.5)) + 0;
	}
	return out;
}

/** The values the server puts in `embedding` for encoding_format "float". */
export function embeddingValues(text: string, model: string, dimension: number, dtype: EmbeddingDtype): number[] {
	const vector = embeddingF32(text, model, dimension);
	return dtype === 'float' ? Array.from(vector) : quantize(vector, dtype);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The JSON text of the `embedding` value the server sends (a number list, or a base64 string). */
export function encodedEmbedding(text: string, model: string, dimension: number, dtype: EmbeddingDtype, base64: boolean): string {
	const vector = embeddingF32(text, model, dimension);
	if (dtype === 'float') {
		if (!base64) return JSON.stringify(Array.from(vector));
		if (LITTLE_ENDIAN) return `"${Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64')}"`;
		return `"${toBase64(Array.from(vector), 'float')}"`;
	}
	const values = quantize(vector, dtype);
	return base64 ? `"${toBase64(values, dtype)}"` : JSON.stringify(values);
}

/** base64 of the little-endian bytes of `values` interpreted as `dtype` (see file header). */
export function toBase64(values: number[], dtype: EmbeddingDtype): string {
	if (dtype === 'float') {
		const buffer = Buffer.allocUnsafe(values.length * 4);
		for (let i = 0; i < values.length; i++) buffer.writeFloatLE(values[i], i * 4);
		return buffer.toString('base64');
	}
	const buffer = Buffer.allocUnsafe(values.length);
	if (dtype === 'int8' || dtype === 'binary') {
		for (let i = 0; i < values.length; i++) buffer.writeInt8(values[i], i);
	} else {
		for (let i = 0; i < values.length; i++) buffer.writeUInt8(values[i], i);
	}
	return buffer.toString('base64');
}

/** Inverse of toBase64 (for tests and clients): decodes a base64 embedding into numbers. */
export function fromBase64(encoded: string, dtype: EmbeddingDtype): number[] {
	const buffer = Buffer.from(encoded, 'base64');
	const out: number[] = [];
	if (dtype === 'float') {
		for (let i = 0; i + 4 <= buffer.length; i += 4) out.push(buffer.readFloatLE(i));
	} else if (dtype === 'int8' || dtype === 'binary') {
		for (let i = 0; i < buffer.length; i++) out.push(buffer.readInt8(i));
	} else {
		for (let i = 0; i < buffer.length; i++) out.push(buffer[i]);
	}
	return out;
}
