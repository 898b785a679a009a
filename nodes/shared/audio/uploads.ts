/**
 * Audio files uploaded to Mistral's Files API (`purpose: audio`) so that a JSON request (a batch line)
 * can name them by `file_id`; deleted again once their transcripts are in.
 */
import type { MistralClient } from '../transport/client';
import { multipartBody } from '../transport/multipart';
import { type AudioSource, formField } from './transcription';

export async function uploadAudio(client: MistralClient, source: Extract<AudioSource, { kind: 'bytes' }>, itemIndex: number): Promise<string> {
	const answer = await client.postMultipart<{ id?: unknown }>(
		'/files',
		multipartBody([
			formField('purpose', 'audio'),
			{ name: 'file', filename: source.fileName, contentType: source.type.mimeType, data: source.data },
		]),
		{},
		itemIndex,
	);
	if (typeof answer?.id !== 'string' || answer.id === '') throw new Error('The Files API answered without a file "id"');
	return answer.id;
}

/** Best effort: a file left behind expires on Mistral's side; the failures are returned for the log. */
export async function deleteUploads(client: MistralClient, fileIds: readonly string[]): Promise<string[]> {
	const failures: string[] = [];
	for (const id of fileIds) {
		try {
			await client.delete(`/files/${encodeURIComponent(id)}`);
		} catch (error) {
			failures.push(`${id}: ${(error as Error).message}`);
		}
	}
	return failures;
}
