/**
 * The Batch API and the Files API of the local Mistral-compatible server, per Mistral's spec
 * (CreateBatchJobRequest, BatchJob, BatchRequest, FileSchema):
 *  - POST /v1/batch/jobs (inline `requests`, at most 10,000, or `input_files` of JSONL), GET /v1/batch/jobs
 *    (filters: created_after, created_by_me, model, status, metadata as JSON; pages; order_by),
 *    GET /v1/batch/jobs/{id} (`?inline=true` adds `outputs`), DELETE /v1/batch/jobs/{id},
 *    POST /v1/batch/jobs/{id}/cancel;
 *  - POST /v1/files (multipart: file, purpose, expiry, visibility), GET /v1/files/{id},
 *    GET /v1/files/{id}/content, GET /v1/files/{id}/url (a signed URL, `expiry` 1 to 168 hours,
 *    served without a key at /signed/{id}?sig=…), DELETE /v1/files/{id}; files kept as bytes.
 *
 * Jobs progress on their own clock: `speed` times real time (tests speed it up), plus `advance(ms)`.
 * A job waits `queueSeconds` QUEUED, then RUNNING completes `requestsPerSecond` requests per clock
 * second; each request is run through the realtime handler (the same validation: unknown fields,
 * token limits, models) when its turn comes, and fails alone. A job ends SUCCESS when all its
 * requests ran, TIMEOUT_EXCEEDED when its `timeout_hours` pass first, FAILED when `failJobAfter`
 * says so, CANCELLED one clock second after a cancel request. Results are JSONL lines
 * `{id, custom_id, response: {status_code, body}, error}`: in `output_file` (successes),
 * `error_file` (failures), and inline in `outputs` (both).
 */
import { createHash, randomUUID } from 'node:crypto';

import { parseMultipart } from './multipart';
import { type DetailEntry, type Schema, validateBody } from './validation';

export interface BatchServerOptions {
	/** How many times faster than real time job clocks run (default 1). */
	speed?: number;
	/** Clock seconds a job stays QUEUED (default 1). */
	queueSeconds?: number;
	/** Requests a RUNNING job completes per clock second (default 200). */
	requestsPerSecond?: number;
	/** A request whose body (as JSON) contains this text fails inside the job with a 500. */
	failRequestsContaining?: string;
	/**
	 * An embeddings request with an input containing this text is rejected inside the job with
	 * Mistral's 400 "Input at index N is invalid" (the whole request fails, as in realtime).
	 */
	rejectInputsContaining?: string;
	/** Jobs created from now on end FAILED after this many requests (with `message` in `errors`). */
	failJobAfter?: { requests: number; message?: string };
	/** Whether `?inline=true` returns `outputs` (default true); off, results come only as files. */
	inlineOutputs?: boolean;
	/**
	 * Statuses a gateway answers to the next job creations (one each, in order) AFTER the server
	 * created the job, as a proxy that times out or loses the answer does. Consumed as used.
	 */
	gatewayErrorsAfterCreate?: number[];
}

export interface BatchOutcome {
	status: number;
	json?: unknown;
	raw?: string | Buffer;
	headers?: Record<string, string>;
}

export interface RealtimeAnswer {
	status: number;
	body: unknown;
}

export interface BatchDeps {
	options: () => BatchServerOptions;
	/** Runs one request through the realtime handler of the endpoint. */
	run: (endpoint: Endpoint, body: Record<string, unknown>) => Promise<RealtimeAnswer>;
	/** The server's origin, for signed URLs. */
	origin?: () => string;
	/** Undefined if the model exists, else the realtime "unknown model" answer. */
	checkModel: (model: string) => BatchOutcome | undefined;
}

const MAX_REQUESTS = 10_000;
const ENDPOINTS = [
	'/v1/chat/completions',
	'/v1/embeddings',
	'/v1/fim/completions',
	'/v1/moderations',
	'/v1/chat/moderations',
	'/v1/ocr',
	'/v1/classifications',
	'/v1/chat/classifications',
	'/v1/conversations',
	'/v1/audio/transcriptions',
];
/** The endpoints whose requests the test server runs inside a job. */
const SERVED_ENDPOINTS: string[] = ['/v1/chat/completions', '/v1/embeddings', '/v1/moderations', '/v1/chat/moderations', '/v1/ocr', '/v1/audio/transcriptions'];
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const str: Schema = { k: 'str' };
const nullableStr: Schema = { k: 'nullable', of: str };
const BatchRequestSchema: Schema = {
	k: 'obj',
	title: 'BatchRequest',
	props: { custom_id: nullableStr, body: { k: 'dict' } },
	required: ['body'],
};
const CreateBatchJobRequest: Schema = {
	k: 'obj',
	title: 'CreateBatchJobRequest',
	props: {
		input_files: { k: 'nullable', of: { k: 'list', of: { k: 'uuid' } } },
		requests: { k: 'nullable', of: { k: 'list', of: BatchRequestSchema } },
		endpoint: { k: 'choice', values: ENDPOINTS, err: 'enum' },
		model: nullableStr,
		agent_id: nullableStr,
		metadata: { k: 'nullable', of: { k: 'dict' } },
		timeout_hours: { k: 'int', ge: 1 },
	},
	required: ['endpoint'],
};

type Endpoint = '/v1/chat/completions' | '/v1/embeddings' | '/v1/moderations' | '/v1/chat/moderations' | '/v1/ocr' | '/v1/audio/transcriptions';
type Status = 'QUEUED' | 'RUNNING' | 'SUCCESS' | 'FAILED' | 'TIMEOUT_EXCEEDED' | 'CANCELLATION_REQUESTED' | 'CANCELLED';

interface ResultLine {
	id: string;
	custom_id: string | null;
	response: { status_code: number; body: unknown };
	error: { message: string; code: string | null } | null;
}

interface Job {
	id: string;
	endpoint: Endpoint;
	model: string | null;
	metadata: Record<string, unknown> | null;
	inputFiles: string[];
	requests: Array<{ custom_id: string | null; body: Record<string, unknown> }>;
	timeoutHours: number;
	createdAt: number;
	startedAt: number | null;
	completedAt: number | null;
	status: Status;
	lines: ResultLine[];
	succeeded: number;
	failed: number;
	errors: Array<{ message: string; count: number }>;
	cancelRequestedAt: number | null;
	failAfter?: { requests: number; message?: string };
	outputFile: string | null;
	errorFile: string | null;
	/** Serialises progress: two GETs at once must not run the same requests twice. */
	busy: Promise<void>;
}

interface StoredFile {
	id: string;
	filename: string;
	purpose: string;
	sampleType: string;
	source: 'upload' | 'mistral';
	data: Buffer;
	createdAt: number;
	mimetype: string;
}

function mistralError(status: number, message: unknown, type = 'invalid_request_error', code: string | null = null): BatchOutcome {
	return { status, json: { object: 'error', message, type, param: null, code } };
}

const unprocessable = (detail: DetailEntry[]): BatchOutcome => mistralError(422, { detail });
const notFound = (what: string): BatchOutcome => ({ status: 404, json: { detail: `${what} not found` } });
const seconds = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The batch routes and the methods each allows; null for a path that is not one of them. */
export function batchRouteMethods(path: string): string[] | null {
	if (path === '/batch/jobs') return ['GET', 'POST'];
	if (/^\/batch\/jobs\/[^/]+$/.test(path)) return ['GET', 'DELETE'];
	if (/^\/batch\/jobs\/[^/]+\/cancel$/.test(path)) return ['POST'];
	if (path === '/files') return ['GET', 'POST'];
	if (/^\/files\/[^/]+$/.test(path)) return ['GET', 'DELETE'];
	if (/^\/files\/[^/]+\/(content|url)$/.test(path)) return ['GET'];
	return null;
}

export class BatchService {
	private readonly jobs = new Map<string, Job>();
	private readonly files = new Map<string, StoredFile>();
	private realAnchor = Date.now();
	private clockAnchor = Date.now();
	private speed = 1;

	constructor(private readonly deps: BatchDeps) {}

	/** Every request of every job created since the last reset, with the status its result line got (undefined: not run yet). */
	submittedRequests(): Array<{ jobId: string; body: Record<string, unknown>; status?: number }> {
		return [...this.jobs.values()].flatMap((job) =>
			job.requests.map((request, index) => ({ jobId: job.id, body: request.body, status: job.lines[index]?.response?.status_code })),
		);
	}

	/** The jobs' clock in ms: `speed` times real time since the last change, plus what advance() added. */
	now(): number {
		const speed = Math.max(0, this.deps.options().speed ?? 1);
		if (speed !== this.speed) {
			this.clockAnchor = this.clockAt(Date.now());
			this.realAnchor = Date.now();
			this.speed = speed;
		}
		return this.clockAt(Date.now());
	}

	private clockAt(real: number): number {
		return this.clockAnchor + (real - this.realAnchor) * this.speed;
	}

	advance(ms: number): void {
		this.now();
		this.clockAnchor += ms;
	}

	reset(): void {
		this.jobs.clear();
		this.files.clear();
		this.realAnchor = Date.now();
		this.clockAnchor = Date.now();
	}

	/** The statuses of all jobs, for tests. */
	jobSummaries(): Array<{ id: string; status: Status; total: number; metadata: Record<string, unknown> | null; model: string | null }> {
		return [...this.jobs.values()].map((job) => ({ id: job.id, status: job.status, total: job.requests.length, metadata: job.metadata, model: job.model }));
	}

	async handle(request: { method: string; path: string; query: URLSearchParams; parsed: unknown; parseError?: BatchOutcome; buffer: Buffer; contentType: string }): Promise<BatchOutcome> {
		const { method, path, query } = request;
		if (path === '/files' && method === 'POST') return this.upload(request.buffer, request.contentType);
		if (path === '/files' && method === 'GET') {
			const data = [...this.files.values()].map((file) => this.fileSchema(file));
			return { status: 200, json: { data, object: 'list', total: data.length } };
		}
		const fileMatch = /^\/files\/([^/]+)(\/content|\/url)?$/.exec(path);
		if (fileMatch) {
			const id = decodeURIComponent(fileMatch[1]);
			if (!UUID_RE.test(id)) return unprocessable([uuidError(['path', 'file_id'], id)]);
			const file = this.files.get(id);
			if (!file) return notFound('File');
			if (method === 'DELETE') {
				this.files.delete(id);
				return { status: 200, json: { id, object: 'file', deleted: true } };
			}
			if (fileMatch[2] === '/url') return this.signedUrl(file, query);
			if (fileMatch[2]) return { status: 200, raw: file.data, headers: { 'content-type': 'application/octet-stream' } };
			return { status: 200, json: this.fileSchema(file) };
		}
		if (path === '/batch/jobs' && method === 'GET') return await this.list(query);
		if (path === '/batch/jobs' && method === 'POST') {
			if (request.parseError) return request.parseError;
			return await this.create(request.parsed);
		}
		const jobMatch = /^\/batch\/jobs\/([^/]+)(\/cancel)?$/.exec(path);
		if (!jobMatch) return { status: 404, json: { detail: 'Not Found' } };
		const id = decodeURIComponent(jobMatch[1]);
		if (!UUID_RE.test(id)) return unprocessable([uuidError(['path', 'job_id'], id)]);
		const job = this.jobs.get(id);
		if (!job) return notFound('Batch job');
		await this.progress(job);
		if (jobMatch[2]) {
			if (job.status === 'QUEUED' || job.status === 'RUNNING') {
				job.status = 'CANCELLATION_REQUESTED';
				job.cancelRequestedAt = this.now();
			}
			return { status: 200, json: this.jobSchema(job, false) };
		}
		if (method === 'DELETE') {
			this.jobs.delete(id);
			return { status: 200, json: { id, object: 'batch', deleted: true } };
		}
		const inlineParam = query.get('inline');
		if (inlineParam !== null && !['true', 'false', '1', '0'].includes(inlineParam.toLowerCase())) {
			return unprocessable([{ type: 'bool_parsing', loc: ['query', 'inline'], msg: 'Input should be a valid boolean, unable to interpret input', input: inlineParam }]);
		}
		const inline = inlineParam !== null && ['true', '1'].includes(inlineParam.toLowerCase());
		return { status: 200, json: this.jobSchema(job, inline) };
	}

	// ----- listing -----------------------------------------------------------------------------------

	/**
	 * GET /v1/batch/jobs with the spec's query parameters: page, page_size, model, agent_id, metadata,
	 * created_after (date-time), created_by_me (boolean; every job here is the caller's), status (repeated),
	 * order_by (created | -created, default -created). The spec types `metadata` as an object without
	 * saying how a query string carries it: this server reads JSON (`metadata={"k":"v"}`) and keeps the
	 * jobs whose metadata holds every pair; any other form is a 422.
	 */
	private async list(query: URLSearchParams): Promise<BatchOutcome> {
		const errors: DetailEntry[] = [];
		const integer = (name: string, fallback: number, min: number): number => {
			const raw = query.get(name);
			if (raw === null) return fallback;
			if (!/^-?\d+$/.test(raw.trim())) {
				errors.push({ type: 'int_parsing', loc: ['query', name], msg: 'Input should be a valid integer, unable to parse string as an integer', input: raw });
				return fallback;
			}
			const value = Number(raw);
			if (value < min) errors.push({ type: 'greater_than_equal', loc: ['query', name], msg: `Input should be greater than or equal to ${min}`, input: raw, ctx: { ge: min } });
			return value;
		};
		const page = integer('page', 0, 0);
		const pageSize = integer('page_size', 100, 1);
		let createdAfter: number | undefined;
		const createdAfterRaw = query.get('created_after');
		if (createdAfterRaw !== null) {
			createdAfter = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(createdAfterRaw) ? Date.parse(createdAfterRaw) : NaN;
			if (Number.isNaN(createdAfter)) errors.push({ type: 'datetime_from_date_parsing', loc: ['query', 'created_after'], msg: 'Input should be a valid datetime or date', input: createdAfterRaw });
		}
		const createdByMe = query.get('created_by_me');
		if (createdByMe !== null && !['true', 'false', '1', '0'].includes(createdByMe.toLowerCase())) {
			errors.push({ type: 'bool_parsing', loc: ['query', 'created_by_me'], msg: 'Input should be a valid boolean, unable to interpret input', input: createdByMe });
		}
		let metadataFilter: Record<string, unknown> | undefined;
		const metadataRaw = query.get('metadata');
		if (metadataRaw !== null) {
			try {
				const parsed: unknown = JSON.parse(metadataRaw);
				if (isObject(parsed)) metadataFilter = parsed;
			} catch {
				// Reported below.
			}
			if (!metadataFilter) errors.push({ type: 'dict_type', loc: ['query', 'metadata'], msg: 'Input should be a valid dictionary', input: metadataRaw });
		}
		const statuses = query.getAll('status');
		const known: Status[] = ['QUEUED', 'RUNNING', 'SUCCESS', 'FAILED', 'TIMEOUT_EXCEEDED', 'CANCELLATION_REQUESTED', 'CANCELLED'];
		for (const status of statuses) {
			if (!known.includes(status as Status)) errors.push({ type: 'enum', loc: ['query', 'status', 0], msg: `Input should be ${known.map((entry) => `'${entry}'`).join(', ')}`, input: status });
		}
		const orderBy = query.get('order_by') ?? '-created';
		if (orderBy !== 'created' && orderBy !== '-created') {
			errors.push({ type: 'enum', loc: ['query', 'order_by'], msg: "Input should be 'created' or '-created'", input: orderBy });
		}
		if (errors.length > 0) return unprocessable(errors);

		for (const job of this.jobs.values()) await this.progress(job);
		const model = query.get('model');
		const matching = [...this.jobs.values()].filter(
			(job) =>
				(model === null || job.model === model) &&
				(createdAfter === undefined || job.createdAt > createdAfter) &&
				(statuses.length === 0 || statuses.includes(job.status)) &&
				(metadataFilter === undefined || Object.entries(metadataFilter).every(([key, value]) => job.metadata?.[key] === value)),
		);
		// Creation order is insertion order (the clock may stand still between two jobs).
		if (orderBy === '-created') matching.reverse();
		const data = matching.slice(page * pageSize, (page + 1) * pageSize).map((job) => this.jobSchema(job, false));
		return { status: 200, json: { data, object: 'list', total: matching.length } };
	}

	// ----- creation ----------------------------------------------------------------------------------

	private async create(body: unknown): Promise<BatchOutcome> {
		const errors = validateBody(body, CreateBatchJobRequest);
		if (errors.length > 0) return unprocessable(errors);
		const input = body as Record<string, any>;
		const extra: DetailEntry[] = [];
		if (Array.isArray(input.requests) && input.requests.length > MAX_REQUESTS) {
			extra.push({ type: 'too_long', loc: ['body', 'requests'], msg: `List should have at most ${MAX_REQUESTS} items after validation, not ${input.requests.length}`, input: '…', ctx: { field_type: 'List', max_length: MAX_REQUESTS, actual_length: input.requests.length } });
		}
		if (input.timeout_hours !== undefined && input.timeout_hours > 168) {
			extra.push({ type: 'less_than_equal', loc: ['body', 'timeout_hours'], msg: 'Input should be less than or equal to 168', input: input.timeout_hours, ctx: { le: 168 } });
		}
		if (isObject(input.metadata)) {
			for (const [key, value] of Object.entries(input.metadata)) {
				if (key.length < 1 || key.length > 32) extra.push({ type: 'string_too_long', loc: ['body', 'metadata', key, '[key]'], msg: 'String should have between 1 and 32 characters', input: key });
				if (typeof value !== 'string') extra.push({ type: 'string_type', loc: ['body', 'metadata', key], msg: 'Input should be a valid string', input: value });
				else if (value.length < 1 || value.length > 512) extra.push({ type: 'string_too_long', loc: ['body', 'metadata', key], msg: 'String should have between 1 and 512 characters', input: value });
			}
		}
		if (extra.length > 0) return unprocessable(extra);

		const hasRequests = Array.isArray(input.requests);
		const hasFiles = Array.isArray(input.input_files) && input.input_files.length > 0;
		if (hasRequests === hasFiles) return mistralError(400, 'Provide exactly one of "requests" or "input_files"');
		if (hasRequests && input.requests.length === 0) return mistralError(400, 'A batch job needs at least one request');
		if (!SERVED_ENDPOINTS.includes(input.endpoint)) {
			return mistralError(400, `Endpoint ${input.endpoint} is not supported by the test server`);
		}
		if (typeof input.model !== 'string' && typeof input.agent_id !== 'string') return mistralError(400, 'A batch job needs a "model" (or an "agent_id")');
		if (typeof input.agent_id === 'string') return mistralError(400, 'Agents are not supported by the test server');
		const unknown = this.deps.checkModel(input.model);
		if (unknown) return unknown;

		let requests: Job['requests'];
		if (hasRequests) requests = input.requests.map((line: Record<string, any>) => ({ custom_id: line.custom_id ?? null, body: line.body }));
		else {
			requests = [];
			for (const fileId of input.input_files as string[]) {
				const file = this.files.get(fileId);
				if (!file) return mistralError(404, `Input file ${fileId} not found`);
				if (file.purpose !== 'batch') return mistralError(400, `Input file ${fileId} has purpose "${file.purpose}", not "batch"`);
				const lines = file.data.toString('utf8').split('\n');
				for (const [number, line] of lines.entries()) {
					if (line.trim() === '') continue;
					let parsed: unknown;
					try {
						parsed = JSON.parse(line);
					} catch {
						return mistralError(400, `Line ${number + 1} of input file ${fileId} is not valid JSON`);
					}
					const lineErrors = validateBody(parsed, BatchRequestSchema);
					if (lineErrors.length > 0) return mistralError(400, `Line ${number + 1} of input file ${fileId} is not a batch request: ${lineErrors.map((entry) => `${entry.loc.slice(1).join('.')}: ${entry.msg}`).join('; ')}`);
					const record = parsed as Record<string, any>;
					requests.push({ custom_id: record.custom_id ?? null, body: record.body });
				}
			}
			if (requests.length === 0) return mistralError(400, 'The input files hold no requests');
			if (requests.length > MAX_REQUESTS * 10) return mistralError(400, 'The input files hold too many requests');
		}
		const ids = requests.map((entry) => entry.custom_id).filter((id): id is string => id !== null);
		if (new Set(ids).size !== ids.length) return mistralError(400, 'custom_id values must be unique within a job');

		const now = this.now();
		const options = this.deps.options();
		const job: Job = {
			id: randomUUID(),
			endpoint: input.endpoint,
			model: input.model,
			metadata: isObject(input.metadata) ? input.metadata : null,
			inputFiles: hasFiles ? input.input_files : [],
			requests,
			timeoutHours: input.timeout_hours ?? 24,
			createdAt: now,
			startedAt: null,
			completedAt: null,
			status: 'QUEUED',
			lines: [],
			succeeded: 0,
			failed: 0,
			errors: [],
			cancelRequestedAt: null,
			failAfter: options.failJobAfter,
			outputFile: null,
			errorFile: null,
			busy: Promise.resolve(),
		};
		this.jobs.set(job.id, job);
		const gatewayError = options.gatewayErrorsAfterCreate?.shift();
		if (gatewayError !== undefined) {
			// The job exists, but a gateway in front of the API lost the answer.
			return { status: gatewayError, raw: `<html><head><title>${gatewayError}</title></head><body><center><h1>${gatewayError} Bad Gateway</h1></center></body></html>`, headers: { 'content-type': 'text/html' } };
		}
		return { status: 200, json: this.jobSchema(job, false) };
	}

	// ----- progress ----------------------------------------------------------------------------------

	private async progress(job: Job): Promise<void> {
		const step = job.busy.then(() => this.advanceJob(job));
		job.busy = step.catch(() => undefined);
		await step;
	}

	private async advanceJob(job: Job): Promise<void> {
		if (job.status === 'SUCCESS' || job.status === 'FAILED' || job.status === 'TIMEOUT_EXCEEDED' || job.status === 'CANCELLED') return;
		const options = this.deps.options();
		const now = this.now();
		const queueMs = Math.max(0, options.queueSeconds ?? 1) * 1000;
		const rate = Math.max(1e-9, options.requestsPerSecond ?? 200);
		const deadline = job.createdAt + job.timeoutHours * 3_600_000;
		const cancelAt = job.cancelRequestedAt;
		const until = Math.min(now, deadline, cancelAt ?? Infinity);
		const startAt = job.createdAt + queueMs;
		if (until >= startAt) {
			job.startedAt ??= startAt;
			if (job.status === 'QUEUED') job.status = 'RUNNING';
			let target = Math.min(job.requests.length, Math.floor(((until - startAt) / 1000) * rate));
			if (job.failAfter) target = Math.min(target, job.failAfter.requests);
			while (job.lines.length < target) {
				await this.runOne(job, job.lines.length, options);
				// Let other requests progress during long jobs.
				if ((job.lines.length & 63) === 0) await new Promise<void>((resolve) => setImmediate(resolve));
			}
		}
		if (job.failAfter && job.lines.length >= job.failAfter.requests && job.lines.length < job.requests.length) {
			job.errors.push({ message: job.failAfter.message ?? 'The batch job failed on the server', count: 1 });
			return this.finish(job, 'FAILED', startAt + (job.failAfter.requests / rate) * 1000);
		}
		if (job.lines.length === job.requests.length && job.status !== 'QUEUED') return this.finish(job, 'SUCCESS', startAt + (job.requests.length / rate) * 1000);
		if (cancelAt !== null && now >= cancelAt + 1000) return this.finish(job, 'CANCELLED', cancelAt + 1000);
		if (now >= deadline) {
			job.errors.push({ message: `The job did not finish within its timeout of ${job.timeoutHours} hour(s)`, count: 1 });
			return this.finish(job, 'TIMEOUT_EXCEEDED', deadline);
		}
	}

	private async runOne(job: Job, index: number, options: BatchServerOptions): Promise<void> {
		const entry = job.requests[index];
		const lineId = `batch-${randomUUID()}`;
		const fail = (status: number, body: unknown, message: string, code: string | null) => {
			job.lines.push({ id: lineId, custom_id: entry.custom_id, response: { status_code: status, body }, error: { message, code } });
			job.failed++;
		};
		const body = { ...entry.body };
		if (body.model === undefined && job.model !== null) body.model = job.model;
		if (job.model !== null && body.model !== job.model) {
			const message = `The request's model "${String(body.model)}" differs from the job's model "${job.model}"`;
			return fail(400, { object: 'error', message, type: 'invalid_request_error', param: null, code: null }, message, null);
		}
		if (options.failRequestsContaining && JSON.stringify(body).includes(options.failRequestsContaining)) {
			const message = 'Internal server error while processing the request';
			return fail(500, { object: 'error', message, type: 'server_error', param: null, code: null }, message, null);
		}
		const marker = options.rejectInputsContaining;
		if (marker && job.endpoint === '/v1/embeddings' && Array.isArray(body.input)) {
			const at = (body.input as unknown[]).findIndex((input) => typeof input === 'string' && input.includes(marker));
			if (at !== -1) {
				const message = `Input at index ${at} is invalid`;
				return fail(400, { object: 'error', message, type: 'invalid_request_error', param: null, code: '3210' }, message, '3210');
			}
		}
		const answer = await this.deps.run(job.endpoint, body);
		if (answer.status >= 200 && answer.status < 300) {
			job.lines.push({ id: lineId, custom_id: entry.custom_id, response: { status_code: answer.status, body: answer.body }, error: null });
			job.succeeded++;
			return;
		}
		const said = isObject(answer.body) ? answer.body.message : undefined;
		const message = typeof said === 'string' ? said : JSON.stringify(said ?? answer.body);
		const code = isObject(answer.body) && typeof answer.body.code === 'string' ? answer.body.code : null;
		fail(answer.status, answer.body, message, code);
	}

	private finish(job: Job, status: Status, at: number): void {
		job.status = status;
		job.completedAt = Math.max(job.createdAt, Math.min(at, this.now()));
		const successes = job.lines.filter((line) => line.error === null);
		const failures = job.lines.filter((line) => line.error !== null);
		if (successes.length > 0) job.outputFile = this.storeResult(job, 'output', successes, 'batch_result');
		if (failures.length > 0) job.errorFile = this.storeResult(job, 'error', failures, 'batch_error');
	}

	private storeResult(job: Job, kind: string, lines: ResultLine[], sampleType: string): string {
		const id = randomUUID();
		this.files.set(id, {
			id,
			filename: `${job.id}_${kind}.jsonl`,
			purpose: 'batch',
			sampleType,
			source: 'mistral',
			data: Buffer.from(lines.map((line) => JSON.stringify(line)).join('\n') + '\n'),
			createdAt: this.now(),
			mimetype: 'application/jsonl',
		});
		return id;
	}

	private jobSchema(job: Job, inline: boolean): Record<string, unknown> {
		const schema: Record<string, unknown> = {
			id: job.id,
			object: 'batch',
			input_files: job.inputFiles,
			metadata: job.metadata,
			endpoint: job.endpoint,
			model: job.model,
			agent_id: null,
			output_file: job.outputFile,
			error_file: job.errorFile,
			errors: job.errors,
			status: job.status,
			created_at: seconds(job.createdAt),
			total_requests: job.requests.length,
			completed_requests: job.lines.length,
			succeeded_requests: job.succeeded,
			failed_requests: job.failed,
			started_at: seconds(job.startedAt),
			completed_at: seconds(job.completedAt),
		};
		if (inline) schema.outputs = this.deps.options().inlineOutputs === false ? null : job.lines;
		return schema;
	}

	// ----- files -------------------------------------------------------------------------------------

	private upload(buffer: Buffer, contentType: string): BatchOutcome {
		const fields = parseMultipart(buffer, contentType);
		if (!fields) return unprocessable([{ type: 'missing', loc: ['body', 'file'], msg: 'Field required', input: null }]);
		const file = fields.find((field) => field.name === 'file');
		if (!file || file.filename === undefined) return unprocessable([{ type: 'missing', loc: ['body', 'file'], msg: 'Field required', input: null }]);
		const purposeField = fields.find((field) => field.name === 'purpose');
		const purpose = purposeField ? purposeField.data.toString('utf8') : 'fine-tune';
		// The spec's FilePurpose lists fine-tune, batch and ocr; its file schema's description adds audio.
		if (!['fine-tune', 'batch', 'ocr', 'audio'].includes(purpose)) {
			return unprocessable([{ type: 'enum', loc: ['body', 'purpose'], msg: "Input should be 'fine-tune', 'batch', 'ocr' or 'audio'", input: purpose, ctx: { expected: "'fine-tune', 'batch', 'ocr' or 'audio'" } }]);
		}
		const stored: StoredFile = {
			id: randomUUID(),
			filename: file.filename,
			purpose,
			sampleType: purpose === 'batch' ? 'batch_request' : 'instruct',
			source: 'upload',
			data: file.data,
			createdAt: this.now(),
			mimetype: file.contentType ?? 'application/jsonl',
		};
		this.files.set(stored.id, stored);
		return { status: 200, json: this.fileSchema(stored) };
	}

	/** A stored file's bytes, purpose and name (the OCR endpoint reads `file` chunks through it). */
	storedFile(id: string): { data: Buffer; purpose: string; filename: string } | undefined {
		const file = this.files.get(id);
		return file && { data: file.data, purpose: file.purpose, filename: file.filename };
	}

	/** The ids of the files stored now, uploads only (tests count what is left behind). */
	uploadedFileIds(): string[] {
		return [...this.files.values()].filter((file) => file.source === 'upload').map((file) => file.id);
	}

	private signature(id: string): string {
		return createHash('sha256').update(`signed:${id}`).digest('hex').slice(0, 32);
	}

	private signedUrl(file: StoredFile, query: URLSearchParams): BatchOutcome {
		const raw = query.get('expiry');
		const expiry = raw === null ? 24 : Number(raw);
		if (!Number.isInteger(expiry)) return unprocessable([{ type: 'int_parsing', loc: ['query', 'expiry'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: raw }]);
		if (expiry < 1 || expiry > 168) return mistralError(400, 'expiry must be between 1 and 168 hours');
		const origin = this.deps.origin?.() ?? 'http://127.0.0.1';
		return { status: 200, json: { url: `${origin}/signed/${file.id}?sig=${this.signature(file.id)}&se=${expiry}` } };
	}

	/** The bytes behind a signed URL of this server (undefined for any other URL or a wrong signature). */
	signedFile(url: string): Buffer | undefined {
		const origin = this.deps.origin?.();
		if (!origin || !url.startsWith(`${origin}/signed/`)) return undefined;
		const parsed = new URL(url);
		const id = decodeURIComponent(parsed.pathname.slice('/signed/'.length));
		const file = this.files.get(id);
		if (!file || parsed.searchParams.get('sig') !== this.signature(id)) return undefined;
		return file.data;
	}

	private fileSchema(file: StoredFile): Record<string, unknown> {
		return {
			id: file.id,
			object: 'file',
			bytes: file.data.length,
			created_at: seconds(file.createdAt),
			filename: file.filename,
			purpose: file.purpose,
			sample_type: file.sampleType,
			num_lines: file.purpose === 'batch' ? file.data.toString('utf8').split('\n').filter((line) => line.trim() !== '').length : null,
			mimetype: file.mimetype,
			source: file.source,
			signature: null,
		};
	}
}

function uuidError(loc: Array<string | number>, input: string): DetailEntry {
	return { type: 'uuid_parsing', loc, msg: 'Input should be a valid UUID, invalid length or character', input, ctx: { error: 'invalid character or length' } };
}

