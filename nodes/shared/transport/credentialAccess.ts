/**
 * What the "Mistral AI API" credential gives a request (pure): the checked Base URL, and the one
 * Redactor that takes the key and the Base URL's secrets out of every text from outside. Built here
 * only, for the client, the batch mode and the credential test alike.
 */
import { type BaseUrl, normalizeBaseUrl } from './baseUrl';
import { Redactor } from './redaction';

export interface CredentialAccess {
	apiKey: string;
	/** The Base URL, or why it cannot be used (already free of its secrets). */
	baseUrl: BaseUrl | { error: string };
	redactor: Redactor;
}

export function credentialAccess(data: { apiKey?: unknown; baseUrl?: unknown } | undefined): CredentialAccess {
	const apiKey = typeof data?.apiKey === 'string' ? data.apiKey : '';
	const baseUrl = normalizeBaseUrl(data?.baseUrl);
	const redactor = new Redactor(apiKey, 'error' in baseUrl ? [] : baseUrl.secrets);
	if ('error' in baseUrl) return { apiKey, baseUrl: { error: redactor.text(baseUrl.error) }, redactor };
	return { apiKey, baseUrl, redactor };
}
