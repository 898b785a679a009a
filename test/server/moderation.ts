/**
 * Moderation for the test server, from Mistral's spec: POST /v1/moderations (ClassificationRequest
 * -> ModerationResponse), POST /v1/chat/moderations (ChatModerationRequest -> ModerationResponse),
 * and the `guardrails` of a chat completion.
 *
 * Scores are derived from the text, deterministically, so a result given to the wrong item shows:
 *  - each category has a small lexicon; every word of the text that starts with one of its entries
 *    is a hit: 0 hits score a small value derived from a hash of the whole input (below 0.01), 1 hit
 *    0.6 + that value, 2 or more 0.9 + that value;
 *  - Mistral's own verdict (`categories`) flags a category at 0.5 or more;
 *  - mistral-moderation-2411 (and -latest, its alias, as Mistral's docs say) scores the nine v1
 *    categories; mistral-moderation-2603 the eleven v2 ones;
 *  - a conversation is classified by its last message, in the context of the others (the small
 *    value hashes the whole conversation).
 * Limits: an input longer than the model's context (8,192 tokens for 2411) is a 400; Mistral
 * documents no cap on the number of inputs.
 *
 * Guardrails (chat): every config with a moderation_llm_v1/v2 scores the conversation's last
 * message with that version's categories. A category whose score reaches its threshold
 * (custom_category_thresholds, else Mistral's 0.5 unless ignore_other_categories) violates it;
 * with action "block" the request is refused as Mistral documents: HTTP 403,
 * {"error": {"message": "Content blocked by guardrail", "status": 403}, "guardrails": {"results":
 * {"moderation_llm_v2": {"scores": {...}, "thresholds": {...}, "violations": {...}}}}}.
 */
import { createHash, randomUUID } from 'node:crypto';

import { countTokens } from './tokens';
import { ChatModerationRequest, ClassificationRequest, validateBody } from './validation';
import type { DetailEntry } from './validation';

export const V1_CATEGORIES = [
	'sexual',
	'hate_and_discrimination',
	'violence_and_threats',
	'dangerous_and_criminal_content',
	'selfharm',
	'health',
	'financial',
	'law',
	'pii',
];
export const V2_CATEGORIES = [
	'sexual',
	'hate_and_discrimination',
	'violence_and_threats',
	'dangerous',
	'criminal',
	'selfharm',
	'health',
	'financial',
	'law',
	'pii',
	'jailbreaking',
];

const DANGEROUS = ['explosive', 'poison', 'weapon'];
const CRIMINAL = ['steal', 'fraud', 'launder'];
/** Word prefixes that raise a category's score. */
export const LEXICON: Record<string, string[]> = {
	sexual: ['nude', 'porn', 'erotic'],
	hate_and_discrimination: ['hate', 'slur', 'inferior'],
	violence_and_threats: ['kill', 'stab', 'threaten'],
	dangerous_and_criminal_content: [...DANGEROUS, ...CRIMINAL],
	dangerous: DANGEROUS,
	criminal: CRIMINAL,
	selfharm: ['suicide', 'selfharm', 'overdose'],
	health: ['diagnos', 'medication', 'symptom'],
	financial: ['invest', 'stocks', 'loan'],
	law: ['lawsuit', 'lawyer', 'sue'],
	pii: ['ssn', 'passport', 'iban'],
	jailbreaking: ['jailbreak', 'unfiltered'],
};

export const FLAG_AT = 0.5;

export function categoriesOfModel(model: string): string[] {
	return model.includes('2603') ? V2_CATEGORIES : V1_CATEGORIES;
}

function smallValue(context: string, category: string): number {
	const digest = createHash('sha256').update(category).update('\u0000').update(context).digest();
	return (digest.readUInt32BE(0) / 0xffffffff) * 0.0099;
}

/** Category scores of `text`, with `context` (the whole input) in the small value. */
export function scoreText(text: string, categories: readonly string[], context = text): Record<string, number> {
	const words = text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
	const scores: Record<string, number> = {};
	for (const category of categories) {
		const entries = LEXICON[category] ?? [];
		const hits = words.filter((word) => entries.some((entry) => word.startsWith(entry))).length;
		scores[category] = (hits === 0 ? 0 : hits === 1 ? 0.6 : 0.9) + smallValue(context, category);
	}
	return scores;
}

export function moderationObject(scores: Record<string, number>): { categories: Record<string, boolean>; category_scores: Record<string, number> } {
	const categories: Record<string, boolean> = {};
	for (const [category, score] of Object.entries(scores)) categories[category] = score >= FLAG_AT;
	return { categories, category_scores: scores };
}

export function moderationId(): string {
	return randomUUID().replace(/-/g, '');
}

/** The text of a message's content: a string, or the text of its chunks. */
export function contentText(content: unknown): string {
	if (typeof content === 'string') return content;
	if (!Array.isArray(content)) return '';
	return content
		.map((chunk) => (chunk && typeof chunk === 'object' && typeof (chunk as { text?: unknown }).text === 'string' ? (chunk as { text: string }).text : ''))
		.join(' ');
}

/** A conversation's scores: its last message, with the whole conversation as context. */
export function scoreConversation(messages: Array<Record<string, unknown>>, categories: readonly string[]): Record<string, number> {
	const last = messages[messages.length - 1];
	const context = messages.map((message) => `${String(message.role)}: ${contentText(message.content)}`).join('\n');
	return scoreText(contentText(last?.content), categories, context);
}

/** Tokens of an input, for the context-window check (the test server's chat count). */
export const inputTokens = (text: string) => countTokens(text);

export interface GuardrailVerdict {
	blocked: boolean;
	body?: unknown;
}

/** Applies a chat request's guardrails to its messages. */
export function applyGuardrails(guardrails: unknown, messages: Array<Record<string, unknown>>): GuardrailVerdict {
	if (!Array.isArray(guardrails)) return { blocked: false };
	const results: Record<string, unknown> = {};
	let blocked = false;
	for (const config of guardrails) {
		if (!config || typeof config !== 'object') continue;
		for (const [policy, categories] of [
			['moderation_llm_v1', V1_CATEGORIES],
			['moderation_llm_v2', V2_CATEGORIES],
		] as const) {
			const settings = (config as Record<string, unknown>)[policy] as Record<string, unknown> | null | undefined;
			if (!settings || typeof settings !== 'object') continue;
			const custom = (settings.custom_category_thresholds ?? {}) as Record<string, number | null>;
			const onlyCustom = settings.ignore_other_categories === true;
			const scores = scoreConversation(messages, categories);
			const thresholds: Record<string, number> = {};
			const violations: Record<string, boolean> = {};
			for (const category of categories) {
				const threshold = typeof custom[category] === 'number' ? (custom[category] as number) : onlyCustom ? undefined : FLAG_AT;
				if (threshold === undefined) continue;
				thresholds[category] = threshold;
				violations[category] = scores[category] >= threshold;
			}
			results[policy] = { scores, thresholds, violations };
			if ((settings.action ?? 'none') === 'block' && Object.values(violations).some(Boolean)) blocked = true;
		}
	}
	if (!blocked) return { blocked: false };
	return { blocked: true, body: { error: { message: 'Content blocked by guardrail', status: 403 }, guardrails: { results } } };
}

// ----- the two endpoints ---------------------------------------------------------------------------

export interface ModerationAnswer {
	status: number;
	json: unknown;
	inputCount?: number;
}

export interface ModerationDeps {
	/** The model's card: undefined if unknown; `moderation` tells a moderation model. */
	findModel: (id: string) => { id: string; capabilities?: { moderation?: boolean } | null; max_context_length?: number } | undefined;
	unknownModel: (id: string) => ModerationAnswer;
	unprocessable: (detail: DetailEntry[]) => ModerationAnswer;
	badRequest: (message: string, type?: string, code?: string | null) => ModerationAnswer;
}

function checkModel(model: string, deps: ModerationDeps): ModerationAnswer | undefined {
	const card = deps.findModel(model);
	if (!card) return deps.unknownModel(model);
	const isModeration = card.capabilities ? card.capabilities.moderation === true : /moderation/.test(card.id);
	if (!isModeration) return deps.badRequest(`Invalid model: ${model}`, 'invalid_model', '1500');
	return undefined;
}

/** POST /v1/moderations. */
export function moderateTexts(body: any, deps: ModerationDeps): ModerationAnswer {
	const errors = validateBody(body, ClassificationRequest);
	if (errors.length > 0) return deps.unprocessable(errors);
	const unknown = checkModel(body.model, deps);
	if (unknown) return unknown;
	const texts: string[] = typeof body.input === 'string' ? [body.input] : body.input;
	const context = deps.findModel(body.model)?.max_context_length ?? 8192;
	for (const [index, text] of texts.entries()) {
		const tokens = inputTokens(text);
		if (tokens > context) return deps.badRequest(`Input at index ${index} has ${tokens} tokens, more than the model's ${context}`);
	}
	const categories = categoriesOfModel(body.model);
	return {
		status: 200,
		json: { id: moderationId(), model: body.model, results: texts.map((text) => moderationObject(scoreText(text, categories))) },
		inputCount: texts.length,
	};
}

/** POST /v1/chat/moderations. */
export function moderateChats(body: any, deps: ModerationDeps): ModerationAnswer {
	const errors = validateBody(body, ChatModerationRequest);
	if (errors.length > 0) return deps.unprocessable(errors);
	const unknown = checkModel(body.model, deps);
	if (unknown) return unknown;
	const input: unknown[] = body.input;
	const conversations = (Array.isArray(input[0]) ? input : [input]) as Array<Array<Record<string, unknown>>>;
	const context = deps.findModel(body.model)?.max_context_length ?? 8192;
	for (const [index, conversation] of conversations.entries()) {
		const tokens = conversation.reduce((sum, message) => sum + 4 + inputTokens(contentText(message.content)), 0);
		if (tokens > context) return deps.badRequest(`Conversation at index ${index} has ${tokens} tokens, more than the model's ${context}`);
	}
	const categories = categoriesOfModel(body.model);
	return {
		status: 200,
		json: { id: moderationId(), model: body.model, results: conversations.map((conversation) => moderationObject(scoreConversation(conversation, categories))) },
		inputCount: conversations.length,
	};
}
