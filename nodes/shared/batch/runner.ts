/**
 * Runs Mistral batch jobs for a node: submit, poll with growing waits (a progress line in n8n's log
 * each time), cancel the jobs when the execution is cancelled or when nobody will collect them, and
 * fetch their results (inline, or from the output and error files).
 */
import { randomUUID } from 'node:crypto';

import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { AbortedError, abortableSleep } from '../abortableSleep';
import { describeStats, failureInfoOf, type MistralClient } from '../transport/client';
import {
	type BatchEndpoint,
	type BatchJobInfo,
	type BatchRequestLine,
	createJobBody,
	describeProgress,
	isFinished,
	jobsTagged,
	recentJobsQuery,
	SUBMISSION_TAG_KEY,
	parseJsonLines,
	pollDelayMs,
	readJob,
	readResultLines,
	type RequestResult,
} from './jobs';

/** Pages of recent jobs read to find a submission whose answer was lost (100 jobs each). */
const MAX_LOOKUP_PAGES = 5;

export interface PlannedJob {
	model: string;
	requests: BatchRequestLine[];
}

export interface WaitSettings {
	maxWaitMs: number;
	/** Cancel the jobs when Max Wait runs out (nobody will collect them), or leave them running. */
	cancelOnGiveUp: boolean;
	pollCapMs?: number;
}

export interface BatchClients {
	/** Status checks and results. */
	client: MistralClient;
	/** Job creation: never retried after a failure that may have created the job (client.variant: same gate, latch and totals). */
	submitter: MistralClient;
	/** Sends even after the execution was cancelled: the cancel requests themselves (client.variant too). */
	cleanup: MistralClient;
}

export class BatchRunner {
	private readonly client: MistralClient;

	private readonly submitter: MistralClient;

	private readonly cleanupClient: MistralClient;

	/** Every job this run submitted or checked, in its latest known state (for the user's summary). */
	readonly jobsSeen = new Map<string, BatchJobInfo>();

	/** When this run started working with batch jobs. */
	readonly startedAt = Date.now();

	constructor(
		private readonly context: IExecuteFunctions,
		clients: BatchClients,
		private readonly label: string,
	) {
		this.client = clients.client;
		this.submitter = clients.submitter;
		this.cleanupClient = clients.cleanup;
	}

	/** Requests, retries and time waited before retries (rate limits included), for the debug log. */
	describeStats(): string {
		// The submitter and the cleanup client are variants of this one: one set of totals.
		return describeStats(this.client.stats);
	}

	private get signal(): AbortSignal | undefined {
		return typeof this.context.getExecutionCancelSignal === 'function' ? this.context.getExecutionCancelSignal() : undefined;
	}

	private log(message: string): void {
		// Job ids, statuses and errors come from the server: redacted at the answer, and again here for any line.
		this.context.logger.info(this.client.redact(`${this.label}: ${message}`));
	}

	/** Submits the jobs one after another; if one fails, the ones already submitted are cancelled. */
	async submit(endpoint: BatchEndpoint, jobs: PlannedJob[], metadata: Record<string, string>, timeoutHours?: number): Promise<BatchJobInfo[]> {
		const submitted: BatchJobInfo[] = [];
		try {
			for (const [index, job] of jobs.entries()) {
				const partMetadata = jobs.length > 1 ? { ...metadata, part: `${index + 1}/${jobs.length}` } : metadata;
				const tagged = { ...partMetadata, [SUBMISSION_TAG_KEY]: randomUUID() };
				const body = createJobBody({ endpoint, model: job.model, requests: job.requests, metadata: tagged, timeoutHours });
				const created = await this.createOnce(body, job.model, tagged[SUBMISSION_TAG_KEY]);
				submitted.push(created);
				this.jobsSeen.set(created.id, { ...created, total_requests: created.total_requests || job.requests.length });
				this.log(`submitted ${describeProgress({ ...created, total_requests: created.total_requests || job.requests.length })}`);
			}
		} catch (error) {
			await this.cancel(submitted.map((job) => job.id));
			const status = failureInfoOf(error)?.status;
			if (submitted.length === 0 && (status === 404 || status === 405)) {
				throw new NodeOperationError(this.context.getNode(), `The server has no Batch API: creating a batch job answered ${status}`, {
					description: 'Batch mode needs Mistral\'s API (https://api.mistral.ai/v1). For other OpenAI-compatible servers, set "Processing" to "Realtime".',
				});
			}
			throw this.cancelledOr(error, submitted.map((job) => job.id));
		}
		return submitted;
	}

	/**
	 * Creates one job, exactly once. The submitter never repeats a creation that may have gone through
	 * (a timeout, a dropped connection, a gateway's 500/502/504): the job it may have created is looked
	 * up by the submission's tag instead. Found: that job is the one. Not there: the creation is sent
	 * again, as many times as Max Retries allows. Should a slow server list two jobs with the tag later,
	 * the newer ones are cancelled. When the lookup itself fails, nothing is sent again.
	 */
	private async createOnce(body: Record<string, unknown>, model: string, tag: string): Promise<BatchJobInfo> {
		const since = Date.now();
		for (let resubmissions = 0; ; resubmissions++) {
			let failure: unknown;
			try {
				return this.read(await this.submitter.post<unknown>('/batch/jobs', body as never, { model }));
			} catch (error) {
				failure = error;
			}
			if (failureInfoOf(failure)?.mayHaveRun !== true) throw failure as Error;
			let found: BatchJobInfo[];
			try {
				found = await this.findTagged(tag, since);
			} catch (lookupError) {
				throw this.mayExist(failure, `Looking the job up failed too (${(lookupError as Error).message}).`);
			}
			if (found.length > 0) {
				const [oldest, ...extra] = found;
				this.log(`the answer to creating batch job ${oldest.id} was lost (${(failure as Error).message}); the job exists, so it was not sent again`);
				if (extra.length > 0) await this.cancel(extra.map((job) => job.id));
				return oldest;
			}
			if (resubmissions >= this.maxResubmissions()) throw this.mayExist(failure, 'The job was not among the jobs Mistral lists, and Max Retries is used up.');
			this.log(`creating a batch job failed (${(failure as Error).message}) and Mistral lists no job for it: sending it again`);
		}
	}

	private maxResubmissions(): number {
		return this.submitter.maxRetries;
	}

	/** Jobs created since `sinceMs` whose metadata carries `tag`, oldest first. */
	private async findTagged(tag: string, sinceMs: number): Promise<BatchJobInfo[]> {
		const pageSize = 100;
		const found: BatchJobInfo[] = [];
		// Newest first: a job created by this submission is on the first page unless 100 jobs followed it.
		for (let page = 0; page < MAX_LOOKUP_PAGES; page++) {
			const answer = await this.client.get<unknown>(`/batch/jobs${recentJobsQuery(sinceMs, page, pageSize)}`);
			const { jobs, fullPage } = jobsTagged(answer, tag, pageSize);
			found.push(...jobs);
			if (!fullPage) break;
		}
		return found.reverse();
	}

	private mayExist(failure: unknown, why: string): NodeOperationError {
		const error = failure as Error & { description?: string };
		return new NodeOperationError(this.context.getNode(), error.message, {
			description:
				`${error.description ? `${error.description} ` : ''}${why} The batch job may have been created anyway, so it was not sent again ` +
				`(a job sent twice is billed twice). Look for it in the Mistral console (Batch jobs, metadata ${SUBMISSION_TAG_KEY}) before running the node again.`,
		});
	}

	/**
	 * Polls until every job has finished, with growing waits. Cancelling the execution cancels the
	 * unfinished jobs; running out of Max Wait throws (after cancelling them if asked to).
	 */
	async waitForAll(ids: string[], settings: WaitSettings): Promise<BatchJobInfo[]> {
		const deadline = Date.now() + settings.maxWaitMs;
		const jobs = new Map<string, BatchJobInfo>();
		let check = 0;
		try {
			for (;;) {
				for (const id of ids) {
					const known = jobs.get(id);
					if (known && isFinished(known.status)) continue;
					const job = this.read(await this.fetchJob(id));
					jobs.set(id, job);
					this.jobsSeen.set(id, job);
					this.log(describeProgress(job));
				}
				const pending = ids.filter((id) => !isFinished(jobs.get(id)!.status));
				if (pending.length === 0) return ids.map((id) => jobs.get(id)!);
				const left = deadline - Date.now();
				if (left <= 0) {
					if (settings.cancelOnGiveUp) await this.cancel(pending);
					const list = pending.map((id) => describeProgress(jobs.get(id)!)).join('; ');
					throw new NodeOperationError(this.context.getNode(), `Max Wait ran out before the batch finished: ${list}`, {
						description: settings.cancelOnGiveUp
							? 'The unfinished job(s) were cancelled, so nobody pays for results nobody collects. Raise "Max Wait", or use "Submit Only" and collect the results later.'
							: 'The job(s) keep running on Mistral. Run this node again later to collect them, or raise "Max Wait".',
					});
				}
				await abortableSleep(Math.min(pollDelayMs(check++, settings.pollCapMs), left), this.signal);
			}
		} catch (error) {
			if (!this.isCancellation(error)) throw error as Error;
			const unfinished = ids.filter((id) => !isFinished(jobs.get(id)?.status ?? 'QUEUED'));
			await this.cancel(unfinished);
			throw this.cancelledOr(error, unfinished);
		}
	}

	/** Asks Mistral to cancel the jobs; best effort, each at most once, failures only logged. */
	async cancel(ids: string[]): Promise<void> {
		for (const id of ids) {
			try {
				const job = readJob(await this.cleanupClient.post<unknown>(`/batch/jobs/${encodeURIComponent(id)}/cancel`, {}, { repeatable: true, resource: `batch job "${id}"` }));
				this.log(`cancelled ${describeProgress(job)}`);
			} catch (error) {
				this.context.logger.warn(this.client.redact(`${this.label}: could not cancel batch job ${id}: ${(error as Error).message}`));
			}
		}
	}

	/** The results of a finished job by custom_id: inline when the server gives them, else from its files. */
	async results(job: BatchJobInfo): Promise<Map<string, RequestResult>> {
		const results = new Map<string, RequestResult>();
		const full = this.read(await this.fetchJob(job.id, '?inline=true'));
		if (Array.isArray(full.outputs)) {
			readResultLines(full.outputs, results);
			// A server may list only successes inline; the error file still names the failures.
			if (full.error_file && results.size < full.completed_requests) await this.readFile(full.error_file, results);
		} else {
			if (full.output_file) await this.readFile(full.output_file, results);
			if (full.error_file) await this.readFile(full.error_file, results);
		}
		// Every answer (job, inline outputs, files) comes through the client, which takes the credential's secrets out.
		return results;
	}

	/** A job by id; a 404 means the job is gone or belongs to another key, not a wrong Base URL. */
	private async fetchJob(id: string, query = ''): Promise<unknown> {
		try {
			return await this.client.get<unknown>(`/batch/jobs/${encodeURIComponent(id)}${query}`, { resource: `batch job "${id}"` });
		} catch (error) {
			const status = failureInfoOf(error)?.status;
			if (status !== 404 && status !== 422) throw error as Error;
			throw new NodeOperationError(this.context.getNode(), `Mistral has no batch job "${id}" (${status})`, {
				description: 'The job may have been deleted, or belong to another API key or workspace. Check the job reference the items carry and the credential.',
			});
		}
	}

	private read(raw: unknown): BatchJobInfo {
		try {
			return readJob(raw);
		} catch (error) {
			throw new NodeOperationError(this.context.getNode(), (error as Error).message);
		}
	}

	private async readFile(fileId: string, into: Map<string, RequestResult>): Promise<void> {
		const text = await this.client.getText(`/files/${encodeURIComponent(fileId)}/content`, { resource: `file "${fileId}"` });
		readResultLines(parseJsonLines(text), into);
	}

	private isCancellation(error: unknown): boolean {
		return error instanceof AbortedError || failureInfoOf(error)?.kind === 'cancelled' || this.signal?.aborted === true;
	}

	private cancelledOr(error: unknown, cancelledIds: string[]): unknown {
		if (!this.isCancellation(error)) return error;
		return new NodeOperationError(this.context.getNode(), 'The execution was canceled', {
			description: cancelledIds.length
				? `Asked Mistral to cancel batch job(s) ${cancelledIds.join(', ')}.`
				: 'No batch job was left running.',
		});
	}
}
