/**
 * Mistral's Files API as the nodes use it: upload a file for a purpose (`ocr`, `batch`, `audio`…),
 * get a signed URL for it, delete it; and `UploadedFiles`, which remembers what one execution
 * uploaded and deletes it all at the end, also when the execution failed or was stopped.
 *
 * Imports no n8n: it speaks through the transport's MistralApi (authentication, retries, redaction).
 * Deleting after a Stop needs a client whose requests do not carry the cancelled execution's signal
 * (see `detachedFromCancel` in ../batch/glue.ts).
 */
import type { MistralApi } from '../transport/api';
import { failureInfoOf } from '../transport/failureInfo';
import { multipartBody, type MultipartBody, type UploadBuffer } from '../transport/multipart';
import { InputError, AnswerError } from '../errors';

export type FilePurpose = 'fine-tune' | 'batch' | 'ocr' | 'audio';

export interface UploadedFile {
	id: string;
	bytes: number;
	filename: string;
	purpose: string;
}

/** Mistral accepts files up to 512 MB (spec, `POST /v1/files`). */
export const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;

/** A file name safe in a multipart header and meaningful in Mistral's file list. */
export function uploadName(name: string | undefined, fallbackExtension: string): string {
	const cleaned = [...(name ?? '')].map((char) => (char.charCodeAt(0) < 0x20 || '"\\/'.includes(char) ? '_' : char)).join('').trim().slice(0, 200);
	return cleaned || `document.${fallbackExtension}`;
}

export class FilesApi {
	constructor(private readonly client: MistralApi) {}

	/**
	 * Uploads `data` (sent once: an upload that may have gone through is not sent again, or two files would be stored).
	 * The multipart body is one copy of `data`; `uploadFrom` avoids even that.
	 */
	async upload(data: Buffer, filename: string, contentType: string, purpose: FilePurpose, itemIndex?: number): Promise<UploadedFile> {
		if (data.length > MAX_UPLOAD_BYTES) throw new InputError(`The file is ${(data.length / 1024 / 1024).toFixed(0)} MB; Mistral stores files up to 512 MB`);
		const body = multipartBody([
			// eslint-disable-next-line n8n-nodes-base/node-param-display-name-miscased -- a form field, not a node parameter
			{ name: 'purpose', value: purpose },
			{ name: 'file', filename, contentType, data },
		]);
		return await this.send(body, data.length, filename, purpose, itemIndex);
	}

	/** Uploads a file already written into an `uploadBuffer` (no copy of it is made). */
	async uploadFrom(buffer: UploadBuffer, filename: string, contentType: string, purpose: FilePurpose, itemIndex?: number): Promise<UploadedFile> {
		if (buffer.file.length > MAX_UPLOAD_BYTES) throw new InputError(`The file is ${(buffer.file.length / 1024 / 1024).toFixed(0)} MB; Mistral stores files up to 512 MB`);
		// eslint-disable-next-line n8n-nodes-base/node-param-display-name-miscased -- a form field, not a node parameter
		const body = buffer.finish([{ name: 'purpose', value: purpose }], { name: 'file', filename, contentType });
		return await this.send(body, buffer.file.length, filename, purpose, itemIndex);
	}

	private async send(body: MultipartBody, size: number, filename: string, purpose: FilePurpose, itemIndex?: number): Promise<UploadedFile> {
		const answer = await this.client.postMultipart<Record<string, unknown>>('/files', body, {}, itemIndex);
		if (typeof answer?.id !== 'string' || answer.id === '') throw new AnswerError('Mistral answered the upload without a file id');
		return {
			id: answer.id,
			bytes: typeof answer.bytes === 'number' ? answer.bytes : size,
			filename: typeof answer.filename === 'string' ? answer.filename : filename,
			purpose: typeof answer.purpose === 'string' ? answer.purpose : purpose,
		};
	}

	/** A URL Mistral (or anyone holding it) can read the file from, valid for `expiryHours` (1 to 168). */
	async signedUrl(fileId: string, expiryHours = 1, itemIndex?: number): Promise<string> {
		const hours = Math.min(168, Math.max(1, Math.round(expiryHours)));
		const answer = await this.client.get<Record<string, unknown>>(`/files/${encodeURIComponent(fileId)}/url?expiry=${hours}`, { resource: `file "${fileId}"` });
		if (typeof answer?.url !== 'string' || answer.url === '') throw new AnswerError(`Mistral answered without a signed URL for file ${fileId}${itemIndex !== undefined ? ` [item ${itemIndex}]` : ''}`);
		return answer.url;
	}

	/**
	 * Deletes a file; one Mistral answers it no longer has (404, e.g. deleted by an earlier run of the
	 * same items) counts as deleted. A request the client did not send (a setup failure ended the
	 * execution's requests) is still a failure: that file may be there.
	 */
	async delete(fileId: string): Promise<void> {
		try {
			await this.client.delete(`/files/${encodeURIComponent(fileId)}`, { resource: `file "${fileId}"` });
		} catch (error) {
			const info = failureInfoOf(error);
			if (info?.status !== 404 || info.notSent === true) throw error as Error;
		}
	}
}

export interface CleanupReport {
	deleted: number;
	/** Files that could not be deleted: the user may delete them by hand. */
	failed: Array<{ id: string; message: string }>;
}

/**
 * The files one execution uploaded. `deleteAll` runs in a `finally`: after a success, a failure or
 * a Stop alike. Deletes go through `cleanup`, a Files API whose client ignores the execution's cancel signal.
 */
export class UploadedFiles {
	private readonly ids = new Set<string>();

	constructor(private readonly cleanup: FilesApi) {}

	get count(): number {
		return this.ids.size;
	}

	track(file: UploadedFile): UploadedFile {
		this.ids.add(file.id);
		return file;
	}

	/** Deletes one file now (when its item is done), keeping it for `deleteAll` if that fails. */
	async release(fileId: string): Promise<void> {
		if (!this.ids.has(fileId)) return;
		try {
			await this.cleanup.delete(fileId);
			this.ids.delete(fileId);
		} catch {
			// deleteAll tries again and reports it.
		}
	}

	async deleteAll(): Promise<CleanupReport> {
		const report: CleanupReport = { deleted: 0, failed: [] };
		const ids = [...this.ids];
		this.ids.clear();
		await Promise.all(
			ids.map(async (id) => {
				try {
					await this.cleanup.delete(id);
					report.deleted++;
				} catch (error) {
					report.failed.push({ id, message: error instanceof Error ? error.message : String(error) });
				}
			}),
		);
		return report;
	}
}
