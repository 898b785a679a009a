/** The Files API for one node execution: uploads through the node's client, deletes through one that outlives a Stop. */
import type { IExecuteFunctions } from 'n8n-workflow';

import { detachedFromCancel } from '../batch/glue';
import type { TransportSettings } from '../commonOptions';
import { CREDENTIAL_TYPE, MistralClient } from '../transport/client';
import { FilesApi, UploadedFiles } from './filesApi';

export interface ExecutionFiles {
	files: FilesApi;
	uploads: UploadedFiles;
}

export function executionFiles(context: IExecuteFunctions, transport: TransportSettings): ExecutionFiles {
	const credentials = context.getCredentials(CREDENTIAL_TYPE);
	credentials.catch(() => undefined);
	// An upload is not aborted by a Stop: aborted mid-way, the server may keep the file without the node
	// ever learning its id, so it could not delete it. It finishes, is tracked, and the cleanup deletes it
	// (the next request of the execution sees the Stop). Not sent again after a possible success either:
	// a second copy would be stored.
	const uploader = new MistralClient(detachedFromCancel(context, credentials), { ...transport, maxAmbiguousRetries: 0 });
	// Deletes go out after a Stop too: through a context without the execution's cancel signal. Short, retried once.
	const cleanup = new MistralClient(detachedFromCancel(context, credentials), { ...transport, timeoutMs: Math.min(transport.timeoutMs, 15_000), maxRetries: 1 });
	return { files: new FilesApi(uploader), uploads: new UploadedFiles(new FilesApi(cleanup)) };
}

/** Deletes what the execution uploaded (run it in a `finally`); a file that could not be deleted is logged with its id. */
export async function deleteUploads(context: IExecuteFunctions, files: ExecutionFiles, label: string): Promise<void> {
	if (files.uploads.count === 0) return;
	const report = await files.uploads.deleteAll();
	for (const failure of report.failed) {
		context.logger.warn(`${label}: could not delete uploaded file ${failure.id} (${failure.message}); delete it in Mistral's console or with DELETE /v1/files/${failure.id}`);
	}
}
