/** The small parts both nodes' batch modes share: clients, submission, per-item outcomes. */
import type { ICredentialDataDecryptedObject, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { readTransportOptions } from '../commonOptions';
import type { Settled } from '../concurrency';
import { CREDENTIAL_TYPE, MistralClient } from '../transport/client';
import { batchHint, type BatchEndpoint, type BatchJobInfo, type BatchRequestLine, jobSummary } from './jobs';
import { BatchRunner } from './runner';

/** Job submissions can carry 10,000 requests: more time than one realtime answer. */
const DEFAULT_BATCH_TIMEOUT_S = 300;

export type ItemOutcomes = Array<Settled<INodeExecutionData[]> | undefined>;

export function newBatchRunner(context: IExecuteFunctions, label: string): BatchRunner {
	const options = (context.getNodeParameter('options', 0, {}) as IDataObject) ?? {};
	const transport = readTransportOptions(options, 1, DEFAULT_BATCH_TIMEOUT_S);
	const client = new MistralClient(context, transport);
	// Cancel requests go out after the execution's cancel signal fired, which n8n attaches to every
	// request of the node's context: they go through a context without that signal. Short, retried once.
	const credentials = context.getCredentials(CREDENTIAL_TYPE);
	credentials.catch(() => undefined);
	const cleanup = new MistralClient(detachedFromCancel(context, credentials), { ...transport, timeoutMs: Math.min(transport.timeoutMs, 15_000), maxRetries: 1 });
	// A job created twice is billed twice: a submission that may have gone through is never re-sent.
	const submitter = new MistralClient(context, { ...transport, maxAmbiguousRetries: 0 });
	return new BatchRunner(context, { client, submitter, cleanup }, label);
}

/**
 * The parts of the node's context an HTTP request needs, without the execution's cancel signal.
 * The credential is read now and kept: when n8n shuts down, it cancels executions after closing
 * what the credential store needs, and the cancel requests must still go out.
 */
export function detachedFromCancel(context: IExecuteFunctions, credentials: Promise<ICredentialDataDecryptedObject>): IExecuteFunctions {
	const detached = {
		getCredentials: async (type: string) => (type === CREDENTIAL_TYPE ? await credentials : await context.getCredentials(type)),
		getNode: context.getNode.bind(context),
		helpers: context.helpers,
		logger: context.logger,
	};
	return detached as unknown as IExecuteFunctions;
}

export async function submitAndReference(
	runner: BatchRunner,
	endpoint: BatchEndpoint,
	jobs: Array<{ model: string; requests: BatchRequestLine[] }>,
	metadata: Record<string, string>,
	timeoutHours: number,
): Promise<BatchJobInfo[]> {
	if (jobs.length === 0) return [];
	return await runner.submit(endpoint, jobs, metadata, timeoutHours);
}

/** Runs `produce` for one item and keeps its items or its error. */
export function settle(produce: () => INodeExecutionData[]): Settled<INodeExecutionData[]> {
	try {
		return { ok: true, value: produce() };
	} catch (error) {
		return { ok: false, error };
	}
}

/**
 * What the editor shows of a batch run besides the results (n8n shows nothing but a spinner while a
 * node waits): an execution hint with each job's id and counts, and, in wait and collect modes,
 * `batchJob` (id, status, request counts) on each output item, from the job its results came from.
 */
export function reportBatchRun(
	context: IExecuteFunctions,
	runner: BatchRunner,
	mode: 'wait' | 'submit' | 'collect',
	outcomes: ItemOutcomes,
	jobIdOf: (itemIndex: number) => string | undefined,
): void {
	const jobs = [...runner.jobsSeen.values()];
	if (jobs.length === 0) return;
	if (typeof context.addExecutionHints === 'function') {
		context.addExecutionHints({ message: batchHint(jobs, mode, Date.now() - runner.startedAt), type: 'info', location: 'outputPane' });
	}
	if (mode === 'submit') return;
	outcomes.forEach((outcome, itemIndex) => {
		const job = runner.jobsSeen.get(jobIdOf(itemIndex) ?? '');
		if (!outcome?.ok || !job) return;
		for (const item of outcome.value) item.json.batchJob = jobSummary(job);
	});
}
