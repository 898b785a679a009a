/**
 * The credential's Base URL (pure): checked, normalised, joined with an API path, and shown to
 * users without the secrets it may carry (`https://user:password@host/v1`, `…/v1?key=…`).
 */

export interface BaseUrl {
	/** As entered, trimmed, without trailing slashes: what requests are built from. */
	url: string;
	/** Values a proxy may treat as a key: the userinfo and every query value. */
	secrets: string[];
}

const HIDDEN = '***';

/** The secrets a URL carries, in every form they may be echoed (raw, decoded, encoded). */
export function urlSecrets(parsed: URL): string[] {
	const values = [parsed.username, parsed.password, ...[...parsed.searchParams.values()]];
	const raw = parsed.search.slice(1).split('&').map((pair) => pair.slice(pair.indexOf('=') + 1));
	const forms = new Set<string>();
	for (const value of [...values, ...raw]) {
		if (value === '') continue;
		forms.add(value);
		try {
			forms.add(decodeURIComponent(value));
		} catch {
			// A malformed escape: the raw form is already there.
		}
		forms.add(encodeURIComponent(value));
	}
	return [...forms];
}

/** A secret-free form of a URL for messages: `https://***@host/v1/path?key=***`. */
export function displayUrl(url: string): string {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return hideUrlSecretsInText(url);
	}
	const userinfo = parsed.username || parsed.password ? `${HIDDEN}@` : '';
	const query = [...parsed.searchParams.keys()].map((key) => `${encodeURIComponent(key)}=${HIDDEN}`).join('&');
	return `${parsed.protocol}//${userinfo}${parsed.host}${parsed.pathname}${query ? `?${query}` : ''}`;
}

/**
 * For text that failed to parse as a URL (or any text holding one): everything before the last "@"
 * of the authority is userinfo (a password may hold "/" or "@"), every query value is hidden up to
 * the next "&" (a value may hold spaces), and a fragment is dropped.
 */
export function hideUrlSecretsInText(text: string): string {
	const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(text)?.[0] ?? '';
	let rest = text.slice(scheme.length);
	let query = '';
	const queryAt = rest.search(/[?#]/);
	if (queryAt !== -1) {
		query = rest[queryAt] === '?' ? rest.slice(queryAt + 1).split('#')[0] : '';
		rest = rest.slice(0, queryAt);
	}
	const at = rest.lastIndexOf('@');
	if (at !== -1) rest = `${HIDDEN}${rest.slice(at)}`;
	const hiddenQuery = query
		.split('&')
		.filter((pair) => pair !== '')
		.map((pair) => (pair.includes('=') ? `${pair.slice(0, pair.indexOf('=')).replace(/[^\w.-]/g, '')}=${HIDDEN}` : HIDDEN))
		.join('&');
	return `${scheme}${rest}${queryAt !== -1 && query !== '' ? `?${hiddenQuery}` : ''}`;
}

/** host:port of a URL (never its userinfo), or "the server". */
export function hostOf(url: string): string {
	try {
		return new URL(url).host || 'the server';
	} catch {
		return 'the server';
	}
}

/** Whether a host is Mistral's own API (its keys come from the Mistral console), not another OpenAI-compatible server. */
export function isMistralHost(host: string): boolean {
	return /(^|\.)mistral\.ai(:\d+)?$/i.test(host);
}

/** Where to get a key, said for the server the Base URL points at. */
export function keyAdvice(host: string, verb: 'Copy a current' | 'Enter your'): string {
	return isMistralHost(host) ? `${verb} key from the Mistral console (console.mistral.ai, API Keys).` : `${verb} key for ${host} (the server the credential's Base URL points at).`;
}

export function normalizeBaseUrl(raw: unknown): BaseUrl | { error: string } {
	const text = typeof raw === 'string' ? raw.trim() : '';
	if (text === '') return { error: 'The credential has no Base URL. Use https://api.mistral.ai/v1 for Mistral.' };
	let parsed: URL;
	try {
		parsed = new URL(text);
	} catch {
		return {
			error: `The Base URL "${hideUrlSecretsInText(text)}" is not a valid URL. Use a full URL such as https://api.mistral.ai/v1.`,
		};
	}
	if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
		return {
			error: `The Base URL "${hideUrlSecretsInText(text)}" must start with http:// or https://, e.g. https://api.mistral.ai/v1 or http://localhost:11434/v1.`,
		};
	}
	parsed.hash = '';
	const withoutSlash = parsed.toString().replace(/\/+(\?|$)/, '$1');
	return { url: withoutSlash, secrets: urlSecrets(parsed) };
}

/**
 * The URL of an API path under the Base URL; a query string in the Base URL stays, and one in the
 * path (e.g. `/batch/jobs/{id}?inline=true`) is added to it.
 */
export function apiUrl(baseUrl: string, path: string): string {
	const parsed = new URL(baseUrl);
	const queryAt = path.indexOf('?');
	const pathname = queryAt === -1 ? path : path.slice(0, queryAt);
	parsed.pathname = `${parsed.pathname.replace(/\/+$/, '')}${pathname}`;
	if (queryAt !== -1) for (const [key, value] of new URLSearchParams(path.slice(queryAt + 1))) parsed.searchParams.append(key, value);
	return parsed.toString();
}
