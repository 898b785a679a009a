/** Small readers for JSON of unknown shape (pure). */

export type JsonObject = Record<string, unknown>;

/** A plain object: not null, not a list. */
export const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** JSON.parse that says whether it worked instead of throwing. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
	try {
		return { ok: true, value: JSON.parse(text) };
	} catch {
		return { ok: false };
	}
}
