/**
 * Turns the error bodies Mistral (and OpenAI-compatible servers) send into one actionable sentence.
 * All body shapes listed in the project's API notes are handled here; pure, no I/O.
 */

export interface FieldError {
	field: string;
	type: string;
	msg: string;
}

export interface ParsedErrorBody {
	message?: string;
	type?: string;
	code?: string;
	fieldErrors: FieldError[];
}

import { isObject } from '../json';
import { describeGuardrailBlock, isGuardrailBlock } from '../moderation/guardrails';
import { displayUrl, hostOf, keyAdvice } from './baseUrl';

function tryParseJson(text: string): unknown {
	const trimmed = text.trim();
	if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
	try {
		return JSON.parse(trimmed);
	} catch {
		return undefined;
	}
}

function fieldErrorsFrom(detail: unknown): FieldError[] {
	if (!Array.isArray(detail)) return [];
	return detail.filter(isObject).map((entry) => {
		const loc = Array.isArray(entry.loc) ? entry.loc.filter((part) => part !== 'body') : [];
		return {
			field: loc.map(String).join('.') || '(request)',
			type: typeof entry.type === 'string' ? entry.type : 'invalid',
			msg: typeof entry.msg === 'string' ? entry.msg : '',
		};
	});
}

function asText(value: unknown): string | undefined {
	if (typeof value === 'string' && value.trim() !== '') return value.trim();
	if (typeof value === 'number') return String(value);
	return undefined;
}

export function parseErrorBody(body: unknown): ParsedErrorBody {
	if (typeof body === 'string') {
		const parsed = tryParseJson(body);
		if (parsed !== undefined) return parseErrorBody(parsed);
		return { message: undefined, fieldErrors: [] };
	}
	if (!isObject(body)) return { fieldErrors: [] };

	// OpenAI-style servers (vLLM, LiteLLM) nest everything under `error`.
	if (isObject(body.error)) return parseErrorBody(body.error);

	const result: ParsedErrorBody = {
		type: asText(body.type),
		code: asText(body.code),
		fieldErrors: fieldErrorsFrom(body.detail),
	};
	if (typeof body.detail === 'string') result.message = body.detail;

	let message: unknown = body.message;
	if (typeof message === 'string') {
		const nested = tryParseJson(message);
		if (nested !== undefined) message = nested;
	}
	if (isObject(message)) {
		result.fieldErrors.push(...fieldErrorsFrom(message.detail));
		if (typeof message.detail === 'string') result.message = message.detail;
		else if (typeof message.message === 'string') result.message = message.message;
	} else if (typeof message === 'string' && message.trim() !== '') {
		result.message = message.trim();
	}
	return result;
}

export function describeFieldErrors(fieldErrors: FieldError[]): string {
	return fieldErrors
		.map(({ field, type, msg }) =>
			type === 'extra_forbidden'
				? `Mistral rejected field \`${field}\` (extra_forbidden): the API does not accept it`
				: `Mistral rejected field \`${field}\` (${type})${msg ? `: ${msg}` : ''}`,
		)
		.join('; ');
}

export interface HttpErrorContext {
	status: number;
	body: unknown;
	url: string;
	model?: string;
	attempts: number;
	/** The one resource the request names (e.g. `batch job 1a2b`), if it names one. */
	resource?: string;
	/** A redirect's Location header (already without secrets). */
	location?: string;
	/** A generating POST: a 500, 502 or 504 may come after the work was done, so it was retried at most Max Ambiguous Retries times. */
	billed?: boolean;
}

export interface ErrorText {
	message: string;
	description: string;
}

const MODEL_MISSING = /(invalid model|model.*(not found|does not exist|unknown|no such)|unknown model|no such model)/i;

/** Whether an answer says the model does not exist (Mistral: 400 invalid_model / code 1500; others: 404). */
export function isModelMissing(status: number, body: unknown, model: string | undefined): boolean {
	if (!model || (status !== 404 && status !== 400)) return false;
	const parsed = parseErrorBody(body);
	if (parsed.type === 'invalid_model' || parsed.code === '1500') return true;
	return MODEL_MISSING.test(parsed.message ?? '');
}

function afterRetries(attempts: number): string {
	return attempts > 1 ? ` after ${attempts} attempts` : '';
}

/** The message a user sees for an HTTP error status. */
export function describeHttpError(context: HttpErrorContext): ErrorText {
	const { status, url, model, attempts } = context;
	const parsed = parseErrorBody(context.body);
	const serverSaid = parsed.message ?? '';
	const said = serverSaid ? ` Server said: "${truncate(serverSaid, 300)}".` : '';

	if (status >= 300 && status < 400) {
		const to = context.location ? ` to ${truncate(context.location, 200)}` : '';
		return {
			message: `The server redirected the request${to} (${status})`,
			description: `Set the Base URL in the "Mistral AI API" credential to the address the server points to (e.g. https:// instead of http://). Requests are not sent on to another address: a 301 or 302 would turn them into GETs, and every redirect would send the API key to a second address.`,
		};
	}
	if (status === 401) {
		return {
			message: 'The API key was rejected (401 Unauthorized)',
			description: `Check the API key in the "Mistral AI API" credential. ${keyAdvice(hostOf(url), 'Copy a current')}${said}`,
		};
	}
	if (isGuardrailBlock(status, context.body)) return describeGuardrailBlock(context.body);
	if (status === 403) {
		return {
			message: `Access denied (403)${model ? ` for model "${model}"` : ''}`,
			description: `The API key is valid but may not use this model or endpoint (plan, workspace or region).${said}`,
		};
	}
	if (parsed.fieldErrors.length > 0) {
		return {
			message: describeFieldErrors(parsed.fieldErrors),
			description: `The request body does not match Mistral's API (HTTP ${status}). Remove or correct the named field.`,
		};
	}
	if (isModelMissing(status, context.body, model)) {
		return {
			message: `Model "${model}" was not found (${status})`,
			description: `Pick a model from the list, or check the model ID and that your key may use it.${said}`,
		};
	}
	if (status === 404 && context.resource) {
		return {
			message: `Mistral has no ${context.resource} (404)`,
			description: `It may have been deleted, or it belongs to another Mistral account or workspace than this credential's key.${said}`,
		};
	}
	if (status === 404) {
		const looksUnversioned = !/\/v\d+[^/]*\/[^/]+$/.test(pathOf(url).replace(/\/(chat\/completions|embeddings|models)$/, '/x'));
		return {
			message: model ? `Not found (404): the server has no such endpoint or model "${model}"` : 'Not found (404)',
			description: `Requested ${displayUrl(url)}. ${
				looksUnversioned ? 'The Base URL usually ends with a version path such as /v1. ' : ''
			}Check the Base URL in the credential and the model ID.${said}`,
		};
	}
	if (status === 429) {
		return {
			message: `Rate limit exceeded (429)${afterRetries(attempts)}`,
			description: `Mistral kept answering "too many requests". Lower "Max Concurrent Requests", raise "Max Retries", or raise your plan's limits.${said}`,
		};
	}
	if (status >= 500) {
		const mayHaveRun = context.billed === true && (status === 500 || status === 502 || status === 504);
		return {
			message: `The Mistral server failed (${status})${afterRetries(attempts)}`,
			description: mayHaveRun
				? `A server or gateway error after a request that generates: the server may have done (and billed) the work anyway, so it is retried at most "Max Ambiguous Retries" times. Try again later.${said}`
				: `This is usually temporary. Try again later or raise "Max Retries".${said}`,
		};
	}
	return {
		message: `Mistral rejected the request (${status})${serverSaid ? `: ${truncate(serverSaid, 300)}` : ''}`,
		description: `Check the node's parameters for this item.${parsed.code ? ` Error code ${parsed.code}.` : ''}`,
	};
}

function pathOf(url: string): string {
	try {
		return new URL(url).pathname;
	} catch {
		return url;
	}
}

export function truncate(text: string, max: number): string {
	return text.length > max ? `${text.slice(0, max)}…` : text;
}
