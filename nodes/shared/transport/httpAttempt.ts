/**
 * One HTTP attempt through n8n's authenticated request helper, reduced to what the retry loop
 * needs: the answer, or the transport error's code and own message.
 */
import type { IDataObject, IExecuteFunctions, IHttpRequestMethods, ILoadOptionsFunctions, ISupplyDataFunctions } from 'n8n-workflow';

import { isGuardrailBlock } from '../moderation/guardrails';
import { isMultipartBody, type MultipartBody } from './multipart';
import { type AttemptOutcome, NO_CONNECTION_CODE } from './retryPolicy';

export const CREDENTIAL_TYPE = 'mistralAiApi';

export type CallerContext = IExecuteFunctions | ILoadOptionsFunctions | ISupplyDataFunctions;

export interface FullResponse {
	statusCode: number;
	headers: Record<string, string | string[] | undefined>;
	body: unknown;
}

export interface TransportError {
	code?: string;
	/** The innermost error's own message (n8n's wrappers replace it with generic sentences). */
	message: string;
}

export type AttemptResult = { response: FullResponse } | { error: TransportError };

/** What a usable answer is: a JSON body (the API), or text (a file's content). */
export type ResponseKind = 'json' | 'text';

export async function sendAttempt(
	context: CallerContext,
	method: IHttpRequestMethods,
	url: string,
	body: IDataObject | MultipartBody | undefined,
	timeoutMs: number,
	accept: ResponseKind = 'json',
): Promise<AttemptResult> {
	const multipart = isMultipartBody(body);
	try {
		// Every status is an answer here, never a thrown error. This also keeps n8n-core from sending a
		// request that failed with 401 a second time (httpRequestWithAuthentication re-sends it after
		// trying to refresh the credential, which a plain API key cannot do).
		const response = (await context.helpers.httpRequestWithAuthentication.call(context, CREDENTIAL_TYPE, {
			method,
			url,
			// A multipart body goes as its bytes under its own content type; the answer is still JSON.
			body: multipart ? body.body : body,
			...(multipart ? { headers: { 'content-type': body.contentType } } : {}),
			json: accept === 'json',
			...(accept === 'text' ? { encoding: 'text' as const } : {}),
			timeout: timeoutMs,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
		})) as FullResponse;
		return { response };
	} catch (error) {
		return { error: transportErrorOf(error) };
	}
}

/** The first code found on the error or its causes, and the innermost message. */
export function transportErrorOf(error: unknown): TransportError {
	const chain: unknown[] = [error];
	let code: string | undefined;
	let message = '';
	for (let i = 0; i < chain.length && i < 8; i++) {
		const current = chain[i] as { code?: unknown; syscall?: unknown; httpCode?: unknown; message?: unknown; cause?: unknown; errorResponse?: unknown } | undefined;
		if (!current || typeof current !== 'object') continue;
		// The operating system gave up connecting (the host drops packets): the request never left.
		if (code === undefined && current.code === 'ETIMEDOUT' && current.syscall === 'connect') code = NO_CONNECTION_CODE;
		if (code === undefined && typeof current.code === 'string' && current.code !== '') code = current.code;
		// n8n 1.x wraps a network error in a NodeApiError that keeps its code (ECONNREFUSED, …) only
		// as httpCode; an HTTP status there is digits, never a code.
		if (code === undefined && typeof current.httpCode === 'string' && /^E[A-Z0-9_]+$/.test(current.httpCode)) code = current.httpCode;
		if (typeof current.message === 'string' && current.message.trim() !== '') message = current.message;
		chain.push(current.cause, current.errorResponse);
	}
	if (message === '') message = error instanceof Error ? error.message : String(error);
	return { code, message };
}

function headerValue(headers: FullResponse['headers'], name: string): string | undefined {
	const value = headers?.[name] ?? headers?.[name.toLowerCase()];
	return Array.isArray(value) ? value[0] : value;
}

/** What an HTTP answer means for the retry loop; undefined when it is a usable JSON answer. */
export function outcomeOf(response: FullResponse, modelMissing: boolean, accept: ResponseKind = 'json'): AttemptOutcome | undefined {
	const { statusCode, body } = response;
	const success = statusCode >= 200 && statusCode < 300;
	if (success && accept === 'text' && (typeof body === 'string' || Buffer.isBuffer(body))) return undefined;
	const isJson = typeof body === 'object' && body !== null;
	if (success && isJson) return undefined;
	if (!isJson && (success || statusCode >= 500)) {
		return { kind: 'invalid-body', status: statusCode, truncated: looksLikeTruncatedJson(body) };
	}
	const outcome: AttemptOutcome = { kind: 'http', status: statusCode, retryAfter: headerValue(response.headers, 'retry-after'), modelMissing };
	if (isGuardrailBlock(statusCode, body)) outcome.guardrailBlock = true;
	return outcome;
}

function looksLikeTruncatedJson(body: unknown): boolean {
	return typeof body === 'string' && /^\s*[[{]/.test(body);
}
