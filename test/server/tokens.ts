/**
 * The test server's tokenizer: deterministic, cheap (one pass over UTF-16 code units, no
 * allocation) and deliberately pessimistic, so a client that stays under the server's limits also
 * stays under Mistral's (Mistral's tokenizer spends ~1 token per 4-5 bytes of English, more on
 * punctuation, code and non-Latin scripts).
 *
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
