/**
 * Removes the credential's secrets (the API key, and the userinfo and query values of the Base URL)
 * from any text or body before it reaches an error, a log line, an output item or run data (pure).
 *
 * Each secret is looked for in every form a server may echo it in: as sent, JSON-escaped (once or
 * twice: a body quoted inside another), and URL-encoded (upper- or lower-case hex, "+" for spaces).
 * How a form must stand to count:
 *  - 8 characters or more: anywhere, even inside a longer word (a key glued to other text);
 *  - a shorter API key: as a whole token (not inside a longer run of letters, digits, "-" or "_");
 *  - a shorter URL secret (a query value such as `json`, a user name): only where it stands as a
 *    value: after "=", ":", "//" or a word such as "key" or "password", up to the end of the token.
 *    Such values are often ordinary words: the word "json" in a message stays.
 */

const LONG_SECRET = 8;
const HIDDEN = '***';

/** Characters that continue a token (a key, a URL value); a whole-token match is not next to one. */
const TOKEN_CHAR = '[A-Za-z0-9_\\-]';
/** After a value: not a character that would continue it. */
const VALUE_END = '(?![A-Za-z0-9_\\-~%+])';

const VALUE_WORDS = ['key', 'apikey', 'api_key', 'api-key', 'token', 'secret', 'password', 'passwd', 'pwd', 'pass', 'user', 'username', 'auth', 'bearer'];

function caseless(word: string): string {
	return [...word].map((char) => (/[a-z]/.test(char) ? `[${char}${char.toUpperCase()}]` : escapeRegExp(char))).join('');
}

/** Where a short URL secret stands as a value: "=", ":", "//", or a word such as "key", then spaces or quotes. */
const VALUE_START = `(?<=(?:^|[=:]|//|(?<![A-Za-z])(?:${VALUE_WORDS.map(caseless).join('|')}))[\\s"'\\\\]*)`;

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The forms a secret may be echoed in. */
export function secretForms(secret: string): string[] {
	const forms = new Set<string>([secret]);
	const jsonOnce = JSON.stringify(secret).slice(1, -1);
	forms.add(jsonOnce);
	forms.add(JSON.stringify(jsonOnce).slice(1, -1));
	const encoded = encodeURIComponent(secret);
	forms.add(encoded);
	forms.add(encoded.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()));
	forms.add(encoded.replace(/%20/g, '+'));
	return [...forms].filter((form) => form !== '');
}

function alternation(forms: Iterable<string>): string {
	// Longest first, so a secret that contains another is replaced whole.
	return [...new Set(forms)]
		.sort((a, b) => b.length - a.length)
		.map(escapeRegExp)
		.join('|');
}

export class Redactor {
	private readonly pattern?: RegExp;

	/** Quick test: a text holding none of these cannot need redaction. */
	private readonly needles: string[];

	constructor(apiKey?: string, urlSecrets: string[] = []) {
		const anywhere = new Set<string>();
		const keyTokens = new Set<string>();
		const urlValues = new Set<string>();
		const add = (secret: string, short: Set<string>) => {
			for (const form of secretForms(secret)) (form.length >= LONG_SECRET ? anywhere : short).add(form);
		};
		if (apiKey) add(apiKey, keyTokens);
		for (const secret of urlSecrets) if (secret) add(secret, urlValues);
		const parts: string[] = [];
		if (anywhere.size > 0) parts.push(`(?:${alternation(anywhere)})`);
		if (keyTokens.size > 0) parts.push(`(?<!${TOKEN_CHAR})(?:${alternation(keyTokens)})(?!${TOKEN_CHAR})`);
		if (urlValues.size > 0) parts.push(`${VALUE_START}(?:${alternation(urlValues)})${VALUE_END}`);
		this.needles = [...anywhere, ...keyTokens, ...urlValues];
		if (parts.length > 0) this.pattern = new RegExp(parts.join('|'), 'g');
	}

	/** True when there is nothing to hide (no key, no URL secrets). */
	get empty(): boolean {
		return this.pattern === undefined;
	}

	text(text: string): string {
		if (!this.pattern || !this.needles.some((needle) => text.includes(needle))) return text;
		return text.replace(this.pattern, HIDDEN);
	}

	/**
	 * A body (JSON value or text) with every secret replaced in its strings and keys; the same object
	 * when it holds none. With the JSON text the body was parsed from: a text without escapes (no
	 * backslash, so its strings are its own substrings) and without any form of a secret cannot hold
	 * one, and a vector answer's millions of numbers need no walk.
	 */
	body(body: unknown, parsedFrom?: string): unknown {
		if (!this.pattern) return body;
		if (parsedFrom !== undefined && !parsedFrom.includes('\\') && !this.needles.some((needle) => parsedFrom.includes(needle))) return body;
		if (typeof body === 'string') return this.text(body);
		if (Buffer.isBuffer(body)) {
			const text = body.toString('utf8');
			const clean = this.text(text);
			return clean === text ? body : Buffer.from(clean, 'utf8');
		}
		return this.walk(body, 0);
	}

	private walk(value: unknown, depth: number): unknown {
		if (typeof value === 'string') return this.text(value);
		if (typeof value !== 'object' || value === null || depth > 64) return value;
		if (Array.isArray(value)) {
			let copy: unknown[] | undefined;
			for (let i = 0; i < value.length; i++) {
				const entry: unknown = value[i];
				// Vectors are long lists of numbers: nothing to look at.
				if (typeof entry === 'number' || typeof entry === 'boolean' || entry === null) continue;
				const clean = this.walk(entry, depth + 1);
				if (clean !== entry) (copy ??= value.slice())[i] = clean;
			}
			return copy ?? value;
		}
		let copy: Record<string, unknown> | undefined;
		for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
			const cleanKey = this.text(key);
			const clean = this.walk(entry, depth + 1);
			if (clean === entry && cleanKey === key) continue;
			copy ??= { ...(value as Record<string, unknown>) };
			if (cleanKey !== key) delete copy[key];
			copy[cleanKey] = clean;
		}
		return copy ?? value;
	}
}
