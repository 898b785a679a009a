/**
 * Builds the `messages` array of a chat request and checks it before anything is sent (pure).
 * Problems are returned as sentences that name the field, so the node can say which item and what to fix.
 */

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export type ContentChunk =
	| { type: 'text'; text: string }
	| { type: 'image_url'; image_url: string | { url: string; detail?: string } }
	| { type: 'document_url'; document_url: string; document_name?: string }
	| { type: 'file'; file_id: string };

export interface ChatMessage {
	role: Role;
	content: string | ContentChunk[] | null;
	tool_calls?: unknown[];
	tool_call_id?: string;
	name?: string;
	prefix?: boolean;
}

export class MessageError extends Error {}

const INVALID_JSON = Symbol('invalid JSON');

function parseJsonOr(text: string, fallback: unknown): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return fallback;
	}
}

const ROLES: readonly Role[] = ['system', 'user', 'assistant', 'tool'];

/** The fields Mistral's message schemas allow for each role; anything else would be a 422. */
const ALLOWED_FIELDS: Record<Role, readonly string[]> = {
	system: ['role', 'content'],
	user: ['role', 'content'],
	assistant: ['role', 'content', 'tool_calls', 'prefix'],
	tool: ['role', 'content', 'tool_call_id', 'name'],
};

const describeType = (value: unknown) =>
	value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;

function hasText(content: unknown): boolean {
	if (typeof content === 'string') return content.trim() !== '';
	if (Array.isArray(content)) return content.length > 0;
	return false;
}

/**
 * Checks one message taken from user data (history field or extra messages). Unknown keys that
 * memory stores add (ids, timestamps) are dropped, since Mistral rejects any field it does not name.
 */
export function normalizeMessage(raw: unknown, where: string): ChatMessage {
	if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
		throw new MessageError(`${where} must be an object with "role" and "content", got ${describeType(raw)}`);
	}
	const record = raw as Record<string, unknown>;
	const role = record.role;
	if (typeof role !== 'string' || !ROLES.includes(role as Role)) {
		throw new MessageError(
			`${where} has role ${JSON.stringify(role)}; use one of ${ROLES.map((r) => `"${r}"`).join(', ')}`,
		);
	}
	const message: Record<string, unknown> = {};
	for (const key of ALLOWED_FIELDS[role as Role]) if (record[key] !== undefined) message[key] = record[key];

	const content = message.content;
	const hasToolCalls = Array.isArray(message.tool_calls) && message.tool_calls.length > 0;
	if (content !== undefined && content !== null && typeof content !== 'string' && !Array.isArray(content)) {
		throw new MessageError(`${where} ("${role}") has content that is ${describeType(content)}; it must be text`);
	}
	if (!hasText(content) && !(role === 'assistant' && hasToolCalls)) {
		throw new MessageError(`${where} ("${role}") has empty content`);
	}
	if (role === 'tool' && typeof message.tool_call_id !== 'string') {
		throw new MessageError(`${where} is a "tool" message without "tool_call_id"`);
	}
	if (content === undefined) message.content = null;
	return message as unknown as ChatMessage;
}

export function normalizeHistory(raw: unknown, fieldName: string): ChatMessage[] {
	if (raw === undefined || raw === null || raw === '') return [];
	let value: unknown = raw;
	if (typeof value === 'string') {
		value = parseJsonOr(value, INVALID_JSON);
		if (value === INVALID_JSON) throw new MessageError(`Field "${fieldName}" is text that is not a JSON list of messages`);
	}
	if (!Array.isArray(value)) {
		throw new MessageError(`Field "${fieldName}" must be a list of messages, got ${describeType(value)}`);
	}
	return value.map((entry, index) => normalizeMessage(entry, `Message ${index} of field "${fieldName}"`));
}

export interface ConversationParts {
	systemMessage?: unknown;
	extraMessages: ChatMessage[];
	history: ChatMessage[];
	prompt: unknown;
	images: ContentChunk[];
}

/** System message, then history and extra messages, then the prompt (with its images) as the last user message. */
export function buildConversation(parts: ConversationParts): ChatMessage[] {
	const messages: ChatMessage[] = [];
	const { systemMessage, prompt } = parts;
	if (systemMessage !== undefined && systemMessage !== null && systemMessage !== '') {
		if (typeof systemMessage !== 'string') {
			throw new MessageError(`"System Message" must be text, got ${describeType(systemMessage)}`);
		}
		if (systemMessage.trim() !== '') messages.push({ role: 'system', content: systemMessage });
	}
	messages.push(...parts.history, ...parts.extraMessages);

	const promptGiven = prompt !== undefined && prompt !== null && prompt !== '';
	if (promptGiven && typeof prompt !== 'string') {
		throw new MessageError(
			`"Prompt" must be text, got ${describeType(prompt)}. Map a text field, e.g. {{ $json.prompt }}, or convert it with .toString()/JSON.stringify()`,
		);
	}
	const promptText = typeof prompt === 'string' ? prompt : '';
	if (promptText.trim() !== '' || parts.images.length > 0) {
		const content: string | ContentChunk[] =
			parts.images.length === 0 ? promptText : [...(promptText.trim() ? [{ type: 'text' as const, text: promptText }] : []), ...parts.images];
		messages.push({ role: 'user', content });
	} else if (!messages.some((message) => message.role === 'user')) {
		throw new MessageError(
			'"Prompt" is empty. Enter the text to send, or map a field that holds it, e.g. {{ $json.prompt }}',
		);
	}
	const last = messages[messages.length - 1];
	if (last.role === 'system' || (last.role === 'assistant' && !last.prefix)) {
		throw new MessageError(
			`The conversation ends with a "${last.role}" message; Mistral needs it to end with a "user" or "tool" message. Add a prompt.`,
		);
	}
	return messages;
}
