/** Reads what each item asks to embed and checks it before any request is sent (pure). */

export interface EmbedSlot {
	itemIndex: number;
	/** Position in the item's list when "Text" is a list of strings. */
	elementIndex?: number;
	text: string;
	estimatedTokens: number;
}

export type ItemInput =
	| { kind: 'single'; slot: EmbedSlot }
	| { kind: 'list'; slots: EmbedSlot[] }
	| { kind: 'invalid'; message: string };

/**
 * A deliberately high token estimate, so packed requests stay under Mistral's per-request cap:
 * a third of a token per letter of each word (tokenizers average about four), one per digit
 * (they split numbers digit by digit), one per punctuation mark, and one per byte of non-ASCII
 * text (non-Latin scripts cost about that).
 */
export function estimateTokens(text: string): number {
	let tokens = 0;
	let letters = 0;
	for (let i = 0; i < text.length; i++) {
		const code = text.charCodeAt(i);
		const isLetter = (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
		if (isLetter) {
			letters++;
			continue;
		}
		if (letters > 0) {
			tokens += Math.ceil(letters / 3);
			letters = 0;
		}
		if (code === 32 || (code >= 9 && code <= 13)) continue;
		if (code < 128) tokens++;
		else if (code < 0x800) tokens += 2;
		else if (code >= 0xd800 && code <= 0xdbff) {
			tokens += 4;
			i++;
		} else tokens += 3;
	}
	return tokens + Math.ceil(letters / 3) + 1;
}

const describe = (value: unknown) =>
	value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;

function checkText(value: unknown, where: string): string {
	if (value === undefined) {
		throw new Error(`${where} is missing: the item has no such field. Map a field the items have, e.g. {{ $json.text }}`);
	}
	if (typeof value !== 'string') {
		throw new Error(
			`${where} is ${describe(value)}, not text. Map a text field, e.g. {{ $json.text }}, or convert it with JSON.stringify()`,
		);
	}
	if (value.trim() === '') throw new Error(`${where} is empty. Give each item some text to embed, or filter empty rows out first`);
	return value;
}

export function readItemInput(value: unknown, itemIndex: number): ItemInput {
	try {
		if (Array.isArray(value)) {
			if (value.length === 0) throw new Error('"Text" is an empty list. Give at least one string to embed');
			const slots = value.map((element, elementIndex) => {
				const text = checkText(element, `Element ${elementIndex} of "Text"`);
				return { itemIndex, elementIndex, text, estimatedTokens: estimateTokens(text) };
			});
			return { kind: 'list', slots };
		}
		const text = checkText(value, '"Text"');
		return { kind: 'single', slot: { itemIndex, text, estimatedTokens: estimateTokens(text) } };
	} catch (error) {
		return { kind: 'invalid', message: (error as Error).message };
	}
}
