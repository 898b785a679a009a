import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	ILoadOptionsFunctions,
	ISupplyDataFunctions,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { abortableSleep } from '../abortableSleep';
import { normalizeBaseUrl } from './baseUrl';
import { describeHttpError, parseErrorBody, truncate } from './errorMessages';
import { RateLimitGate } from './rateLimitGate';
import {
	type AttemptOutcome,
	DEFAULT_RETRY_POLICY,
	isRetryable,
	type RetryPolicy,
	retryDelayMs,
} from './retryPolicy';
import { sseData } from './sse';

export const CREDENTIAL_TYPE = 'mistralAiApi';

export interface ClientOptions {
	timeoutMs: number;
	maxRetries: number;
}

/** Totals for one node execution, which the nodes log at debug level. */
export interface ClientStats {
	requests: number;
	retries: number;
	retryWaitMs: number;
}

export interface RequestMeta {
	/** Named in "model not found" errors. */
	model?: string;
}

/** What the node can learn from a failed request (kept on NodeApiError.context.mistral). */
export interface FailureInfo {
	kind: 'http' | 'network' | 'timeout' | 'invalid-response' | 'cancelled' | 'configuration';
	status?: number;
	code?: string;
	/** The server's own error type and message, for callers that decide what an error blames. */
	type?: string;
	message?: string;
	/** Request fields a 422 names, e.g. "input.3". */
	fields?: string[];
}

type CallerContext = IExecuteFunctions | ILoadOptionsFunctions | ISupplyDataFunctions;

/** What `postStream` opened: server-sent events, or a plain JSON answer from a server that ignored `stream: true`. */
export type StreamAnswer = { kind: 'events'; events: AsyncGenerator<string> } | { kind: 'json'; body: unknown };

interface FullResponse {
	statusCode: number;
	headers: Record<string, string | string[] | undefined>;
	body: unknown;
}

function headerValue(headers: FullResponse['headers'], name: string): string | undefined {
	const value = headers?.[name] ?? headers?.[name.toLowerCase()];
	return Array.isArray(value) ? value[0] : value;
}

function networkCodeOf(error: unknown): { code?: string; message: string } {
	const candidates: unknown[] = [error];
	for (let i = 0; i < candidates.length && i < 6; i++) {
		const current = candidates[i] as { code?: unknown; cause?: unknown; errorResponse?: unknown } | undefined;
		if (!current || typeof current !== 'object') continue;
		if (typeof current.code === 'string' && current.code !== '') {
			return { code: current.code, message: String((current as { message?: unknown }).message ?? '') };
		}
		candidates.push(current.cause, current.errorResponse);
	}
	return { message: error instanceof Error ? error.message : String(error) };
}

const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);
const CANCEL_CODES = new Set(['ERR_CANCELED', 'ABORT_ERR']);

/**
 * Every HTTP request of both nodes goes through here: authentication by n8n's credential helper,
 * JSON in and out, a timeout, retries with backoff, one shared rate-limit gate per execution, and
 * errors that name the cause without ever carrying headers or the API key.
 */
export class MistralClient {
	readonly stats: ClientStats = { requests: 0, retries: 0, retryWaitMs: 0 };

	private readonly policy: RetryPolicy;

	private readonly gate = new RateLimitGate();

	private baseUrl?: string;

	private secret?: string;

	/** After a 401 every further request would fail the same way: fail fast instead of a 401 storm. */
	private rejectedKey?: { message: string; description: string };

	private firstRequest?: Promise<void>;

	constructor(
		private readonly context: CallerContext,
		private readonly options: ClientOptions,
	) {
		this.policy = { ...DEFAULT_RETRY_POLICY, maxRetries: options.maxRetries };
	}

	async post<T>(path: string, body: IDataObject, meta: RequestMeta = {}, itemIndex?: number): Promise<T> {
		return await this.request<T>('POST', path, body, meta, itemIndex);
	}

	async get<T>(path: string, meta: RequestMeta = {}): Promise<T> {
		return await this.request<T>('GET', path, undefined, meta);
	}

	/**
	 * POSTs a request with `stream: true` and returns the server-sent events as they arrive. Until the
	 * answer starts it behaves as `post` (rate-limit gate, retries, errors); once events flow nothing is
	 * retried (part of the answer is already out), and a pause longer than the timeout ends the stream.
	 */
	async postStream(path: string, body: IDataObject, meta: RequestMeta = {}, itemIndex?: number): Promise<StreamAnswer> {
		const url = `${await this.resolveBaseUrl()}${path}`;
		const signal = this.cancelSignal();
		if (this.rejectedKey) {
			throw this.failure({ kind: 'http', status: 401 }, this.rejectedKey.message, this.rejectedKey.description, itemIndex);
		}
		for (let attempt = 1; ; attempt++) {
			try {
				await this.gate.pass(signal);
			} catch {
				throw this.cancelled(itemIndex);
			}
			if (signal?.aborted) throw this.cancelled(itemIndex);
			this.stats.requests++;
			let outcome: AttemptOutcome | undefined;
			let response: FullResponse | undefined;
			let transportError: { code?: string; message: string } | undefined;
			try {
				response = (await this.context.helpers.httpRequestWithAuthentication.call(this.context, CREDENTIAL_TYPE, {
					method: 'POST',
					url,
					body,
					json: true,
					headers: { accept: 'text/event-stream' },
					encoding: 'stream',
					timeout: this.options.timeoutMs,
					returnFullResponse: true,
					ignoreHttpStatusErrors: true,
				})) as FullResponse;
			} catch (error) {
				transportError = networkCodeOf(error);
			}
			if (transportError) {
				if (signal?.aborted || (transportError.code && CANCEL_CODES.has(transportError.code))) throw this.cancelled(itemIndex);
				outcome = { kind: 'network', code: transportError.code };
			} else {
				const answer = response as FullResponse;
				const contentType = String(headerValue(answer.headers, 'content-type') ?? '');
				const success = answer.statusCode >= 200 && answer.statusCode < 300;
				if (success && contentType.includes('text/event-stream')) {
					return { kind: 'events', events: sseData(this.guardStream(answer.body as AsyncIterable<Uint8Array>, url, itemIndex)) };
				}
				// An error (or a server that ignored stream: true) answers with a whole body: read it as `post` would.
				let text: string;
				try {
					text = await readAll(answer.body as AsyncIterable<Uint8Array>);
				} catch (error) {
					text = '';
					transportError = networkCodeOf(error);
				}
				const full: FullResponse = { ...answer, body: parseJsonOrText(text) };
				response = full;
				if (transportError) outcome = { kind: 'network', code: transportError.code };
				else {
					outcome = outcomeOf(full);
					if (outcome === undefined) return { kind: 'json', body: full.body };
				}
			}
			if (attempt <= this.policy.maxRetries && isRetryable(outcome)) {
				const delay = retryDelayMs(attempt, outcome, this.policy, Date.now());
				if (outcome.kind === 'http' && outcome.status === 429) this.gate.closeFor(delay);
				this.stats.retries++;
				this.stats.retryWaitMs += delay;
				try {
					await abortableSleep(delay, signal);
				} catch {
					throw this.cancelled(itemIndex);
				}
				continue;
			}
			throw this.finalError(outcome, response, transportError, url, meta, attempt, itemIndex);
		}
	}

	/**
	 * Passes the body through and names what went wrong if it breaks. The request's own timeout stays on
	 * the socket while the answer streams, so a stream that stalls for longer fails as a timeout; n8n's
	 * cancel signal aborts it.
	 */
	private async *guardStream(body: AsyncIterable<Uint8Array>, url: string, itemIndex?: number): AsyncGenerator<Uint8Array> {
		const iterator = body[Symbol.asyncIterator]();
		const signal = this.cancelSignal();
		try {
			for (;;) {
				let next: IteratorResult<Uint8Array> | undefined;
				let broken: { code?: string; message: string } | undefined;
				const waitingSince = Date.now();
				try {
					next = await iterator.next();
				} catch (error) {
					broken = networkCodeOf(error);
				}
				// The socket timeout surfaces as a reset; the wait tells it apart from a server that hung up.
				if (broken) throw this.streamBroken(broken, url, signal, Date.now() - waitingSince >= this.options.timeoutMs * 0.95, itemIndex);
				if (!next || next.done) return;
				yield next.value;
			}
		} finally {
			// Closes the connection when the reader stops early (an error, or the consumer gave up).
			await iterator.return?.();
			(body as { destroy?: () => void }).destroy?.();
		}
	}

	private streamBroken(
		broken: { code?: string; message: string },
		url: string,
		signal: AbortSignal | undefined,
		stalled: boolean,
		itemIndex?: number,
	): NodeApiError {
		const { code } = broken;
		if (signal?.aborted || (code && CANCEL_CODES.has(code))) return this.cancelled(itemIndex);
		if (stalled || (code && TIMEOUT_CODES.has(code))) {
			return this.failure(
				{ kind: 'timeout', code },
				`The stream from ${safeHost(url)} stalled: nothing came for ${Math.round(this.options.timeoutMs / 1000)} s`,
				'Raise the "Timeout" option, or check that the server is up. A stream is not retried once it has started.',
				itemIndex,
			);
		}
		return this.failure(
			{ kind: 'network', code },
			`The connection to ${safeHost(url)} broke while the answer was streaming (${code ?? 'connection closed'})`,
			'Part of the answer may be missing. Try again; a stream is not retried once it has started.',
			itemIndex,
		);
	}

	private async resolveBaseUrl(): Promise<string> {
		if (this.baseUrl) return this.baseUrl;
		const credentials = await this.context.getCredentials(CREDENTIAL_TYPE);
		this.secret = typeof credentials.apiKey === 'string' && credentials.apiKey !== '' ? credentials.apiKey : undefined;
		const normalized = normalizeBaseUrl(credentials.baseUrl);
		if ('error' in normalized) {
			throw this.failure({ kind: 'configuration' }, normalized.error, 'Fix the Base URL in the "Mistral AI API" credential.');
		}
		this.baseUrl = normalized.url;
		return this.baseUrl;
	}

	private cancelSignal(): AbortSignal | undefined {
		const context = this.context as Partial<IExecuteFunctions>;
		return typeof context.getExecutionCancelSignal === 'function' ? context.getExecutionCancelSignal() : undefined;
	}

	/**
	 * The first request of an execution goes alone: a wrong key, Base URL or model then fails once,
	 * instead of once per request already in flight. The rest start when it has an answer.
	 */
	private async request<T>(
		method: IHttpRequestMethods,
		path: string,
		body: IDataObject | undefined,
		meta: RequestMeta,
		itemIndex?: number,
	): Promise<T> {
		if (this.firstRequest) {
			await this.firstRequest;
			return await this.send<T>(method, path, body, meta, itemIndex);
		}
		const first = this.send<T>(method, path, body, meta, itemIndex);
		// Only its settling matters here; its caller gets its error.
		this.firstRequest = first.then(
			() => undefined,
			() => undefined,
		);
		return await first;
	}

	private async send<T>(
		method: IHttpRequestMethods,
		path: string,
		body: IDataObject | undefined,
		meta: RequestMeta,
		itemIndex?: number,
	): Promise<T> {
		const url = `${await this.resolveBaseUrl()}${path}`;
		const signal = this.cancelSignal();
		if (this.rejectedKey) {
			throw this.failure({ kind: 'http', status: 401 }, this.rejectedKey.message, this.rejectedKey.description, itemIndex);
		}

		for (let attempt = 1; ; attempt++) {
			try {
				await this.gate.pass(signal);
			} catch {
				throw this.cancelled(itemIndex);
			}
			if (signal?.aborted) throw this.cancelled(itemIndex);

			this.stats.requests++;
			let outcome: AttemptOutcome;
			let response: FullResponse | undefined;
			let transportError: { code?: string; message: string } | undefined;
			try {
				response = (await this.context.helpers.httpRequestWithAuthentication.call(this.context, CREDENTIAL_TYPE, {
					method,
					url,
					body,
					json: true,
					timeout: this.options.timeoutMs,
					returnFullResponse: true,
					ignoreHttpStatusErrors: true,
				})) as FullResponse;
			} catch (error) {
				transportError = networkCodeOf(error);
			}

			if (transportError) {
				if (signal?.aborted || (transportError.code && CANCEL_CODES.has(transportError.code))) {
					throw this.cancelled(itemIndex);
				}
				outcome = { kind: 'network', code: transportError.code };
			} else {
				const answered = outcomeOf(response as FullResponse);
				if (answered === undefined) return (response as FullResponse).body as T;
				outcome = answered;
			}

			if (attempt <= this.policy.maxRetries && isRetryable(outcome)) {
				const delay = retryDelayMs(attempt, outcome, this.policy, Date.now());
				if (outcome.kind === 'http' && outcome.status === 429) this.gate.closeFor(delay);
				this.stats.retries++;
				this.stats.retryWaitMs += delay;
				try {
					await abortableSleep(delay, signal);
				} catch {
					throw this.cancelled(itemIndex);
				}
				continue;
			}
			throw this.finalError(outcome, response, transportError, url, meta, attempt, itemIndex);
		}
	}

	private finalError(
		outcome: AttemptOutcome,
		response: FullResponse | undefined,
		transportError: { code?: string; message: string } | undefined,
		url: string,
		meta: RequestMeta,
		attempts: number,
		itemIndex?: number,
	): NodeApiError {
		const host = safeHost(url);
		// Redact before anything is cut short, or a key straddling the cut would survive in part.
		if (response) response = { ...response, body: this.redactBody(response.body) };
		if (outcome.kind === 'network') {
			const code = transportError?.code;
			if (code && TIMEOUT_CODES.has(code)) {
				return this.failure(
					{ kind: 'timeout', code },
					`No answer from ${host} within ${Math.round(this.options.timeoutMs / 1000)} s${attempts > 1 ? ` (${attempts} attempts)` : ''}`,
					'Raise the "Timeout" option for long answers, or check that the server is up.',
					itemIndex,
				);
			}
			return this.failure(
				{ kind: 'network', code },
				`Could not reach ${host} (${code ?? 'connection failed'})${attempts > 1 ? ` after ${attempts} attempts` : ''}`,
				'Check the Base URL in the "Mistral AI API" credential and that the server is reachable from n8n.',
				itemIndex,
			);
		}
		if (outcome.kind === 'invalid-body') {
			const text = typeof response?.body === 'string' ? response.body : '';
			const html = /^\s*</.test(text);
			return this.failure(
				{ kind: 'invalid-response', status: response?.statusCode, message: truncate(text, 200) },
				`The server at ${host} answered ${html ? 'with an HTML page' : 'with a body that is not JSON'} (HTTP ${response?.statusCode})${attempts > 1 ? ` after ${attempts} attempts` : ''}`,
				html && (response?.statusCode ?? 0) < 300
					? 'The Base URL seems to point at a web page, not an API. Use the API root, e.g. https://api.mistral.ai/v1.'
					: 'A proxy or the server failed. This is usually temporary; try again or raise "Max Retries".',
				itemIndex,
			);
		}
		const text = describeHttpError({ status: outcome.status, body: response?.body, url, model: meta.model, attempts });
		if (outcome.status === 401) this.rejectedKey = text;
		const parsed = parseErrorBody(response?.body);
		return this.failure(
			{
				kind: 'http',
				status: outcome.status,
				type: parsed.type,
				code: parsed.code,
				message: parsed.message,
				fields: parsed.fieldErrors.map((fieldError) => fieldError.field),
			},
			text.message,
			text.description,
			itemIndex,
		);
	}

	private cancelled(itemIndex?: number): NodeApiError {
		// n8n recognises a cancelled execution by the word "canceled" in the node's error.
		return this.failure({ kind: 'cancelled' }, 'The execution was canceled', 'The request was aborted.', itemIndex);
	}

	private redactBody(body: unknown): unknown {
		if (!this.secret || this.secret.length < 8) return body;
		if (typeof body === 'string') return this.redact(body);
		if (typeof body !== 'object' || body === null) return body;
		const text = JSON.stringify(body);
		return text.includes(this.secret) ? JSON.parse(this.redact(text)) : body;
	}

	/** Defence in depth: a server may echo the key in an error body. Keys too short to be real are left alone. */
	private redact(text: string): string {
		return this.secret && this.secret.length >= 8 ? text.split(this.secret).join('***') : text;
	}

	private failure(info: FailureInfo, message: string, description: string, itemIndex?: number): NodeApiError {
		const cleanMessage = this.redact(message);
		const cleanDescription = this.redact(description);
		const error = new NodeApiError(
			this.context.getNode(),
			{ message: cleanMessage, description: cleanDescription } as JsonObject,
			{
				message: cleanMessage,
				description: cleanDescription,
				httpCode: info.status !== undefined ? String(info.status) : undefined,
				itemIndex,
			},
		);
		// n8n swaps a message that mentions a network code (ECONNREFUSED, …) for a generic sentence; ours names the host.
		error.message = cleanMessage;
		error.description = cleanDescription;
		error.context.mistral = { ...info, message: info.message && this.redact(info.message) };
		return error;
	}
}

export function describeStats(stats: ClientStats): string {
	return `${stats.requests} request(s), ${stats.retries} retried, ${Math.round(stats.retryWaitMs)} ms waited before retries`;
}

export function failureInfoOf(error: unknown): FailureInfo | undefined {
	const context = (error as { context?: { mistral?: FailureInfo } })?.context;
	return context?.mistral;
}

/** What an HTTP answer means for the retry loop; undefined when it is a usable JSON answer. */
function outcomeOf(response: FullResponse): AttemptOutcome | undefined {
	const { statusCode, body } = response;
	const success = statusCode >= 200 && statusCode < 300;
	const isJson = typeof body === 'object' && body !== null;
	if (success && isJson) return undefined;
	// A truncated JSON body on a 2xx is transient (retried as a 502); an HTML page on a 2xx means a wrong URL.
	if (success) return { kind: 'invalid-body', status: looksLikeTruncatedJson(body) ? 502 : statusCode };
	if (!isJson && statusCode >= 500) return { kind: 'invalid-body', status: statusCode };
	return { kind: 'http', status: statusCode, retryAfter: headerValue(response.headers, 'retry-after') };
}

async function readAll(body: AsyncIterable<Uint8Array | string> | string | undefined): Promise<string> {
	if (body === undefined || body === null) return '';
	if (typeof body === 'string') return body;
	if (typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] !== 'function') return JSON.stringify(body);
	const decoder = new TextDecoder();
	let text = '';
	for await (const piece of body) text += typeof piece === 'string' ? piece : decoder.decode(piece, { stream: true });
	return text + decoder.decode();
}

function parseJsonOrText(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
}

function looksLikeTruncatedJson(body: unknown): boolean {
	return typeof body === 'string' && /^\s*[[{]/.test(body);
}

function safeHost(url: string): string {
	try {
		return new URL(url).host;
	} catch {
		return 'the server';
	}
}
