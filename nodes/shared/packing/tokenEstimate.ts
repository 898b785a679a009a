/** Mistral's token count of a text, estimated without its tokenizer, and the text's shape (pure). */

/**
 * The tokens an input is expected to count against the embedding limits, and its shape, in one pass
 * without allocation. A linear model over what Mistral's tokenizer (a SentencePiece BPE with split
 * digits and byte fallback) does per character class, its weights fitted against the tokenizer on
 * prose in eight languages, CSV/TSV, code, logs, JSON, markdown, base64, hex dumps, URLs, CJK, emoji
 * and real READMEs, licences, source and JSON files, short and long: per shape the real count is
 * within 0.93-1.08x of it (test/unit/tokenEstimate.test.ts), where the old word-length rule ranged
 * 0.63-0.98x. The rules that are exact in the tokenizer are kept exact:
 *  - a word (a run of ASCII or accented Latin letters) is at least one token; a word of 6 letters
 *    or more costs a little more, of 13 or more more again, and every letter past 16 a third of a
 *    token (rare long words and random strings split into short pieces); a word not after a space,
 *    a capital starting a word, a capital after a small letter (camelCase) and an accented letter
 *    cost extra;
 *  - every digit is one token (digits are split), a run of digits a little more;
 *  - newlines, tabs and other control characters are one token each (byte fallback);
 *  - an ASCII punctuation mark about half a token, less right after another (common pairs merge);
 *  - a space before a word is free, before anything else about a quarter, a run of spaces one
 *    token (plus one per 16 spaces past 16);
 *  - Cyrillic letters 0.39, Greek 1.15, Arabic 1, other two-byte letters 1.5, CJK 0.87, kana 0.95,
 *    Hangul 1.41, other BMP symbols 2.4, emoji and other characters beyond the BMP 2.9;
 *  - 2.2 per input: the begin and end markers the API counts, and the dummy-prefix space.
 * The calibration (calibration.ts) holds the budget against the counts the server reports, per shape.
 */
export function estimateText(text: string): { tokens: number; shape: number } {
	// What the estimate is made of, by group (the shape): words, digits, punctuation, whitespace,
	// alphabets other than Latin, CJK and Hangul, symbols and emoji.
	let words = 0;
	let numbers = 0;
	let punctuation = 0;
	let whitespace = 0;
	let alphabets = 0;
	let ideographs = 0;
	let symbols = 0;
	let word = 0;
	// The tokenizer puts a space before the text (its dummy prefix).
	let spaces = 1;
	// What the previous character was: 0 space or line break, 1 small letter, 2 capital, 3 digit, 4 punctuation, 5 other.
	let previous = 0;
	const length = text.length;
	for (let i = 0; i < length; i++) {
		const code = text.charCodeAt(i);
		if (code === 32) {
			if (word > 0) {
				words += wordCost(word);
				word = 0;
			}
			spaces++;
			previous = 0;
			continue;
		}
		const afterSpace = spaces > 0;
		if (spaces > 1) whitespace += 1.04 + (spaces > 17 ? (spaces - 17) >> 4 : 0);
		spaces = 0;
		const small = code >= 97 && code <= 122;
		const capital = code >= 65 && code <= 90;
		const accented = code >= 0xc0 && code < 0x250 && code !== 0xd7 && code !== 0xf7;
		if (small || capital || accented) {
			if (word === 0) {
				if (!afterSpace) words += 0.46;
				if (capital) words += 0.36;
			} else if (capital && previous === 1) words += 1.48;
			if (accented) words += 2.44;
			word++;
			previous = capital ? 2 : 1;
			continue;
		}
		if (word > 0) {
			words += wordCost(word);
			word = 0;
		}
		if (afterSpace && code !== 10 && code !== 9) whitespace += 0.28;
		if (code >= 48 && code <= 57) {
			numbers += previous === 3 ? 1 : 1.43;
			previous = 3;
		} else if (code === 10 || code === 13 || code === 9) {
			whitespace += 1;
			previous = 0;
		} else if (code < 32 || code === 127) {
			symbols += 1;
			previous = 5;
		} else if (code < 128) {
			punctuation += previous === 4 ? 0.16 : 0.51;
			previous = 4;
		} else {
			previous = 5;
			if (code >= 0x400 && code < 0x530) alphabets += 0.39;
			else if (code >= 0x370 && code < 0x400) alphabets += 1.15;
			else if (code >= 0x600 && code < 0x700) alphabets += 1;
			else if (code < 0x800) alphabets += 1.5;
			else if (code >= 0x3040 && code < 0x3100) ideographs += 0.95;
			else if ((code >= 0x4e00 && code < 0xa000) || (code >= 0x3400 && code < 0x4dc0)) ideographs += 0.87;
			else if (code >= 0xac00 && code < 0xd7b0) ideographs += 1.41;
			else if (code >= 0xd800 && code < 0xdc00) {
				symbols += 2.87;
				i++;
			} else symbols += 2.38;
		}
	}
	if (word > 0) words += wordCost(word);
	if (spaces > 1) whitespace += 1.04 + (spaces > 17 ? (spaces - 17) >> 4 : 0);
	if (spaces > 0) whitespace += 0.28;
	const tokens = Math.ceil(2.2 + words + numbers + punctuation + whitespace + alphabets + ideographs + symbols);
	// Characters per token, in steps of 15%: CSV (1.5) and TSV (1.2), code (2.4) and stack traces (2.2) differ.
	const density = Math.min(15, Math.max(0, Math.floor(Math.log((length + 1) / tokens) / Math.log(1.15)) + 5));
	return { tokens, shape: shapeOf(words, numbers, punctuation, whitespace, alphabets, ideographs, symbols) * 16 + density };
}

/** A word of `letters` letters (after the space it carries). */
const wordCost = (letters: number) => 1 + (letters >= 6 ? 0.44 : 0) + (letters >= 13 ? 0.95 : 0) + (letters > 16 ? (letters - 16) * 0.35 : 0);

/**
 * The groups that weigh most in the estimate, in order, each while it weighs at least 12% (up to
 * three): rows of one table column share it, rows of different kinds mostly do not (CSV rows,
 * digits with punctuation and words, apart from TSV rows, digits with tabs). estimateText adds how
 * many characters a token holds.
 */
function shapeOf(...groups: number[]): number {
	let total = 0;
	for (const weight of groups) total += weight;
	let shape = 0;
	let taken = 0;
	for (let rank = 0; rank < 3; rank++) {
		let best = -1;
		for (let g = 0; g < groups.length; g++) if (!(taken & (1 << g)) && (best === -1 || groups[g] > groups[best])) best = g;
		if (groups[best] < 0.12 * total) break;
		taken |= 1 << best;
		shape = shape * 8 + best + 1;
	}
	return shape;
}

/** The tokens Mistral is expected to count for `text` (estimateText). */
export function estimateTokens(text: string): number {
	return estimateText(text).tokens;
}
