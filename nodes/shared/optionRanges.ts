/**
 * What every option of the four nodes accepts, in one table (pure: no n8n import). The editor's
 * number fields take their bounds from it (`editorBounds`), and the nodes check the values they
 * read with it before the first request: an expression can give any value, and `minValue` /
 * `maxValue` bind only the editor's field.
 */

export interface NumberRule {
	kind: 'number';
	/** The name the editor shows, used in the error. */
	displayName: string;
	min: number;
	max: number;
	/** Whether a fraction is refused (counts, tokens, sizes). */
	integer: boolean;
	/** Whether `min` itself is refused (Top P: above 0). */
	minExclusive?: boolean;
	/** Said after the range in errors and the README ("seconds"). */
	unit?: string;
}

export interface ChoiceRule {
	kind: 'choice';
	displayName: string;
	values: readonly string[];
}

export type OptionRule = NumberRule | ChoiceRule;

const whole = (displayName: string, min: number, max: number, unit?: string): NumberRule => ({ kind: 'number', displayName, min, max, integer: true, unit });
const real = (displayName: string, min: number, max: number, unit?: string): NumberRule => ({ kind: 'number', displayName, min, max, integer: false, unit });
const choice = (displayName: string, values: readonly string[]): ChoiceRule => ({ kind: 'choice', displayName, values });

/** Mistral's cap on the tokens of one embeddings request. */
export const MISTRAL_MAX_TOKENS_PER_REQUEST = 16_384;

export const OPTION_RULES = {
	// Transport (all four nodes)
	maxConcurrency: whole('Max Concurrent Requests', 1, 64),
	maxRetries: whole('Max Retries', 0, 20),
	maxAmbiguousRetries: whole('Max Ambiguous Retries', 0, 20),
	// Under 1 s nothing useful arrives; over an hour a hung server holds the execution for nothing.
	timeout: real('Timeout (Seconds)', 1, 3600, 'seconds'),

	// Mistral Embed and Mistral Embeddings
	batchSize: whole('Batch Size', 1, 2048),
	maxTokensPerRequest: whole('Max Tokens per Request', 100, MISTRAL_MAX_TOKENS_PER_REQUEST),
	outputDimension: whole('Output Dimension', 1, 8192),
	outputDtype: choice('Output Data Type', ['float', 'int8', 'uint8', 'binary', 'ubinary']),
	vectorTransport: choice('Vector Transport', ['base64', 'float']),
	listMode: choice('When Text Is a List', ['vectors', 'items']),

	// Mistral Chat and Mistral Chat Model (the chat-completions spec's ranges)
	temperature: real('Temperature', 0, 1.5),
	topP: { ...real('Top P', 0, 1), minExclusive: true },
	maxTokens: whole('Max Tokens', 1, 262_144),
	randomSeed: whole('Random Seed', 0, 4_294_967_295),
	presencePenalty: real('Presence Penalty', -2, 2),
	frequencyPenalty: real('Frequency Penalty', -2, 2),
	n: whole('Number of Completions', 1, 16),
	reasoningEffort: choice('Reasoning Effort', ['high', 'low', 'medium', 'minimal', 'none']),
	responseFormat: choice('Response Format', ['text', 'json_object', 'json_schema']),
	toolChoice: choice('Tool Choice', ['function', 'any', 'auto', 'none', 'required']),
	// Each entry of Mistral Chat's "Images"
	source: choice('Source', ['binary', 'url']),
	detail: choice('Detail', ['auto', 'low', 'high']),

	// Batch API (Mistral Chat and Mistral Embed)
	processing: choice('Processing', ['realtime', 'batch']),
	batchMode: choice('Batch Mode', ['wait', 'submit', 'collect']),
	// A week: as long as the longest job Mistral runs (Job Timeout).
	maxWaitMinutes: real('Max Wait (Minutes)', 0, 10_080, 'minutes'),
	jobTimeoutHours: whole('Job Timeout (Hours)', 1, 168, 'hours'),
} as const satisfies Record<string, OptionRule>;

export type OptionName = keyof typeof OPTION_RULES;
type NumberOption = { [K in OptionName]: (typeof OPTION_RULES)[K] extends NumberRule ? K : never }[OptionName];
type ChoiceOption = { [K in OptionName]: (typeof OPTION_RULES)[K] extends ChoiceRule ? K : never }[OptionName];

/** A value outside what an option accepts; the message names the option, the value and the range. */
export class OptionValueError extends Error {
	constructor(
		readonly option: OptionName,
		readonly value: unknown,
		message: string,
	) {
		super(message);
		this.name = 'OptionValueError';
	}
}

/** The value as the user would recognise it: "auto" quoted, NaN and 1e9 as numbers. */
export function shownValue(value: unknown): string {
	if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
	if (typeof value === 'number') return Number.isInteger(value) || !Number.isFinite(value) ? String(value) : String(+value.toPrecision(6));
	if (value === null || typeof value === 'boolean') return String(value);
	if (Array.isArray(value)) return 'a list';
	return typeof value === 'object' ? 'an object' : typeof value;
}

const formatNumber = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 6 });

/** What an option accepts, as the README and the errors say it ("a whole number from 1 to 2,048"). */
export function describeRule(rule: OptionRule): string {
	if (rule.kind === 'choice') return `one of ${rule.values.map((value) => `"${value}"`).join(', ')}`;
	const kind = rule.integer ? 'a whole number' : 'a number';
	const from = rule.minExclusive ? `above ${formatNumber(rule.min)} and at most` : `from ${formatNumber(rule.min)} to`;
	return `${kind} ${from} ${formatNumber(rule.max)}${rule.unit ? ` ${rule.unit}` : ''}`;
}

/** Whether the user left the option unset: then the node uses its default. */
const unset = (raw: unknown) => raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');

/**
 * The option's number, or `fallback` when it is unset. A string holding exactly one number (from a
 * CSV field, `{{ $json.size }}`) counts as that number; anything else out of the rule throws.
 */
export function checkedNumber(name: NumberOption, raw: unknown, fallback: number): number;
export function checkedNumber(name: NumberOption, raw: unknown, fallback?: undefined): number | undefined;
export function checkedNumber(name: NumberOption, raw: unknown, fallback?: number): number | undefined {
	if (unset(raw)) return fallback;
	const rule: NumberRule = OPTION_RULES[name];
	const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(raw) ? Number(raw) : NaN;
	const tooLow = rule.minExclusive ? value <= rule.min : value < rule.min;
	if (!Number.isFinite(value) || tooLow || value > rule.max || (rule.integer && !Number.isInteger(value))) {
		throw new OptionValueError(name, raw, `"${rule.displayName}" is ${shownValue(raw)}; it must be ${describeRule(rule)}`);
	}
	return value;
}

/** The option's value, or `fallback` when it is unset; a value the editor does not offer throws. */
export function checkedChoice<T extends string = string>(name: ChoiceOption, raw: unknown, fallback: NoInfer<T>): T {
	if (unset(raw)) return fallback;
	const rule: ChoiceRule = OPTION_RULES[name];
	if (typeof raw !== 'string' || !rule.values.includes(raw)) {
		throw new OptionValueError(name, raw, `"${rule.displayName}" is ${shownValue(raw)}; it must be ${describeRule(rule)}`);
	}
	return raw as T;
}

/** Checks every option of `names` present in `values` (an n8n "Options" collection), in table order. */
export function checkOptions(values: Record<string, unknown>, names: readonly OptionName[]): void {
	for (const name of names) {
		if (!(name in values)) continue;
		const rule: OptionRule = OPTION_RULES[name];
		if (rule.kind === 'number') checkedNumber(name as NumberOption, values[name]);
		else checkedChoice(name as ChoiceOption, values[name], '');
	}
}

/** The editor's bounds for a number option, so the field and the check never disagree. */
export function editorBounds(name: NumberOption): { minValue: number; maxValue: number } {
	const rule: NumberRule = OPTION_RULES[name];
	return { minValue: rule.min, maxValue: rule.max };
}
