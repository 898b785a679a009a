/** What Mistral Chat's and Mistral Embed's batch modes share around the runner: its making, and submission. */
import type { ICredentialDataDecryptedObject, IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { readTransportOptions } from '../commonOptions';
import { CREDENTIAL_TYPE, MistralClient } from '../transport/client';
import type { BatchEndpoint, BatchJobInfo, BatchRequestLine } from './jobs';
import { BatchRunner } from './runner';

/** Job submissions can carry 10,000 requests: more time than one realtime answer. */
const DEFAULT_BATCH_TIMEOUT_S = 300;

export function newBatchRunner(context: IExecuteFunctions, label: string): BatchRunner {
	const options = (context.getNodeParameter('options', 0, {}) as IDataObject) ?? {};
	const transport = readTransportOptions(options, 1, DEFAULT_BATCH_TIMEOUT_S);
	const client = new MistralClient(context, transport);
	// Cancel requests go out after the execution's cancel signal fired, which n8n attaches to every
	// request of the node's context: they go through a context without that signal. Short, retried once.
	const credentials = context.getCredentials(CREDENTIAL_TYPE);
	credentials.catch(() => undefined);
	const cleanup = client.variant({ timeoutMs: Math.min(transport.timeoutMs, 15_000), maxRetries: 1 }, detachedFromCancel(context, credentials));
	// A job created twice is billed twice: a submission that may have gone through is never re-sent.
	const submitter = client.variant({ maxAmbiguousRetries: 0 });
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
