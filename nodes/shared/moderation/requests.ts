/** Request bodies for Mistral's moderation endpoints (pure). */

export const TEXT_MODERATION_PATH = '/moderations';
export const CHAT_MODERATION_PATH = '/chat/moderations';

export interface ModerationMessage {
	role: 'system' | 'user' | 'assistant' | 'tool';
	content: unknown;
	[field: string]: unknown;
}

/** ClassificationRequest: `{model, input}`, one string per text. */
export function textModerationBody(model: string, texts: string[]): Record<string, unknown> {
	return { model, input: texts };
}

/**
 * ChatModerationRequest: `{model, input}`; one conversation is a list of messages, several a list of
 * such lists (one result each).
 */
export function chatModerationBody(model: string, conversations: ModerationMessage[][]): Record<string, unknown> {
	return { model, input: conversations.length === 1 ? conversations[0] : conversations };
}
