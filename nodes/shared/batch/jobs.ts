/**
 * Mistral's Batch API, the pure parts: splitting requests into jobs, the job-creation body, reading a
 * job's status, the polling schedule, and reading result lines back by custom_id. No I/O here.
 */
import { AnswerError } from '../errors';
import { isObject } from '../json';

/** Mistral accepts at most this many inline requests in one job. */
export const MAX_REQUESTS_PER_JOB = 10_000;

export type BatchEndpoint = '/v1/chat/completions' | '/v1/embeddings' | '/v1/moderations' | '/v1/chat/moderations' | '/v1/ocr' | '/v1/audio/transcriptions';

export type BatchJobStatus =
	| 'QUEUED'
	| 'RUNNING'
	| 'SUCCESS'
	| 'FAILED'
	| 'TIMEOUT_EXCEEDED'
	| 'CANCELLATION_REQUESTED'
	| 'CANCELLED';

export interface BatchRequestLine {
	custom_id: string;
	body: Record<string, unknown>;
}

export interface BatchJobInfo {
	id: string;
	status: BatchJobStatus | string;
	total_requests: number;
	completed_requests: number;
	succeeded_requests: number;
	failed_requests: number;
	errors: Array<{ message: string; count?: number }>;
	outputs?: unknown[] | null;
	output_file?: string | null;
	error_file?: string | null;
	metadata?: Record<string, unknown> | null;
	/** The endpoint its requests went to, e.g. "/v1/ocr". */
	endpoint?: string;
}

/** What one request of a job came to: its response body, or why it failed. */
export type RequestResult =
	| { ok: true; body: Record<string, unknown> }
	| { ok: false; status?: number; body?: unknown; message: string };

const FINISHED = new Set(['SUCCESS', 'FAILED', 'TIMEOUT_EXCEEDED', 'CANCELLED']);

export function isFinished(status: string): boolean {
	return FINISHED.has(status);
}

const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/** Reads a job object the server returned, tolerating missing counters. Throws on a body that is no job. */
export function readJob(raw: unknown): BatchJobInfo {
	if (!isObject(raw) || typeof raw.id !== 'string' || typeof raw.status !== 'string') {
		throw new AnswerError('The server answered without a batch job (no "id" and "status"). Does the Base URL point at Mistral\'s API, which has the Batch API?');
	}
	return {
		id: raw.id,
		status: raw.status,
		total_requests: count(raw.total_requests),
		completed_requests: count(raw.completed_requests),
		succeeded_requests: count(raw.succeeded_requests),
		failed_requests: count(raw.failed_requests),
		errors: Array.isArray(raw.errors)
			? raw.errors.filter(isObject).map((entry) => ({ message: String(entry.message ?? ''), count: typeof entry.count === 'number' ? entry.count : undefined }))
			: [],
		outputs: Array.isArray(raw.outputs) ? raw.outputs : null,
		output_file: typeof raw.output_file === 'string' ? raw.output_file : null,
		error_file: typeof raw.error_file === 'string' ? raw.error_file : null,
		metadata: isObject(raw.metadata) ? raw.metadata : null,
		...(typeof raw.endpoint === 'string' ? { endpoint: raw.endpoint } : {}),
	};
}

/** The metadata key that tags one submission, so a job created by a request whose answer was lost can be found. */
export const SUBMISSION_TAG_KEY = 'n8n_submission';

/**
 * The query that lists the caller's jobs created since `sinceMs` (a minute earlier, for clocks that
 * differ), newest first. The spec leaves open how its `metadata` filter is encoded in a query string,
 * so the tag is matched on the jobs returned (see `jobsTagged`).
 */
export function recentJobsQuery(sinceMs: number, page: number, pageSize: number): string {
	const createdAfter = new Date(sinceMs - 60_000).toISOString();
	return `?created_after=${encodeURIComponent(createdAfter)}&created_by_me=true&order_by=-created&page=${page}&page_size=${pageSize}`;
}

/** The jobs of a list answer (ListBatchJobsResponse) whose metadata carries `tag`; and whether the page was full. */
export function jobsTagged(listAnswer: unknown, tag: string, pageSize: number): { jobs: BatchJobInfo[]; fullPage: boolean } {
	const data = isObject(listAnswer) && Array.isArray(listAnswer.data) ? listAnswer.data : undefined;
	if (!data) throw new AnswerError('The server answered the batch job list without a "data" list.');
	const jobs: BatchJobInfo[] = [];
	for (const entry of data) {
		if (!isObject(entry) || !isObject(entry.metadata) || entry.metadata[SUBMISSION_TAG_KEY] !== tag) continue;
		jobs.push(readJob(entry));
	}
	return { jobs, fullPage: data.length >= pageSize };
}

/** Groups requests into jobs: one model per job, at most `max` requests each, order kept. */
export function planJobs<T extends { model: string }>(requests: readonly T[], max = MAX_REQUESTS_PER_JOB): Array<{ model: string; requests: T[] }> {
	if (!(max >= 1)) throw new RangeError(`A batch job holds at least one request (got a limit of ${max})`);
	const byModel = new Map<string, T[]>();
	for (const request of requests) {
		const list = byModel.get(request.model);
		if (list) list.push(request);
		else byModel.set(request.model, [request]);
	}
	const jobs: Array<{ model: string; requests: T[] }> = [];
	for (const [model, list] of byModel) {
		for (let start = 0; start < list.length; start += max) jobs.push({ model, requests: list.slice(start, start + max) });
	}
	return jobs;
}

/**
 * Jobs for nodes that send one request per item (Chat, Audio, Document AI): each request's
 * custom_id is its item's index, and `items` keeps what the node planned for each.
 */
export function planItemJobs<T extends { model: string; itemIndex: number; body: BatchRequestLine['body'] }>(
	requests: readonly T[],
): Array<{ model: string; requests: BatchRequestLine[]; items: T[] }> {
	return planJobs(requests).map((job) => ({
		model: job.model,
		requests: job.requests.map((request) => ({ custom_id: String(request.itemIndex), body: request.body })),
		items: job.requests,
	}));
}

/**
 * Metadata Mistral keeps with a job, to find it in the console: only names and ids, never the
 * credential's key or Base URL. Keys at most 32 characters, values 1 to 512 (the spec's limits).
 */
export function jobMetadata(entries: Record<string, unknown>): Record<string, string> {
	const metadata: Record<string, string> = {};
	for (const [key, value] of Object.entries(entries)) {
		if (value === undefined || value === null || String(value) === '') continue;
		metadata[key.slice(0, 32)] = String(value).slice(0, 512);
	}
	return metadata;
}

export function createJobBody(options: {
	endpoint: BatchEndpoint;
	model: string;
	requests: BatchRequestLine[];
	metadata?: Record<string, string>;
	timeoutHours?: number;
}): Record<string, unknown> {
	const body: Record<string, unknown> = { endpoint: options.endpoint, model: options.model, requests: options.requests };
	if (options.metadata && Object.keys(options.metadata).length > 0) body.metadata = options.metadata;
	if (options.timeoutHours !== undefined) body.timeout_hours = options.timeoutHours;
	return body;
}

/** Waits between status checks: 1 s, then 1.5 times longer each time, at most `capMs`. */
export function pollDelayMs(check: number, capMs = 60_000, firstMs = 1_000): number {
	return Math.min(capMs, Math.round(firstMs * 1.5 ** Math.max(0, check)));
}

export function describeProgress(job: BatchJobInfo): string {
	const failed = job.failed_requests > 0 ? `, ${job.failed_requests} failed` : '';
	return `batch job ${job.id} ${job.status}: ${job.completed_requests}/${job.total_requests} request(s) done${failed}`;
}

/** A job as the output items show it (`batchJob`): its id and its request counts. */
export function jobSummary(job: BatchJobInfo): Record<string, string | number> {
	return {
		id: job.id,
		status: job.status,
		totalRequests: job.total_requests,
		succeededRequests: job.succeeded_requests,
		failedRequests: job.failed_requests,
	};
}

function duration(ms: number): string {
	const seconds = Math.max(0, Math.round(ms / 1000));
	if (seconds < 60) return `${seconds} s`;
	const minutes = Math.floor(seconds / 60);
	return minutes < 60 ? `${minutes} min ${seconds % 60} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** The execution hint of a batch run: each job's id and counts, and where progress shows while it runs. */
export function batchHint(jobs: BatchJobInfo[], mode: 'wait' | 'submit' | 'collect', elapsedMs: number): string {
	const list = jobs
		.map((job) =>
			mode === 'submit'
				? `${job.id} (${job.total_requests} request(s), ${job.status})`
				: `${job.id} ${job.status}: ${job.succeeded_requests} of ${job.total_requests} request(s) succeeded${job.failed_requests ? `, ${job.failed_requests} failed` : ''}`,
		)
		.join('; ');
	const what = jobs.length === 1 ? 'batch job' : `${jobs.length} batch jobs`;
	if (mode === 'submit') {
		return `Submitted Mistral ${what} ${list}. Each item carries its job reference; a node in "Collect Results" mode reads the results later. The Mistral console lists the job(s) under Batch.`;
	}
	return `Mistral ${what} ${list} (waited ${duration(elapsedMs)}). Each output item names its job in "batchJob". While a job runs, n8n's log shows its progress at every check (N8N_LOG_LEVEL=info) and the Mistral console lists it under Batch.`;
}

const STATUS_WORDS: Record<string, string> = {
	FAILED: 'failed',
	TIMEOUT_EXCEEDED: 'ran out of time (TIMEOUT_EXCEEDED)',
	CANCELLED: 'was cancelled',
	CANCELLATION_REQUESTED: 'is being cancelled',
};

/** Why a finished job's requests without a result have none; undefined for a job that succeeded. */
export function jobEndProblem(job: BatchJobInfo): string | undefined {
	if (job.status === 'SUCCESS') return undefined;
	const errors = job.errors
		.filter((entry) => entry.message)
		.slice(0, 3)
		.map((entry) => `${entry.message}${entry.count && entry.count > 1 ? ` (×${entry.count})` : ''}`);
	return (
		`Mistral batch job ${job.id} ${STATUS_WORDS[job.status] ?? `ended with status ${job.status}`}: ` +
		`${job.succeeded_requests} of ${job.total_requests} request(s) succeeded, ${job.failed_requests} failed, ` +
		`${Math.max(0, job.total_requests - job.completed_requests)} not run` +
		(errors.length ? `. Mistral said: ${errors.join('; ')}` : '')
	);
}

function errorMessageOf(value: unknown): string | undefined {
	if (typeof value === 'string' && value.trim() !== '') return value.trim();
	if (!isObject(value)) return undefined;
	const message = value.message ?? value.detail ?? value.error;
	if (typeof message === 'string' && message.trim() !== '') return message.trim();
	if (message !== undefined && message !== null) return errorMessageOf(message) ?? JSON.stringify(message);
	return undefined;
}

/**
 * Reads result lines (inline `outputs` or JSONL file lines) into results by custom_id. A line is a
 * success when its response has a 2xx status and a body, and it carries no error.
 */
export function readResultLines(lines: readonly unknown[], into = new Map<string, RequestResult>()): Map<string, RequestResult> {
	for (const line of lines) {
		if (!isObject(line)) continue;
		const customId = line.custom_id;
		if (typeof customId !== 'string' && typeof customId !== 'number') continue;
		const response = isObject(line.response) ? line.response : undefined;
		const status = typeof response?.status_code === 'number' ? response.status_code : undefined;
		const body = response?.body;
		const errored = line.error !== undefined && line.error !== null;
		if (!errored && isObject(body) && (status === undefined || (status >= 200 && status < 300))) {
			into.set(String(customId), { ok: true, body });
			continue;
		}
		const message = errorMessageOf(line.error) ?? errorMessageOf(body) ?? `HTTP ${status ?? 'error'}`;
		into.set(String(customId), { ok: false, status, body: body ?? line.error, message });
	}
	return into;
}

/** Splits a JSONL file into its objects; a line that is not JSON is skipped. */
export function parseJsonLines(text: string): unknown[] {
	const lines: unknown[] = [];
	for (const line of text.split('\n')) {
		const trimmed = line.trim();
		if (trimmed === '') continue;
		try {
			lines.push(JSON.parse(trimmed));
		} catch {
			// A torn last line of a partial file carries no usable result.
		}
	}
	return lines;
}
