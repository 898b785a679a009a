/** The small parts both nodes' batch modes share: clients, submission, per-item outcomes. */
import type { ICredentialDataDecryptedObject, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { readTransportOptions } from '../commonOptions';
import type { Settled } from '../concurrency';
import { CREDENTIAL_TYPE, MistralClient } from '../transport/client';
import type { BatchEndpoint, BatchJobInfo, BatchRequestLine } from './jobs';
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
function detachedFromCancel(context: IExecuteFunctions, credentials: Promise<ICredentialDataDecryptedObject>): IExecuteFunctions {
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
