/**
 * Mistral's moderation categories (pure). mistral-moderation-2411 (and the guardrail config
 * moderation_llm_v1) score nine; mistral-moderation-2603 (moderation_llm_v2) splits "dangerous and
 * criminal content" in two and adds jailbreaking. Names as the API spells them.
 */

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
] as const;

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
] as const;

/** Every category either model scores, in the order the editor lists them. */
export const ALL_CATEGORIES: readonly string[] = [...new Set<string>([...V2_CATEGORIES, ...V1_CATEGORIES])];

const LABELS: Record<string, string> = {
	sexual: 'Sexual',
	hate_and_discrimination: 'Hate and Discrimination',
	violence_and_threats: 'Violence and Threats',
	dangerous_and_criminal_content: 'Dangerous and Criminal Content (2411 Only)',
	dangerous: 'Dangerous (2603)',
	criminal: 'Criminal (2603)',
	selfharm: 'Self-Harm',
	health: 'Health',
	financial: 'Financial',
	law: 'Law',
	pii: 'PII (Personal Data)',
	jailbreaking: 'Jailbreaking (2603)',
};

export const categoryLabel = (category: string): string => LABELS[category] ?? category;

/** The editor's choices for a category field, sorted by label. */
export const categoryChoices = (categories: readonly string[] = ALL_CATEGORIES): Array<{ name: string; value: string }> =>
	categories.map((value) => ({ name: categoryLabel(value), value })).sort((a, b) => a.name.localeCompare(b.name));
