import type { IDataObject, IExecuteFunctions, IHttpRequestMethods, JsonObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { abortableSleep } from '../abortableSleep';
import type { MistralApi, RequestMeta } from './api';
import { apiUrl, hostOf } from './baseUrl';
import { credentialAccess } from './credentialAccess';
import { describeHttpError, isModelMissing, parseErrorBody, truncate } from './errorMessages';
import {
	authorizationHeader,
	type CallerContext,
	CREDENTIAL_TYPE,
	type FullResponse,
	headerValue,
	outcomeOf,
	type ResponseKind,
	sendAttempt,
	type TransportError,
	transportErrorOf,
} from './httpAttempt';
import type { MultipartBody } from './multipart';
import { RateLimitGate } from './rateLimitGate';
import { Redactor } from './redaction';
import {
	type AttemptOutcome,
	classifyFailure,
	CONNECT_TIMEOUT_MS,
	DEFAULT_RETRY_POLICY,
	endsExecution,
	NO_CONNECTION_CODE,
	type RetryPolicy,
	retryDelayMs,
	shouldRetry,
} from './retryPolicy';
import { type LatchedFailure, scopeOf, SetupLatch } from './setupLatch';
import { VerifiedSetups, verifiedSetups } from './verifiedSetups';
import type { FailureInfo } from './failureInfo';
import { SseLimitError, sseData } from './sse';
import { AttemptSignals, fired } from './attemptSignals';
import { sendStreamAttempt } from './streamAttempt';
import { describeTransportFailure, isTimeout } from './transportErrors';

export { CREDENTIAL_TYPE } from './httpAttempt';
export { failureInfoOf, type FailureInfo } from './failureInfo';
export type { RequestMeta } from './api';

export interface ClientOptions {
	timeoutMs: number;
	maxRetries: number;
	/** Retries after a failure that may have been processed and billed (default 1). */
	maxAmbiguousRetries?: number;
}

/** Totals for one node execution, which the nodes log at debug level. */
export interface ClientStats {
	requests: number;
	retries: number;
	retryWaitMs: number;
}

/** What `postStream` opened: server-sent events, or a plain JSON answer from a server that ignored `stream: true`. */
export type StreamAnswer = { kind: 'events'; events: AsyncGenerator<string> } | { kind: 'json'; body: unknown };

const CANCEL_CODES = new Set(['ERR_CANCELED', 'ABORT_ERR']);

/** One server-sent event (or a line without its end) longer than this ends the stream with an error. */
export const MAX_STREAM_EVENT_CHARS = 8_000_000;

/** A whole stream longer than this ends with an error, however small its events (memory stays bounded). */
export const MAX_STREAM_BYTES = 200_000_000;

const NOT_SENT =
	' This request was not sent: an earlier request of this execution already failed this way, and every other would too.';
const NOT_RETRIED = ' This request was not retried further: an earlier request of this execution already failed this way.';

/**
 * Every HTTP request of the package goes through here: the credential read once per execution,
 * JSON in and out, a timeout, retries by the retry policy, one shared rate-limit gate per execution,
 * a latch that fails the execution's requests at once after a setup failure, and errors that name
 * the cause without ever carrying headers, the API key or secrets of the Base URL.
 */
export class MistralClient implements MistralApi {
	readonly stats: ClientStats = { requests: 0, retries: 0, retryWaitMs: 0 };

	private readonly policy: RetryPolicy;

	private readonly gate = new RateLimitGate();

	private readonly latch = new SetupLatch();

	private baseUrl?: string;

	private redactor = new Redactor();

	private authorization?: string;

	/** Whether the server has answered any request of this execution (then a refused connection is a restart). */
	private answered = false;

	/** Whether the first-contact check ran (once per execution). */
	private contacted = false;

	/** Settles when the execution's other requests may go: the first one has an answer, or its setup is trusted. */
	private firstRequest?: Promise<void>;

	private releaseWaiting?: () => void;

	/** The digest of this execution's Base URL and key (verifiedSetups). */
	private setupKey?: string;

	constructor(
		private readonly context: CallerContext,
		private readonly options: ClientOptions,
	) {
		this.policy = {
			...DEFAULT_RETRY_POLICY,
			maxRetries: options.maxRetries,
			maxAmbiguousRetries: options.maxAmbiguousRetries ?? DEFAULT_RETRY_POLICY.maxAmbiguousRetries,
		};
	}

	/**
	 * This client with other limits or another context, for the few requests that need them (a batch
	 * job creation that is never re-sent; cancel requests that must outlive the execution's cancel
	 * signal). It shares this client's rate-limit gate, setup latch and statistics: one 429 pauses
	 * everything the execution sends, and the totals are whole.
	 */
	variant(options: Partial<ClientOptions>, context: CallerContext = this.context): MistralClient {
		const variant = new MistralClient(context, { ...this.options, ...options });
		Object.assign(variant, { stats: this.stats, gate: this.gate, latch: this.latch });
		return variant;
	}

	/** Retries after a failure the server says it did not start (Max Retries). */
	get maxRetries(): number {
		return this.policy.maxRetries;
	}

	async post<T>(path: string, body: IDataObject, meta: RequestMeta = {}, itemIndex?: number): Promise<T> {
		return await this.request<T>('POST', path, body, meta, itemIndex);
	}

	async get<T>(path: string, meta: RequestMeta = {}): Promise<T> {
		return await this.request<T>('GET', path, undefined, meta);
	}

	/**
	 * A file upload (`multipartBody` builds the body); the answer is JSON, as for `post`. Billed like any
	 * POST unless `meta.repeatable` says otherwise: an upload to /files is repeatable, a file sent to
	 * /audio/transcriptions or /ocr is a generation.
	 */
	async postMultipart<T>(path: string, body: MultipartBody, meta: RequestMeta = {}, itemIndex?: number): Promise<T> {
		return await this.request<T>('POST', path, body, meta, itemIndex);
	}

	async delete<T>(path: string, meta: RequestMeta = {}, itemIndex?: number): Promise<T> {
		return await this.request<T>('DELETE', path, undefined, meta, itemIndex);
	}

	/**
	 * POSTs a request with `stream: true` and returns the server-sent events as they arrive. Until the
	 * answer starts it is sent as `post` sends (gate, latch, retries, errors); once events flow nothing
	 * is retried (part of the answer is already out), and a stream that stalls longer than the timeout fails.
	 */
	async postStream(path: string, body: IDataObject, meta: RequestMeta = {}, itemIndex?: number): Promise<StreamAnswer> {
		return await this.request<StreamAnswer>('POST', path, body, meta, itemIndex, 'stream');
	}

	/** A GET whose answer is text rather than JSON (e.g. a JSONL file's content). */
	async getText(path: string, meta: RequestMeta = {}): Promise<string> {
		const body = await this.request<unknown>('GET', path, undefined, meta, undefined, 'text');
		if (typeof body === 'string') return body;
		return Buffer.isBuffer(body) ? body.toString('utf8') : JSON.stringify(body);
	}

	/** Text from outside (a server, a log line built from an answer) without the credential's secrets. */
	redact(text: string): string {
		return this.redactor.text(text);
	}

	private async resolveBaseUrl(itemIndex?: number): Promise<string> {
		if (this.baseUrl) return this.baseUrl;
		const access = credentialAccess(await this.context.getCredentials(CREDENTIAL_TYPE));
		this.redactor = access.redactor;
		this.authorization = authorizationHeader(access.apiKey);
		if ('error' in access.baseUrl) {
			throw this.failure({ kind: 'configuration' }, access.baseUrl.error, 'Fix the Base URL in the "Mistral AI API" credential.', itemIndex);
		}
		this.baseUrl = access.baseUrl.url;
		this.setupKey = VerifiedSetups.keyOf(this.baseUrl, this.authorization);
		return this.baseUrl;
	}

	private cancelSignal(): AbortSignal | undefined {
		const context = this.context as Partial<IExecuteFunctions>;
		return typeof context.getExecutionCancelSignal === 'function' ? context.getExecutionCancelSignal() : undefined;
	}

	/**
	 * The first request of an execution goes alone: a wrong key, Base URL or model then fails once,
	 * instead of once per request already in flight. The rest start when it has an answer, or as soon
	 * as the credential is read when the server accepted this Base URL and key lately (verifiedSetups).
	 */
	private async request<T>(
		method: IHttpRequestMethods,
		path: string,
		body: IDataObject | MultipartBody | undefined,
		meta: RequestMeta,
		itemIndex?: number,
		accept: ResponseKind | 'stream' = 'json',
	): Promise<T> {
		if (this.firstRequest) {
			await this.firstRequest;
			return await this.send<T>(method, path, body, meta, itemIndex, accept);
		}
		const trusted = new Promise<void>((resolve) => (this.releaseWaiting = resolve));
		const first = this.send<T>(method, path, body, meta, itemIndex, accept);
		// Only its settling matters here; its caller gets its error.
		this.firstRequest = Promise.race([
			trusted,
			first.then(
				() => undefined,
				() => undefined,
			),
		]);
		return await first;
	}

	private async send<T>(
		method: IHttpRequestMethods,
		path: string,
		body: IDataObject | MultipartBody | undefined,
		meta: RequestMeta,
		itemIndex?: number,
		accept: ResponseKind | 'stream' = 'json',
	): Promise<T> {
		const url = apiUrl(await this.resolveBaseUrl(itemIndex), path);
		if (this.releaseWaiting && this.setupKey && verifiedSetups.trusts(this.setupKey)) this.releaseWaiting();
		const signal = this.cancelSignal();
		let retries = 0;
		let ambiguousRetries = 0;

		for (;;) {
			this.throwIfLatched(meta, retries, itemIndex);
			try {
				await this.gate.pass(signal);
			} catch {
				throw this.cancelled(itemIndex);
			}
			if (signal?.aborted) throw this.cancelled(itemIndex);
			this.throwIfLatched(meta, retries, itemIndex);

			this.stats.requests++;
			const attempt = new AttemptSignals(this.options.timeoutMs, signal);
			const request = { method, url, body, timeoutMs: this.options.timeoutMs, accept, authorization: this.authorization, signal: attempt.signal };
			const sending = accept === 'stream' ? sendStreamAttempt(this.context, request) : sendAttempt(this.context, request);
			const result = this.answered || this.contacted ? await sending : await this.firstContact(sending, attempt);
			if ('events' in result) {
				this.answered = true;
				const events = sseData(this.guardStream(result.events, url, attempt, itemIndex), MAX_STREAM_EVENT_CHARS);
				const answer: StreamAnswer = { kind: 'events', events: this.redactEvents(events, url, itemIndex) };
				return answer as T;
			}
			let outcome: AttemptOutcome;
			let response: FullResponse | undefined;
			let transportError: TransportError | undefined;
			if ('error' in result) {
				transportError = result.error;
				const abortedBy = attempt.abortedBy;
				if (abortedBy === 'cancel' || (abortedBy === undefined && transportError.code && CANCEL_CODES.has(transportError.code))) throw this.cancelled(itemIndex);
				if (abortedBy === 'deadline') transportError = { code: 'ETIMEDOUT', message: `the whole answer took longer than the Timeout (${this.options.timeoutMs} ms)` };
				if (abortedBy === 'given-up') transportError = { code: NO_CONNECTION_CODE, message: 'no connection' };
				outcome = { kind: 'network', code: transportError.code, message: transportError.message };
			} else {
				response = result.response;
				// A server that ignored `stream: true` answers JSON, judged as any JSON answer.
				const answered = outcomeOf(response, isModelMissing(response.statusCode, response.body, meta.model), accept === 'stream' ? 'json' : accept);
				if (answered === undefined) {
					this.answered = true;
					if (this.setupKey) verifiedSetups.accepted(this.setupKey);
					// Every answer is text from outside: a server may echo the key into content as into errors.
					const body = this.redactor.body(response.body, response.text);
					return (accept === 'stream' ? { kind: 'json', body } : body) as T;
				}
				outcome = answered;
			}
			// Judged before this answer counts: a refused first connection is a setup failure.
			const state = { answeredBefore: this.answered, repeatable: method !== 'POST' || meta.repeatable === true, namesResource: meta.resource !== undefined };
			if (response) this.answered = true;

			if (shouldRetry(outcome, state, this.policy, retries, ambiguousRetries)) {
				if (classifyFailure(outcome, state) === 'ambiguous') ambiguousRetries++;
				retries++;
				const delay = retryDelayMs(retries, outcome, this.policy, Date.now());
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
			const error = this.finalError(outcome, response, transportError, url, meta, retries + 1, state.repeatable, itemIndex);
			if (classifyFailure(outcome, state) === 'ambiguous') (error.context.mistral as FailureInfo).mayHaveRun = true;
			if (endsExecution(outcome, state)) {
				const status = outcome.kind === 'http' ? outcome.status : undefined;
				const modelMissing = outcome.kind === 'http' && outcome.modelMissing === true;
				const scope = scopeOf(status, modelMissing, meta.model);
				if (scope.kind === 'execution' && this.setupKey) verifiedSetups.refused(this.setupKey);
				this.latch.set(scope, {
					message: error.message,
					description: error.description ?? '',
					info: { ...(error.context.mistral as FailureInfo) },
				});
			}
			throw error;
		}
	}

	/**
	 * The first request of an execution, until the server has answered anything: a host that drops
	 * packets would hold it (and every request after it) for the whole Timeout, and n8n's request
	 * helper tells nobody whether the connection was made. So when no answer has come after
	 * CONNECT_TIMEOUT_MS, the client asks the same host for its model list (GET /models through the
	 * same helper: proxies and n8n's network rules apply) with the same short deadline. Any answer to
	 * that, whatever its status, means the host is there and the first request is only slow: it goes
	 * on. No answer to either means no connection: the first request is given up, as a setup failure
	 * that the latch then gives every other request at once.
	 */
	private async firstContact<R>(sending: Promise<R>, attempt: AttemptSignals): Promise<R> {
		const settled = sending.then((result) => ({ result }));
		const early = await Promise.race([settled, fired(AbortSignal.timeout(CONNECT_TIMEOUT_MS)).then(() => undefined)]);
		if (early) return early.result;
		this.contacted = true;
		const probeSignal = AbortSignal.any([AbortSignal.timeout(CONNECT_TIMEOUT_MS), ...(attempt.cancel ? [attempt.cancel] : [])]);
		this.stats.requests++;
		const probe = sendAttempt(this.context, {
			method: 'GET',
			url: apiUrl(this.baseUrl ?? '', '/models'),
			timeoutMs: CONNECT_TIMEOUT_MS,
			authorization: this.authorization,
			signal: probeSignal,
		});
		const first = await Promise.race([settled, probe.then((answer) => ({ probe: answer }))]);
		if ('result' in first) return first.result;
		if ('response' in first.probe || attempt.cancel?.aborted) return await sending;
		attempt.giveUp();
		return await sending;
	}

	/**
	 * Passes a streamed body through and names what went wrong if it breaks. The attempt's deadline
	 * (Timeout, for the whole answer) aborts the stream; so does n8n's cancel signal. The request's
	 * timeout also stays on the socket as a stall check, which n8n resets when it fires; how long the
	 * read waited tells that apart from a server that hung up.
	 */
	private async *guardStream(body: AsyncIterable<Uint8Array>, url: string, attempt: AttemptSignals, itemIndex?: number): AsyncGenerator<Uint8Array> {
		const iterator = body[Symbol.asyncIterator]();
		const signal = this.cancelSignal();
		let received = 0;
		try {
			for (;;) {
				let next: IteratorResult<Uint8Array> | undefined;
				let broken: TransportError | undefined;
				const waitingSince = Date.now();
				try {
					next = await iterator.next();
				} catch (error) {
					broken = transportErrorOf(error);
				}
				if (broken) {
					if (attempt.abortedBy === 'deadline') throw this.streamTooLong(url, itemIndex);
					throw this.streamBroken(broken, url, signal, Date.now() - waitingSince >= this.options.timeoutMs * 0.95, itemIndex);
				}
				if (attempt.abortedBy === 'deadline') throw this.streamTooLong(url, itemIndex);
				if (!next || next.done) return;
				received += next.value.length;
				if (received > MAX_STREAM_BYTES) {
					throw this.failure(
						{ kind: 'invalid-response' },
						`The stream from ${hostOf(url)} sent more than ${MAX_STREAM_BYTES / 1_000_000} MB`,
						'No chat answer is that long (even the largest, as events, is a fraction of it): the server is broken or not a chat API. The stream was closed.',
						itemIndex,
					);
				}
				yield next.value;
			}
		} finally {
			// Closes the connection when the reader stops early (an error, or the consumer gave up).
			await iterator.return?.();
			(body as { destroy?: () => void }).destroy?.();
		}
	}

	private streamTooLong(url: string, itemIndex?: number): NodeApiError {
		return this.failure(
			{ kind: 'timeout', code: 'ETIMEDOUT' },
			`The streamed answer from ${hostOf(url)} did not finish within ${Math.round(this.options.timeoutMs / 1000)} s`,
			'The "Timeout" option covers the whole answer, streamed or not; keep-alive messages do not extend it. Raise "Timeout" for long answers. A stream is not retried once it has started.',
			itemIndex,
		);
	}

	private streamBroken(broken: TransportError, url: string, signal: AbortSignal | undefined, stalled: boolean, itemIndex?: number): NodeApiError {
		const { code } = broken;
		if (signal?.aborted || (code && CANCEL_CODES.has(code))) return this.cancelled(itemIndex);
		if (stalled || isTimeout(code)) {
			return this.failure(
				{ kind: 'timeout', code },
				`The stream from ${hostOf(url)} stalled: nothing came for ${Math.round(this.options.timeoutMs / 1000)} s`,
				'Raise the "Timeout" option, or check that the server is up. A stream is not retried once it has started.',
				itemIndex,
			);
		}
		return this.failure(
			{ kind: 'network', code },
			`The connection to ${hostOf(url)} broke while the answer was streaming (${code ?? 'connection closed'})`,
			'Part of the answer may be missing. Try again; a stream is not retried once it has started.',
			itemIndex,
		);
	}

	/** Each event's data without the credential's secrets: error events and events that are not JSON become messages. */
	private async *redactEvents(events: AsyncGenerator<string>, url: string, itemIndex?: number): AsyncGenerator<string> {
		try {
			for await (const data of events) yield this.redactor.text(data);
		} catch (error) {
			if (!(error instanceof SseLimitError)) throw error as Error;
			throw this.failure(
				{ kind: 'invalid-response' },
				`The stream from ${hostOf(url)} sent an event longer than ${Math.round(error.limitChars / 1_000_000)} million characters`,
				'A chat answer streams as many small events; one this long means the server is not streaming chat completions (check the Base URL) or is broken. The stream was closed.',
				itemIndex,
			);
		} finally {
			await events.return(undefined);
		}
	}

	/** `attemptsMade` > 0 when this request already failed and waits to retry. */
	private throwIfLatched(meta: RequestMeta, attemptsMade: number, itemIndex?: number): void {
		const latched: LatchedFailure | undefined = this.latch.get(meta.model);
		if (!latched) return;
		const info = { ...(latched.info as unknown as FailureInfo), notSent: attemptsMade === 0 };
		throw this.failure(info, latched.message, `${latched.description}${attemptsMade === 0 ? NOT_SENT : NOT_RETRIED}`, itemIndex);
	}

	private finalError(
		outcome: AttemptOutcome,
		response: FullResponse | undefined,
		transportError: TransportError | undefined,
		url: string,
		meta: RequestMeta,
		attempts: number,
		repeatable: boolean,
		itemIndex?: number,
	): NodeApiError {
		const host = hostOf(url);
		// Redact before anything is cut short, or a key straddling the cut would survive in part.
		if (response) response = { ...response, body: this.redactor.body(response.body, response.text) };
		if (outcome.kind === 'network') {
			const code = transportError?.code;
			const text = describeTransportFailure({
				code,
				message: transportError && this.redactor.text(transportError.message),
				host,
				timeoutMs: this.options.timeoutMs,
				attempts,
			});
			return this.failure({ kind: isTimeout(code) ? 'timeout' : 'network', code }, text.message, text.description, itemIndex);
		}
		if (outcome.kind === 'invalid-body') {
			const text = typeof response?.body === 'string' ? response.body : '';
			const html = /^\s*</.test(text);
			const success = (response?.statusCode ?? 0) < 300;
			return this.failure(
				{ kind: 'invalid-response', status: response?.statusCode, message: truncate(text, 200) },
				`The server at ${host} answered ${html ? 'with an HTML page' : 'with a body that is not JSON'} (HTTP ${response?.statusCode})${attempts > 1 ? ` after ${attempts} attempts` : ''}`,
				outcome.truncated
					? 'The answer was cut short (a proxy or the server failed mid-answer). The request may have been processed and billed, so it is retried once at most.'
					: success
						? 'The Base URL seems to point at a web page, not an API. Use the API root, e.g. https://api.mistral.ai/v1.'
						: 'A proxy or the server failed. This is usually temporary; try again or raise "Max Retries".',
				itemIndex,
			);
		}
		const location = response ? headerValue(response.headers, 'location') : undefined;
		const text = describeHttpError({
			status: outcome.status,
			body: response?.body,
			url,
			model: meta.model,
			attempts,
			billed: !repeatable,
			...(meta.resource ? { resource: meta.resource } : {}),
			...(location ? { location: this.redactor.text(location) } : {}),
		});
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

	private failure(info: FailureInfo, message: string, description: string, itemIndex?: number): NodeApiError {
		const cleanMessage = this.redactor.text(message);
		const cleanDescription = this.redactor.text(description);
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
		error.context.mistral = { ...info, message: info.message && this.redactor.text(info.message) };
		return error;
	}
}

export function describeStats(stats: ClientStats): string {
	return `${stats.requests} request(s), ${stats.retries} retried, ${Math.round(stats.retryWaitMs)} ms waited before retries`;
}
