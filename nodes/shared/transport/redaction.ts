/**
 * Removes the credential's secrets (the API key, and the userinfo and query values of the Base URL)
 * from any text or body before it reaches an error, a log line or an output item (pure).
 */

/** Keys shorter than this are not real keys; replacing them everywhere would mangle messages. */
const MIN_KEY_LENGTH = 8;
/** A password or query value in the Base URL is short more often (e.g. "hunter2"). */
const MIN_URL_SECRET_LENGTH = 4;

export class Redactor {
	private readonly secrets: string[];

	constructor(apiKey?: string, urlSecrets: string[] = []) {
		const all = [
			...(apiKey && apiKey.length >= MIN_KEY_LENGTH ? [apiKey] : []),
			...urlSecrets.filter((secret) => secret.length >= MIN_URL_SECRET_LENGTH),
		];
		// Longest first, so a secret that contains another is replaced whole.
		this.secrets = [...new Set(all)].sort((a, b) => b.length - a.length);
	}

	text(text: string): string {
		let clean = text;
		for (const secret of this.secrets) if (clean.includes(secret)) clean = clean.split(secret).join('***');
		return clean;
	}

	/** A response body with every secret replaced; the same object when it holds none. */
	body(body: unknown): unknown {
		if (this.secrets.length === 0) return body;
		if (typeof body === 'string') return this.text(body);
		if (typeof body !== 'object' || body === null) return body;
		const serialized = JSON.stringify(body);
		const clean = this.text(serialized);
		if (clean === serialized) return body;
		try {
			return JSON.parse(clean);
		} catch {
			// A secret with quotes in it matched across the JSON's structure: keep the text form.
			return clean;
		}
	}
}
