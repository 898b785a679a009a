/** Reads what each item asks to embed and checks it before any request is sent (pure). */
import { estimateTokens } from '../../shared/packing/tokenEstimate';

export { estimateTokens };

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
