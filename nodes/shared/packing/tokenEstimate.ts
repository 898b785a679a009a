/** Mistral's token count of a text, estimated without its tokenizer (pure). */

/**
 * An upper-ish estimate of the tokens an input counts against the embedding limits, modelled on
 * Mistral's own tokenizer (a SentencePiece BPE with byte fallback; measured against it over
 * prose in seven scripts, CSV/TSV, code, logs, tables, base64, hex dumps, CJK and emoji: 1.0-1.3x
 * for most shapes, up to ~1.6x for plain English and code). One pass, no allocation:
 *  - a word (a run of letters) costs 0.4 + 0.25 per letter; a letter outside ASCII (accents,
 *    Cyrillic) weighs more; a word not preceded by a space, an inner capital (camelCase) and a
 *    capital after a capital (random text such as base64) cost extra;
 *  - a digit, a punctuation mark, a newline, a tab or another control character: 1 each;
 *  - a space before a word is free (the word's token carries it); runs of spaces cost 1 per 8,
 *    plus 1 when not followed by a word or a punctuation mark;
 *  - Greek 1.3, other two-byte characters 1, CJK and kana 1.3, Hangul 1.5, emoji and other
 *    characters beyond the BMP 3.5 (common ones are single tokens, rare ones 3-4 bytes);
 *  - 2 per input for the begin and end markers the API counts.
 * The node corrects it with the counts the server reports (see calibration.ts).
 */
export function estimateTokens(text: string): number {
	// In twentieths of a token (integer arithmetic): a word costs 8 + 5 per ASCII letter.
	let units = 40;
	let word = 0;
	// The tokenizer puts a space before the text ("▁", its dummy prefix).
	let spaces = 1;
	let afterSpace = true;
	let lowerBefore = false;
	const length = text.length;
	for (let i = 0; i < length; i++) {
		const code = text.charCodeAt(i);
		const lower = code >= 97 && code <= 122;
		if (lower && spaces === 0) {
			if (word === 0 && !afterSpace) units += 10;
			word += 5;
			lowerBefore = true;
			continue;
		}
		if (code === 32) {
			if (word > 0) units += 8 + word;
			word = 0;
			spaces++;
			continue;
		}
		const upper = code >= 65 && code <= 90;
		const latin = code >= 0xc0 && code < 0x250;
		const cyrillic = code >= 0x400 && code < 0x530;
		if (spaces > 0) {
			units += ((spaces + 6) >> 3) * 20;
			const punctuation = code > 32 && code < 127 && !(code >= 48 && code <= 57);
			if (!upper && !lower && !latin && !cyrillic && !punctuation) units += 20;
			spaces = 0;
			afterSpace = true;
		}
		if (upper || lower || latin || cyrillic) {
			if (word === 0 && !afterSpace) units += 10;
			if (upper && lowerBefore) units += 26;
			else if (upper && word > 0) units += 10;
			word += upper || lower ? 5 : latin ? 10 : 8;
			lowerBefore = !upper;
			afterSpace = false;
			continue;
		}
		if (word > 0) units += 8 + word;
		word = 0;
		afterSpace = false;
		lowerBefore = false;
		if (code < 0x80) units += 20;
		else if (code >= 0x370 && code < 0x400) units += 26;
		else if (code < 0x800) units += 20;
		else if (code >= 0xd800 && code <= 0xdbff) {
			units += 64;
			i++;
		} else if (code >= 0xac00 && code <= 0xd7af) units += 30;
		else units += 25;
	}
	if (word > 0) units += 8 + word;
	if (spaces > 0) units += 20 + ((spaces + 6) >> 3) * 20;
	return Math.ceil(units / 20);
}
