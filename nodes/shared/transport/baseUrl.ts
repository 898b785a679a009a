/** Normalises the credential's Base URL; returns an error text instead of throwing (pure). */
export function normalizeBaseUrl(raw: unknown): { url: string } | { error: string } {
	const text = typeof raw === 'string' ? raw.trim() : '';
	if (text === '') return { error: 'The credential has no Base URL. Use https://api.mistral.ai/v1 for Mistral.' };
	let parsed: URL;
	try {
		parsed = new URL(text);
	} catch {
		return { error: `The Base URL "${text}" is not a valid URL. Use a full URL such as https://api.mistral.ai/v1.` };
	}
	if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
		return { error: `The Base URL must start with http:// or https:// (got "${parsed.protocol}").` };
	}
	return { url: text.replace(/\/+$/, '') };
}
