/**
 * A local Mistral-compatible HTTP server for tests and benchmarks (node:http only).
 *
 * Faithful to Mistral's OpenAPI spec (the steering repo's shared/mistral-openapi/openapi-public-doc.yaml, beside the project as ../shared) and to
 * the extra facts in NOTES.md beside it, and never more lenient than the real API:
 *  - Routes exist only under /v1: GET /v1/models, GET /v1/models/{id}, POST /v1/chat/completions,
 *    POST /v1/embeddings, POST /v1/moderations and /v1/chat/moderations (moderation.ts, which also
 *    applies a chat request's guardrails), POST /v1/ocr (ocr.ts), and the Batch and Files API (batch.ts:
 *    /v1/batch/jobs..., /v1/files...); plus GET /signed/{id}, the Files API's signed URLs (no key).
 *    Anything else: 404 {"detail":"Not Found"}; a known path with the wrong method: 405
 *    {"detail":"Method Not Allowed"}.
 *  - Request bodies are validated against the spec's schemas (validation.ts): unknown keys anywhere
 *    (additionalProperties: false), wrong types, out-of-range numbers and bad enum values give 422
 *    {"object":"error","message":{"detail":[...]},"type":"invalid_request_error","param":null,"code":null}.
 *  - Then the checks Mistral's serving layer adds (400s): unknown model, message order, last role,
 *    tool-call / tool-response counts, function names, image URLs, context window, embedding token
 *    limits (8,192 per input, 16,384 per request, counted with Mistral's real tokenizer; tokens.ts),
 *    tool-call ids (9 characters [a-zA-Z0-9], as Mistral requires for the ids of assistant tool calls
 *    and of tool messages).
 *  - `stream: true` answers with server-sent events as Mistral sends them: `data: {chunk}` lines
 *    (role, then content deltas, thinking chunks or the whole tool call, then finish_reason with usage),
 *    ending in `data: [DONE]`; streamChunkDelayMs spaces the events out.
 *
 * Order of processing for a request: read the whole body -> route (404/405) -> auth (401) ->
 * scripted response (FIFO queue; wins over everything below) -> rate limit (429) -> faults (POST
 * routes only) -> latency -> normal handling (422/400/200). Every request is recorded.
 *
 * Latency: latencyMs (or chatLatencyMs / embeddingsLatencyMs for their routes) delays every answer
 * of that route, including errors and faults other than reset/hang; a scripted response's delayMs is
 * added on top of it.
 *
 * Determinism: fault draws come from an sfc32 PRNG seeded with `seed` (default 1); each POST request
 * that reaches the fault stage draws exactly three numbers (fault kind, 5xx code / 429 body shape /
 * bad-body kind), so the sequence of outcomes depends only on the seed and the order of requests.
 * reset() and configure({seed | faults}) restart the sequence. Embeddings (vectors.ts) and the order
 * of `data` (a seeded shuffle of the inputs, never the identity for 2+ inputs) depend only on the
 * request. Chat answers depend only on the request (tool-call ids are 9 characters derived from a
 * counter per server). Given tools and a last message from the user, the model calls the first tool
 * (or the named one) with the user's text in the first property of its schema; once tool messages come
 * back it answers with the user's text and what the tools returned.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';

import { bareCards, contextLength, embeddingDimensions, isChatModel, isEmbeddingModel, mistralCards } from './models';
import type { ModelCard } from './models';
import { countEmbeddingTokens, countTokens, truncateToTokens } from './tokens';
import { ChatCompletionRequest, EmbeddingRequest, validateBody } from './validation';
import type { DetailEntry } from './validation';
import { encodedEmbedding, seededRandom, sfc32 } from './vectors';
import { BatchService, batchRouteMethods } from './batch';
import { AudioService, audioFacts } from './audio';
import { parseMultipart } from './multipart';
import { applyGuardrails, moderateChats, moderateTexts } from './moderation';
import type { ModerationAnswer, ModerationDeps } from './moderation';
import type { BatchServerOptions } from './batch';
import type { EmbeddingDtype } from './vectors';
import { chatDocumentText, handleOcr, type OcrDeps } from './ocr';

export { countEmbeddingTokens, countTokens, truncateToTokens } from './tokens';
export { embeddingFor, embeddingF32, quantize, embeddingValues, encodedEmbedding, toBase64, fromBase64 } from './vectors';
export type { EmbeddingDtype } from './vectors';
export type { DetailEntry } from './validation';
export type { BatchServerOptions } from './batch';
export type { ModelCard, ModelCapabilities } from './models';
export type { AudioService } from './audio';

// ----- public API ----------------------------------------------------------------------------------

export interface FaultMix {
	/** 429 with Retry-After (seconds = retryAfterSeconds, default 1). */
	rate429?: number;
	/** 429 without Retry-After. */
	rate429NoRetryAfter?: number;
	/** 500/502/503 chosen at random, Mistral's body shape. */
	rate5xx?: number;
	/** Destroy the socket without answering (TCP reset). */
	rateReset?: number;
	/** Never answer (until the client gives up or the server closes). */
	rateHang?: number;
	/** Half: 502 with an HTML proxy page; half: 200 with the normal JSON body cut in the middle. */
	rateBadBody?: number;
	retryAfterSeconds?: number;
}

export interface ScriptedResponse {
	path?: '/models' | '/chat/completions' | '/embeddings' | '/batch/jobs' | '/files' | (string & {});
	/** Only requests with this method take it (default: any). */
	method?: 'GET' | 'POST' | 'DELETE';
	status?: number;
	body?: unknown;
	rawBody?: string;
	headers?: Record<string, string>;
	delayMs?: number;
	reset?: boolean;
	hang?: boolean;
}

export interface ServerOptions {
	apiKey?: string | null;
	latencyMs?: number;
	chatLatencyMs?: number;
	embeddingsLatencyMs?: number;
	/** Latency of POST /v1/ocr only (default: latencyMs). */
	ocrLatencyMs?: number;
	models?: 'mistral' | 'bare';
	unknownModelStatus?: 400 | 404;
	faults?: FaultMix;
	seed?: number;
	rateLimitPerSecond?: number;
	embeddingDimension?: number;
	recordBodies?: boolean;
	/** Pause between the events of a streamed answer (default 0). */
	streamChunkDelayMs?: number;
	/** The Batch API's job clock, per-request failures and job fates (test/server/batch.ts). */
	batch?: BatchServerOptions;
	/** false: embeddings answers carry no `usage`, as some OpenAI-compatible servers answer (default true). */
	embeddingsUsage?: boolean;
}

export interface RecordedRequest {
	method: string;
	/** Path without the /v1 prefix and without the query string, e.g. '/embeddings'. A request outside /v1 keeps its path as sent (and got a 404). */
	path: string;
	/** The path as sent (with /v1), without the query string. */
	rawPath: string;
	body: any;
	/** Size of the request body in bytes (also when recordBodies is false). */
	bodyBytes: number;
	authorization?: string;
	status: number;
	startedAt: number;
	endedAt: number;
	/** Embeddings: the server's token count for the whole request (when the inputs were counted). */
	inputTokens?: number;
	/** Embeddings: the number of inputs (when the request passed validation). */
	inputCount?: number;
	/** What the fault injector did to this request, if anything. */
	fault?: '429' | '429-no-retry-after' | '5xx' | 'reset' | 'hang' | 'bad-body-html' | 'bad-body-truncated' | 'rate-limit';
	/** True if a scripted response answered this request. */
	scripted?: boolean;
	/** A multipart request's parts as sent (files by name, content type and size). */
	multipart?: Array<{ name: string; filename?: string; contentType?: string; bytes: number; value?: string }>;
}

export interface MistralTestServer {
	url: string;
	origin: string;
	apiKey: string | null;
	requests: RecordedRequest[];
	maxInFlight: number;
	inFlight: number;
	enqueue(...responses: ScriptedResponse[]): void;
	/** The Batch and Files API state (jobs, their clock). */
	batch: BatchService;
	/** The audio routes' state: recordings the server can "download" by URL, what it transcribed. */
	audio: AudioService;
	configure(options: Partial<ServerOptions>): void;
	reset(): void;
	close(): Promise<void>;
}

// ----- helpers -------------------------------------------------------------------------------------

const MAX_BODY_BYTES = 200 * 1024 * 1024;
const MAX_EMBED_TOKENS_PER_INPUT = 8192;
const MAX_EMBED_TOKENS_PER_REQUEST = 16384;
const MAX_TOOLS = 128;
const EMBEDDING_CACHE_CHARS = 48 * 1024 * 1024;
const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
const FUNCTION_NAME_RE = /^[a-zA-Z0-9_-]{1,64}$/;
const TOOL_CALL_ID_RE = /^[a-zA-Z0-9]{9}$/;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A Mistral-shaped tool-call id (9 characters [a-zA-Z0-9]) for the n-th call of this server. */
function toolCallId(n: number): string {
	let state = (Math.imul(n, 0x9e3779b1) ^ 0x5bd1e995) >>> 0;
	let id = '';
	for (let i = 0; i < 9; i++) {
		state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + i) >>> 0;
		id += ID_ALPHABET[state % ID_ALPHABET.length];
	}
	return id;
}

/** The property of a tool's JSON schema that receives the user's text: the first required one, else the first one, else "query". */
function argumentName(parameters: unknown): string {
	if (!isObject(parameters) || !isObject(parameters.properties)) return 'query';
	const names = Object.keys(parameters.properties);
	const required = Array.isArray(parameters.required) ? parameters.required.filter((name: unknown) => typeof name === 'string' && names.includes(name)) : [];
	return required[0] ?? names[0] ?? 'query';
}

function toolResultText(content: unknown): string {
	if (typeof content === 'string') return content;
	return chunkTexts(content).text;
}
const DATA_URL_RE = /^data:image\/(png|jpeg|gif|webp);base64,/;
const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

interface Outcome {
	status: number;
	headers?: Record<string, string>;
	json?: unknown;
	/** Pre-serialised JSON, sent in pieces (large embedding responses). */
	parts?: string[];
	raw?: string | Buffer;
	reset?: boolean;
	hang?: boolean;
	/** Send the JSON body cut in the middle (status forced to 200). */
	truncate?: boolean;
	inputTokens?: number;
	inputCount?: number;
	/** Server-sent events (each the text after `data: `), sent with streamChunkDelayMs between them. */
	events?: string[];
}

function mistralError(status: number, message: unknown, type: string, code: string | null = null): Outcome {
	return { status, json: { object: 'error', message, type, param: null, code } };
}

function unprocessable(detail: DetailEntry[]): Outcome {
	return mistralError(422, { detail }, 'invalid_request_error');
}

function badRequest(message: string, type = 'invalid_request_error', code: string | null = null): Outcome {
	return mistralError(400, message, type, code);
}

function requestId(): string {
	return randomUUID().replace(/-/g, '');
}

function isObject(value: unknown): value is Record<string, any> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const HTML_502 =
	'<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n' +
	'<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n';

/** Text of a message's content: strings as is, text chunks joined with "\n" (other chunks ignored). */
function chunkTexts(content: unknown): { text: string; images: number } {
	if (typeof content === 'string') return { text: content, images: 0 };
	if (!Array.isArray(content)) return { text: '', images: 0 };
	const texts: string[] = [];
	let images = 0;
	for (const chunk of content) {
		if (!isObject(chunk)) continue;
		if (chunk.type === 'text' || (chunk.type === undefined && typeof chunk.text === 'string')) texts.push(chunk.text);
		else if (chunk.type === 'image_url') images++;
	}
	return { text: texts.join('\n'), images };
}

/** Every piece of text in a message, for prompt_tokens. */
function messageTexts(message: Record<string, any>): string[] {
	const out: string[] = [];
	const content = message.content;
	if (typeof content === 'string') out.push(content);
	else if (Array.isArray(content)) {
		for (const chunk of content) {
			if (chunk.type === 'text') out.push(chunk.text);
			else if (chunk.type === 'thinking') {
				for (const inner of chunk.thinking) if (typeof inner.text === 'string') out.push(inner.text);
			}
		}
	}
	if (Array.isArray(message.tool_calls)) {
		for (const call of message.tool_calls) {
			out.push(call.function.name);
			const args = call.function.arguments;
			out.push(typeof args === 'string' ? args : JSON.stringify(args));
		}
	}
	return out;
}

function shuffledOrder(n: number, seedText: string): number[] {
	const order = Array.from({ length: n }, (_, i) => i);
	if (n < 2) return order;
	const random = seededRandom(seedText);
	for (let i = n - 1; i > 0; i--) {
		const j = Math.floor(random() * (i + 1));
		const t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	let identity = true;
	for (let i = 0; i < n && identity; i++) identity = order[i] === i;
	if (identity) order.push(order.shift() as number);
	return order;
}

type Route = 'models' | 'model' | 'chat' | 'embeddings' | 'batch' | 'moderations' | 'chatModerations' | 'ocr' | 'signed' | 'transcriptions' | 'speech' | 'voices';

// ----- the server ----------------------------------------------------------------------------------

interface Sleeper {
	timer: NodeJS.Timeout;
	resolve: () => void;
}

class MistralServerImpl implements MistralTestServer {
	url = '';
	origin = '';
	requests: RecordedRequest[] = [];
	maxInFlight = 0;
	inFlight = 0;

	private options: ServerOptions;
	private queue: ScriptedResponse[] = [];
	private random: () => number = () => 0;
	private bucket = { tokens: 0, last: 0 };
	private toolCallCounter = 0;
	private closed = false;
	private readonly sockets = new Set<Socket>();
	private readonly sleepers = new Set<Sleeper>();
	/** Serialised embeddings of recent inputs (retries of a batch cost nothing); bounded by total size. */
	private readonly embeddingCache = new Map<string, string>();
	private embeddingCacheChars = 0;
	private readonly server: http.Server;
	readonly batch: BatchService;
	readonly audio: AudioService;

	constructor(options: ServerOptions) {
		this.options = { ...options };
		this.batch = new BatchService({
			options: () => this.options.batch ?? {},
			origin: () => this.origin,
			run: async (endpoint, body) => {
				if (endpoint === '/v1/ocr') {
					const answer = await handleOcr(body, this.ocrDeps());
					return { status: answer.status, body: answer.json };
				}
				if (endpoint === '/v1/audio/transcriptions') {
					const answer = this.audio.transcribeJson(body);
					return { status: answer.status, body: answer.json };
				}
				const outcome: Outcome =
					endpoint === '/v1/chat/completions'
						? this.chat(body)
						: endpoint === '/v1/moderations'
							? moderateTexts(body, this.moderationDeps)
							: endpoint === '/v1/chat/moderations'
								? moderateChats(body, this.moderationDeps)
								: await this.embeddings(body);
				return { status: outcome.status, body: outcome.parts ? JSON.parse(outcome.parts.join('')) : outcome.json };
			},
			checkModel: (model) => (this.findModel(model) ? undefined : this.unknownModel(model)),
		});
		this.audio = new AudioService({
			model: (id) => {
				const card = this.findModel(id);
				// Cards without capabilities (an OpenAI-compatible server) are taken at their word.
				return { exists: card !== undefined, transcription: card?.capabilities?.audio_transcription ?? true, speech: card?.capabilities?.audio_speech ?? true };
			},
			unknownModel: (id) => this.unknownModel(id),
			file: (id) => this.batch.storedFile(id),
		});
		this.reseed();
		this.refillBucket();
		this.server = http.createServer((req, res) => {
			this.handle(req, res).catch((error: unknown) => {
				if (!res.headersSent && !res.destroyed) {
					res.writeHead(500, { 'content-type': 'application/json' });
					res.end(JSON.stringify({ object: 'error', message: `test server bug: ${String(error)}`, type: 'server_error', param: null, code: null }));
				}
			});
		});
		this.server.requestTimeout = 0;
		this.server.headersTimeout = 60_000;
		this.server.on('connection', (socket: Socket) => {
			this.sockets.add(socket);
			socket.on('close', () => this.sockets.delete(socket));
		});
	}

	get apiKey(): string | null {
		return this.options.apiKey === undefined ? 'test-key' : this.options.apiKey;
	}

	async listen(): Promise<void> {
		await new Promise<void>((resolve, reject) => {
			this.server.once('error', reject);
			this.server.listen(0, '127.0.0.1', () => {
				this.server.off('error', reject);
				resolve();
			});
		});
		const address = this.server.address() as AddressInfo;
		this.origin = `http://127.0.0.1:${address.port}`;
		this.url = `${this.origin}/v1`;
	}

	enqueue(...responses: ScriptedResponse[]): void {
		this.queue.push(...responses);
	}

	configure(options: Partial<ServerOptions>): void {
		const merged: Record<string, unknown> = { ...this.options };
		for (const [key, value] of Object.entries(options)) {
			if (value === undefined) delete merged[key];
			else merged[key] = value;
		}
		this.options = merged as ServerOptions;
		if ('seed' in options || 'faults' in options) this.reseed();
		if ('rateLimitPerSecond' in options) this.refillBucket();
	}

	reset(): void {
		this.requests.length = 0;
		this.maxInFlight = this.inFlight;
		this.queue.length = 0;
		this.toolCallCounter = 0;
		this.batch.reset();
		this.audio.reset();
		this.reseed();
		this.refillBucket();
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		for (const sleeper of [...this.sleepers]) sleeper.resolve();
		this.sleepers.clear();
		this.embeddingCache.clear();
		this.embeddingCacheChars = 0;
		const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
		this.server.closeAllConnections();
		for (const socket of this.sockets) socket.destroy();
		await closing;
	}

	// ----- internals ---------------------------------------------------------------------------------

	private reseed(): void {
		const seed = (this.options.seed ?? 1) >>> 0;
		const next = sfc32(0x9e3779b9, seed, 0x243f6a88 ^ seed, 0xb7e15162);
		for (let i = 0; i < 12; i++) next();
		this.random = () => next() / 4294967296;
	}

	private refillBucket(): void {
		this.bucket = { tokens: Math.max(1, this.options.rateLimitPerSecond ?? 0), last: Date.now() };
	}

	/** null if allowed, else the Retry-After in whole seconds (>= 1). */
	private takeRateToken(): number | null {
		const rate = this.options.rateLimitPerSecond;
		if (!rate || rate <= 0) return null;
		const capacity = Math.max(1, rate);
		const now = Date.now();
		this.bucket.tokens = Math.min(capacity, this.bucket.tokens + ((now - this.bucket.last) / 1000) * rate);
		this.bucket.last = now;
		if (this.bucket.tokens >= 1) {
			this.bucket.tokens -= 1;
			return null;
		}
		return Math.max(1, Math.ceil((1 - this.bucket.tokens) / rate));
	}

	/** Waits `ms`, or less if the server closes or the client goes away (`res` closes) meanwhile. */
	private sleep(ms: number, res?: http.ServerResponse): Promise<void> {
		if (ms <= 0 || this.closed || res?.destroyed) return Promise.resolve();
		return new Promise<void>((resolve) => {
			const wake = () => {
				clearTimeout(sleeper.timer);
				this.sleepers.delete(sleeper);
				res?.off('close', wake);
				resolve();
			};
			const sleeper: Sleeper = { timer: setTimeout(wake, ms), resolve: wake };
			this.sleepers.add(sleeper);
			res?.once('close', wake);
		});
	}

	private cards(): ModelCard[] {
		return this.options.models === 'bare' ? bareCards() : mistralCards();
	}

	private findModel(id: string): ModelCard | undefined {
		return this.cards().find((card) => card.id === id);
	}

	private readonly moderationDeps: ModerationDeps = {
		findModel: (id) => this.findModel(id),
		unknownModel: (id) => this.unknownModel(id) as ModerationAnswer,
		unprocessable: (detail) => unprocessable(detail) as ModerationAnswer,
		badRequest: (message, type, code) => badRequest(message, type, code) as ModerationAnswer,
	};

	private unknownModel(model: string): Outcome {
		if (this.options.unknownModelStatus === 404) {
			return mistralError(404, `Model ${model} not found`, 'invalid_model', '1500');
		}
		return mistralError(400, `Invalid model: ${model}`, 'invalid_model', '1500');
	}

	private ocrDeps(): OcrDeps {
		return {
			findModel: (id) => {
				const card = this.findModel(id);
				return card && { id: card.id, capabilities: card.capabilities ? { ...card.capabilities } : undefined };
			},
			unknownModel: (id) => {
				const outcome = this.unknownModel(id);
				return { status: outcome.status, json: outcome.json };
			},
			storedFile: (id) => this.batch.storedFile(id),
			signedFile: (url) => this.batch.signedFile(url),
		};
	}

	private latencyFor(route: Route | null): number {
		if (route === 'ocr' && this.options.ocrLatencyMs !== undefined) return this.options.ocrLatencyMs;
		if (route === 'chat' && this.options.chatLatencyMs !== undefined) return this.options.chatLatencyMs;
		if (route === 'embeddings' && this.options.embeddingsLatencyMs !== undefined) return this.options.embeddingsLatencyMs;
		return this.options.latencyMs ?? 0;
	}

	private readBody(req: http.IncomingMessage): Promise<{ buffer: Buffer; size: number; tooLarge: boolean; aborted: boolean }> {
		return new Promise((resolve) => {
			const chunks: Buffer[] = [];
			let size = 0;
			let tooLarge = false;
			let settled = false;
			const finish = (aborted: boolean) => {
				if (settled) return;
				settled = true;
				resolve({ buffer: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks, size), size, tooLarge, aborted });
			};
			req.on('data', (chunk: Buffer) => {
				size += chunk.length;
				if (size > MAX_BODY_BYTES) {
					tooLarge = true;
					chunks.length = 0;
				}
				if (!tooLarge) chunks.push(chunk);
			});
			req.on('end', () => finish(false));
			req.on('error', () => finish(true));
			req.on('close', () => finish(!req.complete));
		});
	}

	private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
		const method = req.method ?? 'GET';
		const rawUrl = req.url ?? '/';
		const query = rawUrl.indexOf('?');
		const rawPath = query >= 0 ? rawUrl.slice(0, query) : rawUrl;
		const underV1 = rawPath === '/v1' || rawPath.startsWith('/v1/');
		const path = underV1 ? rawPath.slice(3) || '/' : rawPath;
		const record: RecordedRequest = {
			method,
			path,
			rawPath,
			body: undefined,
			bodyBytes: 0,
			authorization: req.headers.authorization,
			status: 0,
			startedAt: Date.now(),
			endedAt: 0,
		};
		this.requests.push(record);
		this.inFlight++;
		if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
		let finished = false;
		res.on('error', () => undefined);
		res.on('close', () => {
			if (finished) return;
			finished = true;
			this.inFlight--;
			record.endedAt = Date.now();
		});

		const { buffer, size, tooLarge, aborted } = await this.readBody(req);
		record.bodyBytes = size;
		if (aborted || this.closed) return;

		// Parse once; what the handlers validate is exactly what is recorded.
		let parsed: unknown;
		let parseError: Outcome | undefined;
		// As sent: a multipart boundary is case-sensitive.
		const contentType = String(req.headers['content-type'] ?? '');
		if (tooLarge) {
			parseError = mistralError(413, 'Request body too large', 'invalid_request_error');
		} else if (size === 0) {
			parseError = unprocessable([{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }]);
		} else if (contentType.toLowerCase().startsWith('multipart/form-data') && path === '/audio/transcriptions') {
			// Read by the route (test/server/audio.ts); recorded as its fields, the file by name, type and size.
			const fields = parseMultipart(buffer, contentType);
			if (fields && this.options.recordBodies !== false) {
				record.body = Object.fromEntries(
					fields.map((field) => [
						field.name,
						field.filename !== undefined ? { filename: field.filename, contentType: field.contentType, bytes: field.data.length } : field.data.toString('utf8'),
					]),
				);
				record.multipart = fields.map((field) => ({ name: field.name, filename: field.filename, contentType: field.contentType, bytes: field.data.length, value: field.filename === undefined ? field.data.toString('utf8') : undefined }));
			}
		} else if (contentType !== '' && !contentType.toLowerCase().includes('json')) {
			const text = buffer.toString('utf8');
			parseError = unprocessable([
				{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: text.length > 1000 ? `${text.slice(0, 1000)}...` : text },
			]);
		} else {
			const text = buffer.toString('utf8');
			try {
				parsed = JSON.parse(text);
				if (this.options.recordBodies !== false) record.body = parsed;
			} catch (error) {
				const match = /position (\d+)/.exec(String((error as Error).message));
				parseError = unprocessable([
					{ type: 'json_invalid', loc: ['body', match ? Number(match[1]) : 0], msg: 'JSON decode error', input: {}, ctx: { error: (error as Error).message } },
				]);
			}
		}

		// Routing.
		let route: Route | null = null;
		let allowed = '';
		if (underV1) {
			if (path === '/models') (route = 'models'), (allowed = 'GET');
			else if (/^\/models\/[^/]+$/.test(path)) (route = 'model'), (allowed = 'GET');
			else if (path === '/chat/completions') (route = 'chat'), (allowed = 'POST');
			else if (path === '/embeddings') (route = 'embeddings'), (allowed = 'POST');
			else if (path === '/moderations') (route = 'moderations'), (allowed = 'POST');
			else if (path === '/chat/moderations') (route = 'chatModerations'), (allowed = 'POST');
			else if (path === '/ocr') (route = 'ocr'), (allowed = 'POST');
			else if (batchRouteMethods(path)) (route = 'batch'), (allowed = batchRouteMethods(path)!.join(', '));
			else if (path === '/audio/transcriptions') (route = 'transcriptions'), (allowed = 'POST');
			else if (path === '/audio/speech') (route = 'speech'), (allowed = 'POST');
			else if (path === '/audio/voices') (route = 'voices'), (allowed = 'GET');
		} else if (/^\/signed\/[^/]+$/.test(path)) (route = 'signed'), (allowed = 'GET');
		if (route === null) return this.send(res, record, { status: 404, json: { detail: 'Not Found' } });
		if (!allowed.split(', ').includes(method)) return this.send(res, record, { status: 405, json: { detail: 'Method Not Allowed' }, headers: { allow: allowed } });

		if (route === 'signed') {
			const bytes = this.batch.signedFile(`${this.origin}${rawUrl}`);
			return this.send(res, record, bytes ? { status: 200, raw: bytes, headers: { 'content-type': 'application/octet-stream' } } : { status: 403, json: { detail: 'Invalid or expired signature' } });
		}

		// Authentication.
		const key = this.apiKey;
		if (key !== null) {
			const header = req.headers.authorization ?? '';
			const match = /^Bearer\s+(.+)$/i.exec(header);
			if (!match || match[1].trim() !== key) {
				await this.sleep(this.latencyFor(route), res);
				return this.send(res, record, { status: 401, json: { message: 'Unauthorized', request_id: requestId() } });
			}
		}

		// Scripted responses.
		const scriptIndex = this.queue.findIndex((s) => (s.path === undefined || s.path === path) && (s.method === undefined || s.method === method));
		if (scriptIndex >= 0) {
			const [script] = this.queue.splice(scriptIndex, 1);
			record.scripted = true;
			await this.sleep(this.latencyFor(route) + (script.delayMs ?? 0), res);
			if (this.closed || res.destroyed) return;
			if (script.reset) return this.resetSocket(req, record);
			if (script.hang) return;
			const outcome: Outcome = { status: script.status ?? 200, headers: { ...script.headers } };
			if (script.rawBody !== undefined) outcome.raw = script.rawBody;
			else if (script.body !== undefined) outcome.json = script.body;
			else outcome.raw = '';
			return this.send(res, record, outcome);
		}

		// Rate limit.
		const retryAfter = this.takeRateToken();
		if (retryAfter !== null) {
			record.fault = 'rate-limit';
			await this.sleep(this.latencyFor(route), res);
			return this.send(res, record, {
				status: 429,
				json: { message: 'Requests rate limit exceeded' },
				headers: { 'retry-after': String(retryAfter) },
			});
		}

		// Faults (POST routes only).
		let truncate = false;
		if (method === 'POST') {
			const faults = this.options.faults ?? {};
			const u = this.random();
			const pick = this.random();
			this.random(); // reserved third draw: keeps the sequence aligned if a fault kind gains a choice
			let edge = 0;
			const hit = (rate: number | undefined) => u < (edge += Math.max(0, rate ?? 0));
			if (hit(faults.rate429)) {
				record.fault = '429';
				await this.sleep(this.latencyFor(route), res);
				const body =
					pick < 0.5
						? { message: 'Requests rate limit exceeded' }
						: { object: 'error', message: 'Rate limit exceeded', type: 'rate_limited', param: null, code: '1300' };
				return this.send(res, record, { status: 429, json: body, headers: { 'retry-after': String(faults.retryAfterSeconds ?? 1) } });
			}
			if (hit(faults.rate429NoRetryAfter)) {
				record.fault = '429-no-retry-after';
				await this.sleep(this.latencyFor(route), res);
				return this.send(res, record, mistralError(429, 'Rate limit exceeded', 'rate_limited', '1300'));
			}
			if (hit(faults.rate5xx)) {
				record.fault = '5xx';
				await this.sleep(this.latencyFor(route), res);
				const status = [500, 502, 503][Math.min(2, Math.floor(pick * 3))];
				const message = status === 500 ? 'Internal server error' : status === 502 ? 'Bad gateway' : 'Service unavailable';
				return this.send(res, record, mistralError(status, message, 'server_error'));
			}
			if (hit(faults.rateReset)) {
				record.fault = 'reset';
				await this.sleep(this.latencyFor(route), res);
				return this.resetSocket(req, record);
			}
			if (hit(faults.rateHang)) {
				record.fault = 'hang';
				return;
			}
			if (hit(faults.rateBadBody)) {
				if (pick < 0.5) {
					record.fault = 'bad-body-html';
					await this.sleep(this.latencyFor(route), res);
					return this.send(res, record, { status: 502, raw: HTML_502, headers: { 'content-type': 'text/html' } });
				}
				record.fault = 'bad-body-truncated';
				truncate = true;
			}
		}

		await this.sleep(this.latencyFor(route), res);
		if (this.closed || res.destroyed) return;

		let outcome: Outcome;
		if (route === 'models') outcome = { status: 200, json: { object: 'list', data: this.cards() } };
		else if (route === 'model') {
			const id = decodeURIComponent(path.slice('/models/'.length));
			const card = this.findModel(id);
			outcome = card ? { status: 200, json: card } : mistralError(404, `Model ${id} not found`, 'invalid_model', '1500');
		} else if (route === 'batch') {
			const search = new URLSearchParams(query >= 0 ? rawUrl.slice(query + 1) : '');
			outcome = await this.batch.handle({ method, path, query: search, parsed, parseError, buffer, contentType });
		} else if (route === 'transcriptions') {
			outcome = parseError && size === 0 ? parseError : this.audio.transcribeForm(parseMultipart(buffer, contentType));
		} else if (route === 'voices') {
			outcome = this.audio.voices(new URLSearchParams(query >= 0 ? rawUrl.slice(query + 1) : ''));
		} else if (parseError) outcome = parseError;
		else if (route === 'speech') outcome = this.audio.speech(parsed);
		else if (route === 'chat') outcome = this.chat(parsed);
		else if (route === 'moderations') outcome = moderateTexts(parsed, this.moderationDeps);
		else if (route === 'chatModerations') outcome = moderateChats(parsed, this.moderationDeps);
		else if (route === 'ocr') {
			const answer = await handleOcr(parsed, this.ocrDeps());
			outcome = { status: answer.status, json: answer.json };
		}
		else outcome = await this.embeddings(parsed);

		if (outcome.inputTokens !== undefined) record.inputTokens = outcome.inputTokens;
		if (outcome.inputCount !== undefined) record.inputCount = outcome.inputCount;
		if (truncate) outcome.truncate = true;
		return this.send(res, record, outcome);
	}

	private resetSocket(req: http.IncomingMessage, record: RecordedRequest): void {
		record.status = 0;
		const socket = req.socket;
		if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
		else socket.destroy();
	}

	/** A truncated stream stops halfway, without [DONE], as a dropped connection would leave it. */
	private async sendEvents(res: http.ServerResponse, record: RecordedRequest, outcome: Outcome): Promise<void> {
		record.status = outcome.status;
		res.writeHead(outcome.status, { 'x-request-id': requestId(), 'cache-control': 'no-cache', ...outcome.headers });
		const all = outcome.events ?? [];
		const events = outcome.truncate ? all.slice(0, Math.max(1, Math.floor(all.length / 2))) : [...all, '[DONE]'];
		for (const [index, event] of events.entries()) {
			if (index > 0) await this.sleep(this.options.streamChunkDelayMs ?? 0, res);
			if (res.destroyed || this.closed) return;
			res.write(`data: ${event}\n\n`);
		}
		res.end();
	}

	private send(res: http.ServerResponse, record: RecordedRequest, outcome: Outcome): void {
		if (res.destroyed || res.headersSent || this.closed) return;
		if (outcome.reset || outcome.hang) return;
		if (outcome.events) {
			void this.sendEvents(res, record, outcome);
			return;
		}
		let payload: string | Buffer | string[];
		const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': requestId() };
		if (outcome.raw !== undefined) payload = outcome.raw;
		else if (outcome.parts) payload = outcome.parts;
		else payload = outcome.json === undefined ? '' : JSON.stringify(outcome.json);
		let status = outcome.status;
		if (outcome.truncate) {
			const whole = Array.isArray(payload) ? payload.join('') : payload;
			payload = whole.slice(0, Math.max(1, Math.floor(whole.length / 2)));
			status = 200;
		}
		for (const [name, value] of Object.entries(outcome.headers ?? {})) headers[name.toLowerCase()] = value;
		const pieces = Array.isArray(payload) ? payload : [payload];
		let length = 0;
		for (const piece of pieces) length += Buffer.byteLength(piece);
		headers['content-length'] = String(length);
		record.status = status;
		res.writeHead(status, headers);
		for (const piece of pieces) if (piece.length > 0) res.write(piece);
		res.end();
	}

	// ----- chat completions --------------------------------------------------------------------------

	private chat(body: any): Outcome {
		const errors = validateBody(body, ChatCompletionRequest);
		if (errors.length === 0) {
			const format = body.response_format;
			if (isObject(format) && format.type === 'json_schema' && (format.json_schema === undefined || format.json_schema === null)) {
				errors.push({ type: 'missing', loc: ['body', 'response_format', 'json_schema'], msg: 'Field required', input: format });
			}
		}
		if (errors.length > 0) return unprocessable(errors);

		const card = this.findModel(body.model);
		if (!card) return this.unknownModel(body.model);
		if (!isChatModel(card)) return mistralError(400, `Invalid model: ${body.model}`, 'invalid_model', '1500');

		const messages: Array<Record<string, any>> = body.messages;
		const orderError = checkMessageOrder(messages);
		if (orderError) return orderError;
		const idError = checkToolCallIds(messages);
		if (idError) return idError;
		// Guardrails moderate the input before the model sees it (moderation.ts).
		const guardrail = applyGuardrails(body.guardrails, messages);
		if (guardrail.blocked) return { status: 403, json: guardrail.body };

		// Tools.
		const tools: Array<Record<string, any>> = body.tools ?? [];
		if (tools.length > MAX_TOOLS) return badRequest(`Too many tools: ${tools.length} given, at most ${MAX_TOOLS} are allowed`);
		const functionNames: string[] = [];
		const argumentNames = new Map<string, string>();
		for (const tool of tools) {
			if (tool.type !== 'function') continue;
			const name: string = tool.function.name;
			if (!FUNCTION_NAME_RE.test(name)) {
				return badRequest(
					`Function name was ${name} but must be a-z, A-Z, 0-9, or contain underscores and dashes, with a maximum length of 64`,
				);
			}
			functionNames.push(name);
			argumentNames.set(name, argumentName(tool.function.parameters));
		}
		const toolChoice = body.tool_choice ?? 'auto';
		if (isObject(toolChoice) && !functionNames.includes(toolChoice.function.name)) {
			return badRequest(`Tool choice function '${toolChoice.function.name}' is not one of the functions in tools`);
		}

		// Images.
		let imageCount = 0;
		for (let i = 0; i < messages.length; i++) {
			const content = messages[i].content;
			if (!Array.isArray(content)) continue;
			for (const chunk of content) {
				if (chunk.type !== 'image_url') continue;
				imageCount++;
				const url: string = typeof chunk.image_url === 'string' ? chunk.image_url : chunk.image_url.url;
				const problem = checkImageUrl(url);
				if (problem) return badRequest(`Invalid image in message ${i}: ${problem}`, 'invalid_request_error', '3051');
			}
		}
		if (imageCount > 0 && card.capabilities && !card.capabilities.vision) {
			return badRequest(`Model ${card.id} does not support image input`, 'invalid_request_error', '3051');
		}

		// Documents (document_url and file chunks): read, so the answer can name what it got.
		const documentTexts: string[] = [];
		// Audio (input_audio: base64 of the recording, or a URL the server downloads).
		const heard: string[] = [];
		for (let i = 0; i < messages.length; i++) {
			const content = messages[i].content;
			if (!Array.isArray(content)) continue;
			for (const chunk of content) {
				if (chunk.type === 'document_url' || chunk.type === 'file') {
					const read = chatDocumentText(chunk, this.ocrDeps());
					if ('problem' in read) return badRequest(`Invalid document in message ${i}: ${read.problem}`, 'invalid_request_error', '3051');
					documentTexts.push(read.text);
					continue;
				}
				if (chunk.type !== 'input_audio') continue;
				const value: string = chunk.input_audio;
				let bytes: Buffer | undefined;
				if (/^https?:\/\//i.test(value)) {
					bytes = this.audio.hostedAudio.get(value);
					if (!bytes) return badRequest(`Failed to download the audio in message ${i} from ${value}`);
				} else if (value.length > 0 && value.length % 4 === 0 && BASE64_RE.test(value)) bytes = Buffer.from(value, 'base64');
				else return badRequest(`Invalid audio in message ${i}: input_audio must be base64-encoded audio or an http(s) URL`, 'invalid_request_error', '3051');
				const facts = audioFacts(bytes);
				if (!facts) return badRequest(`Invalid audio in message ${i}: the data could not be decoded as audio`, 'invalid_request_error', '3051');
				heard.push(`${facts.format} ${facts.durationSeconds.toFixed(2)} s`);
			}
		}
		if (documentTexts.length > 0 && card.capabilities && !card.capabilities.vision) {
			return badRequest(`Model ${card.id} does not support document input`, 'invalid_request_error', '3051');
		}
		if (heard.length > 0 && card.capabilities && !card.capabilities.audio) {
			return badRequest(`Model ${card.id} does not support audio input`, 'invalid_request_error', '3051');
		}

		// Context window.
		let promptTokens = 0;
		for (const message of messages) for (const text of messageTexts(message)) promptTokens += countTokens(text);
		const maxTokens: number | null = body.max_tokens ?? null;
		const context = contextLength(card);
		if (promptTokens + (maxTokens ?? 0) > context) {
			return badRequest(
				`Prompt contains ${promptTokens} tokens and ${maxTokens ?? 0} draft tokens, too large for model with ${context} maximum context length`,
				'invalid_request_error',
				'3051',
			);
		}

		// The answer.
		let lastUser: Record<string, any> | undefined;
		for (let i = messages.length - 1; i >= 0 && !lastUser; i--) if (messages[i].role === 'user') lastUser = messages[i];
		let text = '';
		if (lastUser) {
			const { text: joined, images } = chunkTexts(lastUser.content);
			text = Array.isArray(lastUser.content) && images > 0 ? `${joined} [images: ${images}]` : joined;
			if (documentTexts.length > 0) text = `${text} [documents: ${documentTexts.join(' / ')}]`;
			if (heard.length > 0) text = `${text} [audio: ${heard.join('; ')}]`;
		}
		const lastRole = messages[messages.length - 1].role;
		// What the tools answered since the assistant last called them.
		const toolResults: string[] = [];
		for (let i = messages.length - 1; i >= 0 && messages[i].role === 'tool'; i--) toolResults.unshift(toolResultText(messages[i].content));
		const useTools =
			functionNames.length > 0 &&
			toolChoice !== 'none' &&
			!(lastRole === 'tool' && toolChoice === 'auto');
		const toolName = isObject(toolChoice) ? (toolChoice.function.name as string) : functionNames[0];
		const format = isObject(body.response_format) ? body.response_format.type : 'text';
		const json = format === 'json_object' || format === 'json_schema';
		const reasoning = body.prompt_mode === 'reasoning' || String(body.model).startsWith('magistral');
		const n: number = body.n ?? 1;

		const choices: unknown[] = [];
		let completionTokens = 0;
		for (let i = 0; i < n; i++) {
			const suffix = i > 0 ? ` #${i}` : '';
			if (useTools) {
				const args = JSON.stringify({ [argumentNames.get(toolName) ?? 'query']: text });
				completionTokens += countTokens(toolName) + countTokens(args);
				choices.push({
					index: i,
					message: {
						role: 'assistant',
						content: '',
						tool_calls: [{ id: toolCallId(++this.toolCallCounter), type: 'function', function: { name: toolName, arguments: args }, index: 0 }],
					},
					finish_reason: 'tool_calls',
				});
				continue;
			}
			let answer = json
				? text.includes('[invalid-json]')
					? '{"echo": unterminated'
					: JSON.stringify({ echo: `${text}${suffix}` })
				: `Echo: ${text}${toolResults.length > 0 ? ` (tool result: ${toolResults.join('; ')})` : ''}${suffix}`;
			let finish = text.includes('[length]') ? 'length' : 'stop';
			const thinking = `Thinking about: ${text}`;
			const budget = maxTokens === null ? Infinity : maxTokens - (reasoning ? countTokens(thinking) : 0);
			if (countTokens(answer) > budget) {
				answer = truncateToTokens(answer, Math.max(0, budget));
				finish = 'length';
			}
			completionTokens += countTokens(answer) + (reasoning ? countTokens(thinking) : 0);
			const content = reasoning
				? [
						{ type: 'thinking', thinking: [{ type: 'text', text: thinking }] },
						{ type: 'text', text: answer },
					]
				: answer;
			choices.push({ index: i, message: { role: 'assistant', content, tool_calls: null }, finish_reason: finish });
		}

		const response = {
			id: requestId(),
			object: 'chat.completion',
			model: body.model,
			usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
			created: Math.floor(Date.now() / 1000),
			choices,
		};
		if (body.stream === true) return { status: 200, events: streamEvents(response), headers: { 'content-type': 'text/event-stream' } };
		return { status: 200, json: response };
	}

	// ----- embeddings --------------------------------------------------------------------------------

	private cachedEmbedding(text: string, model: string, dimension: number, dtype: EmbeddingDtype, base64: boolean): string {
		const key = `${model}\u0000${dimension}\u0000${dtype}\u0000${base64 ? 'b' : 'f'}\u0000${text}`;
		const hit = this.embeddingCache.get(key);
		if (hit !== undefined) return hit;
		const encoded = encodedEmbedding(text, model, dimension, dtype, base64);
		this.embeddingCache.set(key, encoded);
		this.embeddingCacheChars += encoded.length + key.length;
		while (this.embeddingCacheChars > EMBEDDING_CACHE_CHARS) {
			const oldest = this.embeddingCache.entries().next().value as [string, string];
			this.embeddingCache.delete(oldest[0]);
			this.embeddingCacheChars -= oldest[0].length + oldest[1].length;
		}
		return encoded;
	}

	private async embeddings(body: any): Promise<Outcome> {
		const errors = validateBody(body, EmbeddingRequest);
		if (errors.length > 0) return unprocessable(errors);
		const model: string = body.model;
		const card = this.findModel(model);
		if (!card) return this.unknownModel(model);
		if (!isEmbeddingModel(card)) return mistralError(400, `Invalid model: ${model}`, 'invalid_model', '1500');

		const inputs: string[] = typeof body.input === 'string' ? [body.input] : body.input;
		for (let i = 0; i < inputs.length; i++) {
			if (inputs[i].length === 0) return badRequest(`Input at index ${i} is empty`, 'invalid_request_error', '3210');
		}
		let total = 0;
		for (let i = 0; i < inputs.length; i++) {
			const tokens = countEmbeddingTokens(inputs[i], model);
			if (tokens > MAX_EMBED_TOKENS_PER_INPUT) {
				return {
					...badRequest(
						`Input at index ${i} has ${tokens} tokens, exceeding the maximum of ${MAX_EMBED_TOKENS_PER_INPUT} tokens per input.`,
						'invalid_request_error',
						'3210',
					),
					inputCount: inputs.length,
				};
			}
			total += tokens;
		}
		if (total > MAX_EMBED_TOKENS_PER_REQUEST) {
			return {
				...badRequest('Too many tokens overall, split into more batches.', 'invalid_request_error', '3210'),
				inputTokens: total,
				inputCount: inputs.length,
			};
		}

		const dims = embeddingDimensions(model);
		const defaultDimension = this.options.embeddingDimension ?? dims.default;
		const maxDimension = Math.max(dims.max, defaultDimension);
		const dimension: number = body.output_dimension ?? defaultDimension;
		if (dimension > maxDimension) {
			return badRequest(
				`output_dimension ${dimension} is not supported by model ${model}: the maximum is ${maxDimension}`,
				'invalid_request_error',
				'3210',
			);
		}
		const dtype: EmbeddingDtype = body.output_dtype ?? 'float';
		const base64 = body.encoding_format === 'base64';

		const order = shuffledOrder(inputs.length, `${this.options.seed ?? 1}\u0000${inputs.length}\u0000${inputs[0]}\u0000${inputs[inputs.length - 1]}`);
		const parts: string[] = [`{"id":"${requestId()}","object":"list","data":[`];
		let piece = '';
		for (let k = 0; k < order.length; k++) {
			const index = order[k];
			const encoded = this.cachedEmbedding(inputs[index], model, dimension, dtype, base64);
			piece += `${k > 0 ? ',' : ''}{"object":"embedding","embedding":${encoded},"index":${index}}`;
			if (piece.length > 1 << 20) {
				parts.push(piece);
				piece = '';
			}
			// Let other requests progress during very large batches.
			if ((k & 255) === 255) await new Promise<void>((resolve) => setImmediate(resolve));
		}
		const usage = this.options.embeddingsUsage === false ? '' : `,"usage":{"prompt_tokens":${total},"total_tokens":${total},"completion_tokens":0}`;
		parts.push(`${piece}],"model":${JSON.stringify(model)}${usage}}`);
		return { status: 200, parts, inputTokens: total, inputCount: inputs.length };
	}
}

/** Mistral's serving layer accepts only its own tool-call id shape, in assistant tool calls and in tool messages. */
function checkToolCallIds(messages: Array<Record<string, any>>): Outcome | undefined {
	for (const message of messages) {
		const ids: unknown[] = [];
		if (message.role === 'assistant' && Array.isArray(message.tool_calls)) for (const call of message.tool_calls) if (call.id !== undefined) ids.push(call.id);
		if (message.role === 'tool') ids.push(message.tool_call_id);
		for (const id of ids) {
			if (typeof id !== 'string' || !TOOL_CALL_ID_RE.test(id)) {
				return badRequest(`Tool call id was ${String(id)} but must be a-z, A-Z, 0-9, with a length of 9.`);
			}
		}
	}
	return undefined;
}

/**
 * A chat completion as the events Mistral streams: the role, then the content in small deltas
 * (thinking chunks first for reasoning models; a tool call whole, in one delta), then a last event
 * per choice with its finish_reason; the usage rides on the very last event.
 */
function streamEvents(response: { id: string; model: string; created: number; usage: unknown; choices: any[] }): string[] {
	const events: string[] = [];
	const chunk = (choice: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
		JSON.stringify({ id: response.id, object: 'chat.completion.chunk', created: response.created, model: response.model, choices: [choice], ...extra });
	for (const [position, choice] of response.choices.entries()) {
		const index: number = choice.index;
		const message = choice.message;
		events.push(chunk({ index, delta: { role: 'assistant', content: '' }, finish_reason: null }));
		if (Array.isArray(message.tool_calls)) {
			events.push(chunk({ index, delta: { content: '', tool_calls: message.tool_calls }, finish_reason: null }));
		}
		const parts: Array<{ thinking?: string; text?: string }> = [];
		if (typeof message.content === 'string') parts.push({ text: message.content });
		else if (Array.isArray(message.content)) {
			for (const part of message.content) {
				if (part.type === 'thinking') parts.push({ thinking: part.thinking.map((inner: { text: string }) => inner.text).join('') });
				else if (part.type === 'text') parts.push({ text: part.text });
			}
		}
		for (const part of parts) {
			const text = part.thinking ?? part.text ?? '';
			for (const piece of text.match(/\S+\s*|\s+/g) ?? []) {
				const content = part.thinking !== undefined ? [{ type: 'thinking', thinking: [{ type: 'text', text: piece }] }] : piece;
				events.push(chunk({ index, delta: { content }, finish_reason: null }));
			}
		}
		const last = position === response.choices.length - 1;
		events.push(chunk({ index, delta: { content: '' }, finish_reason: choice.finish_reason }, last ? { usage: response.usage } : {}));
	}
	return events;
}

/** Message-order rules of Mistral's serving layer (400s, code 3230). */
function checkMessageOrder(messages: Array<Record<string, any>>): Outcome | undefined {
	const orderError = (message: string) => badRequest(message, 'invalid_request_message_order', '3230');
	if (messages.length === 0) return orderError('Expected last role User or Tool (or Assistant with prefix True) for serving but got no messages');
	for (let i = 0; i < messages.length; i++) {
		const role = messages[i].role;
		const previous = i > 0 ? messages[i - 1].role : undefined;
		if (role === 'tool' && previous !== 'assistant' && previous !== 'tool') {
			return orderError(previous === undefined ? "Unexpected role 'tool' at the start of the conversation" : `Unexpected role 'tool' after role '${previous}'`);
		}
		if (role === 'user' && previous === 'tool') return orderError("Unexpected role 'user' after role 'tool'");
	}
	const last = messages[messages.length - 1];
	if (!(last.role === 'user' || last.role === 'tool' || (last.role === 'assistant' && last.prefix === true))) {
		return orderError(`Expected last role User or Tool (or Assistant with prefix True) for serving but got ${last.role}`);
	}
	for (let i = 0; i < messages.length; i++) {
		const message = messages[i];
		if (message.role !== 'assistant') continue;
		const calls = Array.isArray(message.tool_calls) ? message.tool_calls.length : 0;
		const content = message.content;
		const noContent = content === undefined || content === null || (Array.isArray(content) && content.length === 0);
		if (noContent && calls === 0 && message.prefix !== true) {
			return badRequest('Assistant message must have either content or tool_calls, but not none.');
		}
		let responses = 0;
		for (let j = i + 1; j < messages.length && messages[j].role === 'tool'; j++) responses++;
		if (calls !== responses && !(i === messages.length - 1 && message.prefix === true)) {
			return badRequest('Not the same number of function calls and responses');
		}
	}
	return undefined;
}

function checkImageUrl(url: string): string | undefined {
	if (url.startsWith('data:')) {
		const match = DATA_URL_RE.exec(url);
		if (!match) return 'a data URL must start with data:image/(png|jpeg|gif|webp);base64,';
		const payload = url.slice(match[0].length);
		if (payload.length === 0 || payload.length % 4 !== 0 || !BASE64_RE.test(payload)) return 'the data URL does not hold valid base64';
		const padding = payload.endsWith('==') ? 2 : payload.endsWith('=') ? 1 : 0;
		const bytes = (payload.length / 4) * 3 - padding;
		if (bytes > MAX_IMAGE_BYTES) return `the image has ${bytes} bytes, more than the maximum of ${MAX_IMAGE_BYTES}`;
		return undefined;
	}
	if (!/^https?:\/\/[^\s/]+/i.test(url)) return 'image_url must be an http(s) URL or a data:image/...;base64 URL';
	return undefined;
}

export async function startMistralServer(options: ServerOptions = {}): Promise<MistralTestServer> {
	const server = new MistralServerImpl(options);
	await server.listen();
	return server;
}
