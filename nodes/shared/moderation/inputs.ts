/** What each item asks to moderate, checked before any request is sent (pure). */
import { type ChatMessage, normalizeHistory } from '../chat/messages';
import { estimateTokens } from '../packing/tokenEstimate';

export interface ModerationSlot {
	itemIndex: number;
	/** A text (`/v1/moderations`) or a conversation (`/v1/chat/moderations`). */
	text?: string;
	conversation?: ChatMessage[];
	estimatedTokens: number;
}

const describe = (value: unknown) =>
	value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;

/** Checks a text to moderate; throws a sentence naming the field and the fix. */
export function checkText(value: unknown, field: string): string {
	if (value === undefined) {
		throw new Error(`"${field}" is missing: the item has no such field. Map a field the items have, e.g. {{ $json.text }}`);
	}
	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	if (typeof value !== 'string') {
		throw new Error(`"${field}" is ${describe(value)}, not text. Map a text field, e.g. {{ $json.text }}, or convert it with JSON.stringify()`);
	}
	if (value.trim() === '') {
		throw new Error(`"${field}" is empty: there is nothing to moderate. Give each item some text, or filter empty rows out first (e.g. with a Filter node)`);
	}
	return value;
}

export function textSlot(value: unknown, itemIndex: number): ModerationSlot {
	const text = checkText(value, 'Text');
	return { itemIndex, text, estimatedTokens: estimateTokens(text) };
}

function tokensOf(conversation: ChatMessage[]): number {
	let tokens = 0;
	for (const message of conversation) {
		const content = message.content;
		tokens += 4 + estimateTokens(typeof content === 'string' ? content : JSON.stringify(content ?? ''));
	}
	return tokens;
}

/** A conversation from a list of messages on the item. */
export function messagesSlot(value: unknown, itemIndex: number): ModerationSlot {
	if (value === undefined || value === null || value === '') {
		throw new Error('"Messages" is empty. Map a list of {role, content} messages, e.g. {{ $json.messages }}');
	}
	const conversation = normalizeHistory(value, 'Messages');
	if (conversation.length === 0) throw new Error('"Messages" is an empty list. Give at least one message to moderate');
	return { itemIndex, conversation, estimatedTokens: tokensOf(conversation) };
}

/** A conversation from a Chat Trigger: earlier messages (optional), then the user's message. */
export function chatTriggerSlot(chatInput: unknown, history: unknown, itemIndex: number): ModerationSlot {
	const text = checkText(chatInput, 'Chat Message');
	const conversation: ChatMessage[] = [...normalizeHistory(history, 'Earlier Messages'), { role: 'user', content: text }];
	return { itemIndex, conversation, estimatedTokens: tokensOf(conversation) };
}
