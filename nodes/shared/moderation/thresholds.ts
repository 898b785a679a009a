/**
 * Per-category thresholds as the user gives them (an editor list or expressions), checked before any
 * request is sent (pure). A threshold is a number from 0 to 1; a score at or above it flags the category.
 */
import { ALL_CATEGORIES } from './categories';

export type Thresholds = Record<string, number>;

export interface ThresholdEntry {
	category?: unknown;
	threshold?: unknown;
}

const describe = (value: unknown) =>
	value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : JSON.stringify(value);

/**
 * Reads a threshold list; throws a sentence that names the option and the fix. `where` names the
 * option ("Thresholds", "Guardrails > Category Thresholds"); `allowed` the categories it accepts.
 */
export function readThresholds(entries: unknown, where: string, allowed: readonly string[] = ALL_CATEGORIES): Thresholds {
	if (entries === undefined || entries === null || entries === '') return {};
	if (!Array.isArray(entries)) throw new Error(`"${where}" must be a list of category and threshold pairs, got ${describe(entries)}`);
	const thresholds: Thresholds = {};
	entries.forEach((entry: ThresholdEntry, position) => {
		const at = `"${where}" entry ${position + 1}`;
		const category = typeof entry?.category === 'string' ? entry.category.trim() : entry?.category;
		if (typeof category !== 'string' || category === '') {
			throw new Error(`${at} has no category. Pick one of: ${allowed.join(', ')}`);
		}
		if (!allowed.includes(category)) {
			throw new Error(`${at} names the unknown category "${category}". Use one of: ${allowed.join(', ')}`);
		}
		const raw = entry.threshold;
		const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
		if (typeof value !== 'number' || !Number.isFinite(value)) {
			throw new Error(`${at} ("${category}") has the threshold ${describe(raw)}, which is not a number. Give a number from 0 to 1, e.g. 0.5`);
		}
		if (value < 0 || value > 1) {
			throw new Error(`${at} ("${category}") has the threshold ${value}, outside 0 to 1. Scores run from 0 to 1: give e.g. 0.5 (lower flags more)`);
		}
		if (category in thresholds) throw new Error(`${at} repeats the category "${category}". Keep one threshold per category`);
		thresholds[category] = value;
	});
	return thresholds;
}
