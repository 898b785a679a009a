import { FilesApi, UploadedFiles } from '../../../../nodes/shared/files/filesApi';
import type { MistralClient } from '../../../../nodes/shared/transport/client';

/** A failure as MistralClient reports it: its FailureInfo on `context.mistral`. */
const failure = (status: number, notSent = false) => Object.assign(new Error(`Not found (${status})`), { context: { mistral: { kind: 'http', status, ...(notSent ? { notSent } : {}) } } });

describe('UploadedFiles cleanup', () => {
	it('a file the server answers it no longer has (404) counts as deleted; one not sent, or refused otherwise, is reported with its id', async () => {
		const answers: Record<string, Error | undefined> = { gone: failure(404), there: undefined, latched: failure(404, true), refused: failure(500) };
		const sent: string[] = [];
		const client = {
			delete: async (path: string) => {
				const id = path.replace('/files/', '');
				sent.push(id);
				const answer = answers[id];
				if (answer) throw answer;
				return {};
			},
		} as unknown as MistralClient;
		const uploads = new UploadedFiles(new FilesApi(client));
		for (const id of Object.keys(answers)) uploads.track({ id, bytes: 0, filename: '', purpose: 'ocr' });
		const report = await uploads.deleteAll();
		expect(sent.sort()).toEqual(['gone', 'latched', 'refused', 'there']);
		expect(report.deleted).toBe(2);
		expect(report.failed.map((entry) => entry.id).sort()).toEqual(['latched', 'refused']);
	});
});
