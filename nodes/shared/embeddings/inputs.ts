/** Reads what each item asks to embed and checks it before any request is sent (pure). */
import { InputError } from '../errors';
import { estimateText } from '../packing/tokenEstimate';

export interface EmbedSlot {
	itemIndex: number;
	/** Position in the item's list when "Text" is a list of strings. */
	elementIndex?: number;
	text: string;
	/** The tokens Mistral is expected to count for it: estimateText, or the exact count (tokenCounts.ts). */
	estimatedTokens: number;
	/** What the text is mostly made of (estimateText): the calibration learns one ratio per shape. */
	shape?: number;
}

export type ItemInput =
	| { kind: 'single'; slot: EmbedSlot }
	| { kind: 'list'; slots: EmbedSlot[] }
	| { kind: 'invalid'; message: string };

/** A text to embed, with its estimate and shape. */
export function slotOf(itemIndex: number, text: string, elementIndex?: number): EmbedSlot {
	const { tokens, shape } = estimateText(text);
	const slot: EmbedSlot = { itemIndex, text, estimatedTokens: tokens, shape };
	if (elementIndex !== undefined) slot.elementIndex = elementIndex;
	return slot;
}

const describe = (value: unknown) =>
	value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;

function checkText(value: unknown, where: string): string {
	if (value === undefined) {
		throw new InputError(`${where} is missing: the item has no such field. Map a field the items have, e.g. {{ $json.text }}`);
	}
	if (typeof value !== 'string') {
		throw new InputError(
			`${where} is ${describe(value)}, not text. Map a text field, e.g. {{ $json.text }}, or convert it with JSON.stringify()`,
		);
	}
	if (value.trim() === '') throw new InputError(`${where} is empty. Give each item some text to embed, or filter empty rows out first`);
	return value;
}

export function readItemInput(value: unknown, itemIndex: number): ItemInput {
	try {
		if (Array.isArray(value)) {
			if (value.length === 0) throw new InputError('"Text" is an empty list. Give at least one string to embed');
			const slots = value.map((element, elementIndex) => {
				const text = checkText(element, `Element ${elementIndex} of "Text"`);
				return slotOf(itemIndex, text, elementIndex);
			});
			return { kind: 'list', slots };
		}
		const text = checkText(value, '"Text"');
		return { kind: 'single', slot: slotOf(itemIndex, text) };
	} catch (error) {
		return { kind: 'invalid', message: (error as Error).message };
	}
}
