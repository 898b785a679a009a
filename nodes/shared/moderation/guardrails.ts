/**
 * Guardrails on a chat request (GuardrailConfig in Mistral's spec) and the answer to a request they
 * block (pure).
 *
 * Mistral's docs: a guardrail moderates the request's input before the model sees it; with action
 * "block", a score at or above a category's threshold (or, without a custom threshold, Mistral's own
 * verdict) blocks the request with HTTP 403 and
 * `{"error": {"message": "Content blocked by guardrail", "status": 403}, "guardrails": {"results": {...}}}`,
 * the results giving per-category scores, thresholds and violation flags. `block_on_error` also
 * answers 403 when the moderation itself fails. The reader below accepts the results in any nesting
 * and names whichever categories it finds marked as violated (or scored over their threshold).
 */
import { V1_CATEGORIES, V2_CATEGORIES } from './categories';
import { readThresholds } from './thresholds';

export type GuardrailPolicy = 'moderation_llm_v2' | 'moderation_llm_v1';

export interface GuardrailSettings {
	policy: GuardrailPolicy;
	thresholds: unknown;
	ignoreOtherCategories: boolean;
	action: 'block' | 'none';
	blockOnError: boolean;
}

export const categoriesOfPolicy = (policy: GuardrailPolicy): readonly string[] => (policy === 'moderation_llm_v1' ? V1_CATEGORIES : V2_CATEGORIES);

/** The `guardrails` list of a chat request; throws a sentence naming the option and the fix. */
export function guardrailsBody(settings: GuardrailSettings): Array<Record<string, unknown>> {
	const policy = settings.policy;
	if (policy !== 'moderation_llm_v1' && policy !== 'moderation_llm_v2') {
		throw new Error(`"Guardrails > Policy" is ${JSON.stringify(policy)}; use "moderation_llm_v2" (recommended) or "moderation_llm_v1"`);
	}
	if (settings.action !== 'block' && settings.action !== 'none') {
		throw new Error(`"Guardrails > Action" is ${JSON.stringify(settings.action)}; use "block" or "none"`);
	}
	const thresholds = readThresholds(settings.thresholds, 'Guardrails > Category Thresholds', categoriesOfPolicy(policy));
	if (settings.ignoreOtherCategories && Object.keys(thresholds).length === 0) {
		throw new Error('"Guardrails > Only Listed Categories" is on but no category threshold is set: nothing would be checked. Add a threshold or turn the option off');
	}
	const config: Record<string, unknown> = { action: settings.action, ignore_other_categories: settings.ignoreOtherCategories };
	if (Object.keys(thresholds).length > 0) config.custom_category_thresholds = thresholds;
	return [{ block_on_error: settings.blockOnError, [policy]: config }];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function parsed(body: unknown): unknown {
	if (typeof body !== 'string') return body;
	try {
		return JSON.parse(body);
	} catch {
		return undefined;
	}
}

/** Whether an error answer is a guardrail's block (and not an access problem with the key or model). */
export function isGuardrailBlock(status: number | undefined, body: unknown): boolean {
	if (status !== 403) return false;
	const value = parsed(body);
	if (!isObject(value)) return false;
	if (isObject(value.guardrails)) return true;
	const error = isObject(value.error) ? value.error.message : value.message;
	return typeof error === 'string' && /guardrail/i.test(error);
}

export interface GuardrailBlock {
	/** Categories marked as violated, with their scores when given. */
	categories: Array<{ category: string; score?: number; threshold?: number }>;
	/** Mistral's message, e.g. "Content blocked by guardrail". */
	message: string;
}

const flagKeys = ['violations', 'categories', 'flags', 'violated'];
const scoreKeys = ['scores', 'category_scores'];
const thresholdKeys = ['thresholds', 'category_thresholds', 'custom_category_thresholds'];

function pick(record: Record<string, unknown>, keys: string[]): Record<string, unknown> | undefined {
	for (const key of keys) if (isObject(record[key])) return record[key] as Record<string, unknown>;
	return undefined;
}

/** What a guardrail's 403 says: the categories that blocked the request. */
export function readGuardrailBlock(body: unknown): GuardrailBlock {
	const value = parsed(body);
	const root = isObject(value) ? value : {};
	const error = isObject(root.error) ? root.error : root;
	const message = typeof error.message === 'string' ? error.message : 'Content blocked by guardrail';
	const found = new Map<string, { category: string; score?: number; threshold?: number }>();
	const visit = (node: unknown, depth: number) => {
		if (!isObject(node) || depth > 6) return;
		const flags = pick(node, flagKeys);
		const scores = pick(node, scoreKeys);
		const thresholds = pick(node, thresholdKeys);
		if (flags || scores) {
			const names = new Set([...Object.keys(flags ?? {}), ...Object.keys(scores ?? {})]);
			for (const category of names) {
				const score = typeof scores?.[category] === 'number' ? (scores[category] as number) : undefined;
				const threshold = typeof thresholds?.[category] === 'number' ? (thresholds[category] as number) : undefined;
				const violated = flags ? flags[category] === true : score !== undefined && threshold !== undefined && score >= threshold;
				if (violated && !found.has(category)) found.set(category, { category, score, threshold });
			}
		}
		for (const child of Object.values(node)) visit(child, depth + 1);
	};
	visit(root.guardrails, 0);
	return { categories: [...found.values()], message };
}

/** One sentence for the user: which categories blocked the request, and what to change. */
export function describeGuardrailBlock(body: unknown): { message: string; description: string } {
	const block = readGuardrailBlock(body);
	const named = block.categories.map(({ category, score, threshold }) =>
		score !== undefined ? `${category} (score ${score.toFixed(2)}${threshold !== undefined ? `, threshold ${threshold}` : ''})` : category,
	);
	return {
		message: named.length > 0 ? `Blocked by Mistral's guardrail: ${named.join(', ')}` : `Blocked by Mistral's guardrail (${block.message})`,
		description:
			'Mistral moderated the input before the model saw it and refused it (HTTP 403). The request was not answered. Change the message, or raise the threshold of that category in the "Guardrails" option (or set its action to "none") if this input is acceptable.',
	};
}

const isPolicy = (value: unknown): value is GuardrailPolicy => value === 'moderation_llm_v1' || value === 'moderation_llm_v2';

/**
 * The node's "Guardrails" option as n8n hands it over (`{settings: {policy, onViolation, blockOnError,
 * ignoreOtherCategories, thresholds: {threshold: [{category, threshold}]}}}`), or undefined when the
 * option is not set. Values typed as expressions arrive unchecked: guardrailsBody checks them.
 */
export function guardrailSettingsOf(option: unknown): GuardrailSettings | undefined {
	if (option === undefined || option === null || option === '') return undefined;
	const value = parsed(option);
	if (!isObject(value)) throw new Error('"Guardrails" must be the option\'s settings (policy, action, thresholds)');
	const settings = isObject(value.settings) ? value.settings : value;
	if (Object.keys(settings).length === 0) return undefined;
	const thresholds = isObject(settings.thresholds) ? settings.thresholds.threshold : settings.thresholds;
	const policy = settings.policy ?? 'moderation_llm_v2';
	return {
		policy: (isPolicy(policy) ? policy : String(policy)) as GuardrailPolicy,
		thresholds,
		ignoreOtherCategories: settings.ignoreOtherCategories === true,
		action: (settings.onViolation ?? settings.action ?? 'block') as GuardrailSettings['action'],
		blockOnError: settings.blockOnError === true,
	};
}

/** Whether a failed request's message says a guardrail blocked it (describeGuardrailBlock's wording). */
export const isGuardrailBlockMessage = (message: string | undefined): boolean => /^Blocked by Mistral's guardrail/.test(message ?? '');

/** The `guardrails` field for the node's option, or the sentence saying what is wrong with it. */
export function guardrailsField(option: unknown): { guardrails?: Array<Record<string, unknown>>; problem?: string } {
	try {
		const settings = guardrailSettingsOf(option);
		return settings ? { guardrails: guardrailsBody(settings) } : {};
	} catch (error) {
		return { problem: (error as Error).message };
	}
}
