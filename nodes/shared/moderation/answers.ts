/**
 * Reading a moderation answer (`/v1/moderations`, `/v1/chat/moderations`: ModerationResponse) and
 * deciding, per input, whether it is flagged (pure).
 */
import type { Thresholds } from './thresholds';

export interface ModerationResult {
	/** Mistral's own verdict per category. */
	categories: Record<string, boolean>;
	/** Scores from 0 to 1 per category. */
	scores: Record<string, number>;
}

export interface ModerationDecision {
	flagged: boolean;
	/** The categories that flag the input, in the answer's order. */
	flaggedCategories: string[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The `results` of an answer, one per input in order; throws when the answer does not fit the request. */
export function readModerationResults(response: unknown, expected: number): ModerationResult[] {
	const results = isObject(response) ? response.results : undefined;
	if (!Array.isArray(results)) {
		throw new Error('The server answered without "results". Does the Base URL point at Mistral\'s API, and is the model a moderation model?');
	}
	if (results.length !== expected) {
		throw new Error(`The server returned ${results.length} moderation result(s) for ${expected} input(s); the answers cannot be matched to the items`);
	}
	return results.map((raw, position) => {
		if (!isObject(raw) || !isObject(raw.category_scores)) {
			throw new Error(`Moderation result ${position} has no "category_scores"`);
		}
		const scores: Record<string, number> = {};
		for (const [category, score] of Object.entries(raw.category_scores)) if (typeof score === 'number' && Number.isFinite(score)) scores[category] = score;
		const categories: Record<string, boolean> = {};
		if (isObject(raw.categories)) for (const [category, flag] of Object.entries(raw.categories)) categories[category] = flag === true;
		return { categories, scores };
	});
}

export interface DecisionSettings {
	/** A threshold per category replaces Mistral's own verdict for it. */
	thresholds: Thresholds;
	/** Only the categories with a threshold count; the others never flag. */
	onlyListed: boolean;
}

/**
 * Flags a category when its score reaches the user's threshold, or, without one, when Mistral flags
 * it. Throws when a threshold names a category the model does not score (another model's category).
 */
export function decide(result: ModerationResult, settings: DecisionSettings, model: string): ModerationDecision {
	const scored = new Set([...Object.keys(result.scores), ...Object.keys(result.categories)]);
	const missing = Object.keys(settings.thresholds).filter((category) => !scored.has(category));
	if (missing.length > 0) {
		throw new Error(
			`Model "${model}" does not score ${missing.map((category) => `"${category}"`).join(', ')}; it scores ${[...scored].join(', ')}. Remove that threshold or pick a model that has the category`,
		);
	}
	const flaggedCategories = [...scored].filter((category) => {
		const threshold = settings.thresholds[category];
		if (threshold !== undefined) return (result.scores[category] ?? 0) >= threshold;
		return !settings.onlyListed && result.categories[category] === true;
	});
	return { flagged: flaggedCategories.length > 0, flaggedCategories };
}
