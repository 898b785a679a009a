/**
 * What links an n8n item to its requests in batch jobs (the reference a "Submit Only" node adds to
 * each item), and the lookup of each request's result once the jobs have finished.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { type ItemOutcomes, stopError } from '../itemResults';
import { isObject } from '../json';
import { describeHttpError } from '../transport/errorMessages';
import { type BatchEndpoint, type BatchJobInfo, jobEndProblem, type RequestResult } from './jobs';
import { withoutReference } from './parameters';
import type { BatchRunner, WaitSettings } from './runner';

/** One request of an item: its job, its custom_id and, for embeddings, the text's position in it. */
export interface BatchPart {
	jobId: string;
	customId: string;
	/** Embeddings: the text's position in its request, and how many texts that request holds. */
	index?: number;
	size?: number;
}

export interface BatchReference extends IDataObject {
	jobIds: string[];
	parts: BatchPart[];
}

/** The item's reference, or a message saying what is wrong with it. */
export function readReference(json: IDataObject, field: string): BatchReference | string {
	const raw = json[field];
	const hint = `Connect this node after a node of the same kind in "Submit Only" mode (directly or through e.g. a Wait node), and keep its "${field}" field`;
	if (raw === undefined) {
		// An error item of the submitting node (Continue On Fail) reaches here without a reference: its own failure is what to fix.
		if (typeof json.error === 'string' && json.error !== '') return `The item failed in an earlier node, so it has no "${field}" batch job reference: ${json.error.replace(/ \[item \d+\]$/, '')}`;
		return `The item has no "${field}" field with a batch job reference. ${hint}`;
	}
	if (!isObject(raw) || !Array.isArray(raw.parts) || raw.parts.length === 0) {
		return `The "${field}" field is not a batch job reference. ${hint}`;
	}
	const parts: BatchPart[] = [];
	for (const part of raw.parts) {
		if (!isObject(part) || typeof part.jobId !== 'string' || part.jobId === '' || typeof part.customId !== 'string') {
			return `The "${field}" field has a request without "jobId" and "customId". ${hint}`;
		}
		const entry: BatchPart = { jobId: part.jobId, customId: part.customId };
		if (typeof part.index === 'number') entry.index = part.index;
		if (typeof part.size === 'number') entry.size = part.size;
		parts.push(entry);
	}
	const jobIds = [...new Set(parts.map((part) => part.jobId))];
	return { ...(raw as IDataObject), jobIds, parts };
}

/** The results of finished jobs, looked up per request. */
export class JobResults {
	constructor(
		private readonly jobs: Map<string, BatchJobInfo>,
		private readonly results: Map<string, Map<string, RequestResult>>,
	) {}

	/** These results and those of later jobs (follow-up jobs of the same run). */
	with(other: JobResults): JobResults {
		return new JobResults(new Map([...this.jobs, ...other.jobs]), new Map([...this.results, ...other.results]));
	}

	/** The job as Mistral last described it, if it was read. */
	job(id: string): BatchJobInfo | undefined {
		return this.jobs.get(id);
	}

	get(part: BatchPart): RequestResult {
		const found = this.results.get(part.jobId)?.get(part.customId);
		if (found) return found;
		const job = this.jobs.get(part.jobId);
		const problem = job ? jobEndProblem(job) : undefined;
		return {
			ok: false,
			message:
				problem ??
				`Mistral batch job ${part.jobId} has no result for request "${part.customId}", although the job finished`,
		};
	}
}

/** Waits for the jobs and reads all their results. */
export async function collectJobs(runner: BatchRunner, jobIds: string[], wait: WaitSettings): Promise<JobResults> {
	const finished = await runner.waitForAll(jobIds, wait);
	const jobs = new Map(finished.map((job) => [job.id, job]));
	const results = new Map<string, Map<string, RequestResult>>();
	for (const job of finished) results.set(job.id, await runner.results(job));
	return new JobResults(jobs, results);
}

/** What "Collect Results" found on the items: each one's reference or the reason it cannot be collected. */
export interface CollectedReferences {
	references: Array<BatchReference | undefined>;
	problems: Array<Error | undefined>;
	results: JobResults;
}

/**
 * "Collect Results" mode of every node: reads each item's reference (and the node's own check of it),
 * stops at the first bad item unless Continue On Fail is on, then waits for the referenced jobs
 * (never cancelling them: they belong to the submitting execution too) and reads their results.
 * A reference to a job of another endpoint (a "Submit Only" node of another kind) fails its item.
 */
export async function collectReferencedJobs(
	context: IExecuteFunctions,
	runner: BatchRunner,
	settings: { referenceField: string; maxWaitMs: number; endpoints: BatchEndpoint[] },
	checkItem?: (reference: BatchReference, itemIndex: number) => Error | string | undefined,
): Promise<CollectedReferences> {
	const node = context.getNode();
	const references: Array<BatchReference | undefined> = [];
	const problems: Array<Error | undefined> = [];
	for (const [itemIndex, item] of context.getInputData().entries()) {
		const reference = readReference(item.json, settings.referenceField);
		const problem = typeof reference === 'string' ? reference : checkItem?.(reference, itemIndex);
		references.push(typeof reference === 'string' || problem !== undefined ? undefined : reference);
		problems.push(typeof problem === 'string' ? new NodeOperationError(node, problem, { itemIndex }) : problem);
	}
	const firstBad = problems.findIndex((problem) => problem !== undefined);
	if (firstBad !== -1 && !context.continueOnFail()) throw stopError(context, problems[firstBad], firstBad);
	const jobIds = [...new Set(references.flatMap((reference) => reference?.jobIds ?? []))];
	const results = await collectJobs(runner, jobIds, { maxWaitMs: settings.maxWaitMs, cancelOnGiveUp: false });
	references.forEach((reference, itemIndex) => {
		const foreign = reference?.jobIds.map((id) => results.job(id)).find((job) => typeof job?.endpoint === 'string' && !(settings.endpoints as string[]).includes(job.endpoint));
		if (!foreign) return;
		references[itemIndex] = undefined;
		problems[itemIndex] = new NodeOperationError(
			node,
			`The "${settings.referenceField}" reference is to Mistral batch job ${foreign.id}, which ran ${String(foreign.endpoint)} requests; this node collects ${settings.endpoints.join(' or ')} jobs. Connect it after a node of the same kind in "Submit Only" mode`,
			{ itemIndex },
		);
	});
	return { references, problems, results };
}

/**
 * The answer to an item whose reference names one request (Chat, Audio, Document AI, Moderate):
 * the request's body, or the item's error (a bad reference, or the request's failure in its job).
 */
function referencedAnswer(
	context: IExecuteFunctions,
	collected: CollectedReferences,
	itemIndex: number,
): { ok: true; body: unknown; reference: BatchReference } | { ok: false; error: Error } {
	const reference = collected.references[itemIndex];
	if (!reference) return { ok: false, error: collected.problems[itemIndex] ?? new NodeOperationError(context.getNode(), 'The item has no batch job reference', { itemIndex }) };
	const answer = partAnswer(context, collected.results, reference.parts[0], itemIndex, typeof reference.model === 'string' ? reference.model : undefined);
	return answer.ok ? { ...answer, reference } : answer;
}

/**
 * "Collect Results" for nodes with one request per item: each item's error, or what `settleItem`
 * makes of its request's answer, given the item's own fields without the reference.
 */
export async function referencedOutcomes(
	context: IExecuteFunctions,
	collected: CollectedReferences,
	referenceField: string,
	settleItem: (answer: { body: unknown; reference: BatchReference }, itemIndex: number, input: IDataObject) => ItemOutcomes[number] | Promise<ItemOutcomes[number]>,
): Promise<ItemOutcomes> {
	const outcomes: ItemOutcomes = [];
	for (const [itemIndex, item] of context.getInputData().entries()) {
		const answer = referencedAnswer(context, collected, itemIndex);
		outcomes.push(answer.ok ? await settleItem(answer, itemIndex, withoutReference(item.json, referenceField)) : answer);
	}
	return outcomes;
}

export type PartAnswer = { ok: true; body: unknown } | { ok: false; error: Error };

/** One request's answer in finished jobs: its body, or the item's error in the same words as realtime. */
export function partAnswer(context: IExecuteFunctions, results: JobResults, part: BatchPart, itemIndex: number, model?: string): PartAnswer {
	const result = results.get(part);
	return result.ok ? { ok: true, body: result.body } : { ok: false, error: requestFailure(context, result, part, itemIndex, model) };
}

/** Each request of the submitted jobs (one per item: custom_id is the item's index) with its place in them. */
export function submittedRequests<Request extends { itemIndex: number }>(
	jobs: Array<{ items: Request[] }>,
	submitted: Array<{ id: string }>,
): Array<{ request: Request; part: BatchPart }> {
	return jobs.flatMap((job, jobIndex) => job.items.map((request) => ({ request, part: { jobId: submitted[jobIndex].id, customId: String(request.itemIndex) } })));
}

/** "Submit Only" output for nodes with one request per item: the input item with its reference added. */
export function referencedItem(
	item: INodeExecutionData,
	itemIndex: number,
	field: string,
	reference: BatchReference,
): INodeExecutionData[] {
	return [{ json: { ...item.json, [field]: reference }, pairedItem: { item: itemIndex } }];
}

/** The error of an item whose request failed inside a job: the same words as in realtime mode. */
export function requestFailure(
	context: IExecuteFunctions,
	result: Extract<RequestResult, { ok: false }>,
	part: BatchPart,
	itemIndex: number,
	model?: string,
): NodeOperationError {
	const where = `Mistral batch job ${part.jobId}, request "${part.customId}"`;
	let message = result.message;
	let description = `In ${where}.`;
	if (result.status !== undefined) {
		const text = describeHttpError({ status: result.status, body: result.body, url: 'batch', model, attempts: 1 });
		message = text.message;
		// Retries do not happen inside a job: the realtime advice about "Max Retries" does not apply.
		const advice =
			result.status >= 500 || result.status === 429
				? 'Mistral could not process this request inside the batch job; run the item again (in a new job or in realtime).'
				: text.description;
		description = `${advice} (${where}.)`;
	}
	const error = new NodeOperationError(context.getNode(), message, { itemIndex, description });
	if (result.status !== undefined) Object.assign(error, { httpCode: String(result.status) });
	return error;
}
