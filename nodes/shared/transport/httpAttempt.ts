/**
 * One HTTP attempt through n8n's request helper (proxies, SSRF rules, evaluation mocks and tracing
 * apply), reduced to what the retry loop needs: the answer, or the transport error's code and own message.
 */
import type { IDataObject, IExecuteFunctions, IHttpRequestMethods, IHttpRequestOptions, ILoadOptionsFunctions, ISupplyDataFunctions } from 'n8n-workflow';

import { isGuardrailBlock } from '../moderation/guardrails';
import { isMultipartBody, type MultipartBody } from './multipart';
import { type AttemptOutcome, NO_CONNECTION_CODE } from './retryPolicy';

export const CREDENTIAL_TYPE = 'mistralAiApi';

export type CallerContext = IExecuteFunctions | ILoadOptionsFunctions | ISupplyDataFunctions;

export interface FullResponse {
	statusCode: number;
	headers: Record<string, string | string[] | undefined>;
	body: unknown;
	/** A JSON answer's text as it came, before parsing (lets the redactor skip a body without secrets). */
	text?: string;
}

export interface TransportError {
	code?: string;
	/** The innermost error's own message (n8n's wrappers replace it with generic sentences). */
	message: string;
}

export type AttemptResult = { response: FullResponse } | { error: TransportError };

/** What a usable answer is: a JSON body (the API), or text (a file's content). */
export type ResponseKind = 'json' | 'text';

/** One attempt as the client sends it. */
export interface AttemptRequest {
	method: IHttpRequestMethods;
	url: string;
	body?: IDataObject | MultipartBody;
	timeoutMs: number;
	accept?: ResponseKind | 'stream';
	/** The credential's header, built once per execution by the client (see `authorizationHeader`). */
	authorization?: string;
	/** Fires on the attempt's deadline, when the client gives up on the host, or when the execution is cancelled. */
	signal: AbortSignal;
}

/**
 * What the "Mistral AI API" credential's `authenticate` adds to a request, computed from the key the
 * client read once. n8n's authenticated helper would read and decrypt the credential and evaluate
 * that expression again for every request, a tenth of the CPU of a request to a fast server.
 */
export function authorizationHeader(apiKey: string): string | undefined {
	return apiKey ? `Bearer ${apiKey}` : undefined;
}

/** The options for n8n's request helper: every status is an answer here, never a thrown error. */
export function helperOptions(request: AttemptRequest): IHttpRequestOptions {
	const multipart = isMultipartBody(request.body);
	const headers: IDataObject = {};
	if (request.authorization) headers.authorization = request.authorization;
	// A multipart body goes as its bytes under its own content type; the answer is still JSON.
	if (multipart) headers['content-type'] = (request.body as MultipartBody).contentType;
	if (request.accept === 'stream') headers.accept = 'text/event-stream';
	return {
		method: request.method,
		url: request.url,
		body: multipart ? (request.body as MultipartBody).body : request.body,
		headers,
		// Asks for JSON, but takes the text and parses it here: see `readJsonAnswer`.
		json: request.accept !== 'text',
		encoding: request.accept === 'stream' ? ('stream' as const) : ('text' as const),
		// Stays on the socket as a stall check; the signal carries the deadline for the whole answer.
		timeout: request.timeoutMs,
		abortSignal: request.signal,
		// A POST is never re-sent to where a redirect points (a 301/302 would turn it into a GET, and any
		// redirect would send the key on to a second address): the redirect is answered as an error
		// naming it. A GET follows, without the key on another host.
		...(request.method === 'POST' ? { disableFollowRedirect: true } : { sendCredentialsOnCrossOriginRedirect: false }),
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
	};
}

export async function sendAttempt(context: CallerContext, request: AttemptRequest): Promise<AttemptResult> {
	let response: FullResponse;
	try {
		response = (await context.helpers.httpRequest(helperOptions(request))) as FullResponse;
	} catch (error) {
		return { error: transportErrorOf(error) };
	}
	return { response: request.accept === 'text' ? response : readJsonAnswer(response) };
}

/**
 * The answer with its JSON parsed, keeping the text it came as; a body that is not JSON stays text
 * (an HTML error page, a cut-off answer), for the retry loop to judge. Parsed here rather than by
 * n8n's helper so the redactor can look for secrets in the text once, instead of walking every
 * value of a large answer (a float vector answer holds millions of numbers).
 */
export function readJsonAnswer(response: FullResponse): FullResponse {
	const raw = Buffer.isBuffer(response.body) ? response.body.toString('utf8') : response.body;
	if (typeof raw !== 'string') return response;
	try {
		return { ...response, body: JSON.parse(raw) as unknown, text: raw };
	} catch {
		return { ...response, body: raw };
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

export function headerValue(headers: FullResponse['headers'], name: string): string | undefined {
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
