/**
 * Runs Mistral batch jobs for a node: submit, poll with growing waits (a progress line in n8n's log
 * each time), cancel the jobs when the execution is cancelled or when nobody will collect them, and
 * fetch their results (inline, or from the output and error files).
 */
import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { AbortedError, abortableSleep } from '../abortableSleep';
import { describeStats, failureInfoOf, type MistralClient } from '../transport/client';
import { Redactor } from '../transport/redaction';
import {
	type BatchEndpoint,
	type BatchJobInfo,
	type BatchRequestLine,
	createJobBody,
	describeProgress,
	isFinished,
	parseJsonLines,
	pollDelayMs,
	readJob,
	readResultLines,
	type RequestResult,
} from './jobs';

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
	/** Job creation: never retried after a failure that may have created the job. */
	submitter: MistralClient;
	/** Sends even after the execution was cancelled: the cancel requests themselves. */
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
		/** Takes the credential's secrets out of what failed requests say (a hostile server may echo them). */
		private readonly redactor: Promise<Redactor> = Promise.resolve(new Redactor()),
	) {
		this.client = clients.client;
		this.submitter = clients.submitter;
		this.cleanupClient = clients.cleanup;
	}

	/** Requests, retries and time waited before retries (rate limits included), for the debug log. */
	describeStats(): string {
		const stats = [this.client.stats, this.submitter.stats].reduce((sum, one) => ({
			requests: sum.requests + one.requests,
			retries: sum.retries + one.retries,
			retryWaitMs: sum.retryWaitMs + one.retryWaitMs,
		}));
		return describeStats(stats);
	}

	private get signal(): AbortSignal | undefined {
		return typeof this.context.getExecutionCancelSignal === 'function' ? this.context.getExecutionCancelSignal() : undefined;
	}

	private log(message: string): void {
		this.context.logger.info(`${this.label}: ${message}`);
	}

	/** Submits the jobs one after another; if one fails, the ones already submitted are cancelled. */
	async submit(endpoint: BatchEndpoint, jobs: PlannedJob[], metadata: Record<string, string>, timeoutHours?: number): Promise<BatchJobInfo[]> {
		const submitted: BatchJobInfo[] = [];
		try {
			for (const [index, job] of jobs.entries()) {
				const partMetadata = jobs.length > 1 ? { ...metadata, part: `${index + 1}/${jobs.length}` } : metadata;
				const body = createJobBody({ endpoint, model: job.model, requests: job.requests, metadata: partMetadata, timeoutHours });
				const created = this.read(await this.submitter.post<unknown>('/batch/jobs', body as never, { model: job.model }));
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
			const info = failureInfoOf(error);
			const mayExist = info?.kind === 'timeout' || info?.kind === 'invalid-response' || (info?.kind === 'network' && info.code === 'ECONNRESET');
			if (mayExist) {
				const failure = error as Error & { description?: string };
				throw new NodeOperationError(this.context.getNode(), failure.message, {
					description:
						`${failure.description ? `${failure.description} ` : ''}The batch job may have been created anyway, so it was not sent again ` +
						'(a job sent twice is billed twice). Look for it in the Mistral console (Batch jobs, metadata n8n_execution) before running the node again.',
				});
			}
			throw this.cancelledOr(error, submitted.map((job) => job.id));
		}
		return submitted;
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
				const job = readJob(await this.cleanupClient.post<unknown>(`/batch/jobs/${encodeURIComponent(id)}/cancel`, {}));
				this.log(`cancelled ${describeProgress(job)}`);
			} catch (error) {
				this.context.logger.warn(`${this.label}: could not cancel batch job ${id}: ${(error as Error).message}`);
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
		const redactor = await this.redactor;
		for (const [customId, result] of results) {
			if (!result.ok) results.set(customId, { ...result, message: redactor.text(result.message), body: redactor.body(result.body) });
		}
		return results;
	}

	/** A job by id; a 404 means the job is gone or belongs to another key, not a wrong Base URL. */
	private async fetchJob(id: string, query = ''): Promise<unknown> {
		try {
			return await this.client.get<unknown>(`/batch/jobs/${encodeURIComponent(id)}${query}`);
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
		const text = await this.client.getText(`/files/${encodeURIComponent(fileId)}/content`);
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
