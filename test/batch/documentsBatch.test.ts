/**
 * Mistral Document AI in batch mode, "Submit Only" then "Collect Results", through n8n's real engine
 * against the local server: its OCR reads each document (an uploaded one from its Files API, so a
 * file deleted too early fails its request), and its counters say what was uploaded and deleted.
 */
import type { IDataObject } from 'n8n-workflow';
import { binaryItem, runNode } from '../harness/engine';
import { makePdf, samplePages } from '../fixtures/documents';
import { startMistralServer, type MistralTestServer } from '../server/mistralServer';

const model = { __rl: true, mode: 'id', value: 'mistral-ocr-latest' };
/** Three PDFs; "scan" is padded past the 0.1 MB upload threshold used below, the others go inline. */
const DOCUMENTS = [
	{ name: 'contract', pages: 3, padBytes: 0 },
	{ name: 'scan', pages: 2, padBytes: 300 * 1024 },
	{ name: 'memo', pages: 1, padBytes: 0 },
];
const documentItems = () =>
	DOCUMENTS.map(({ name, pages, padBytes }, index) => binaryItem(makePdf(samplePages(name, pages), { padBytes }), 'application/pdf', `${name}.pdf`, { row: index }));

describe('Mistral Document AI batch: Submit Only, then Collect Results (n8n engine)', () => {
	let server: MistralTestServer;
	const credentials = () => ({ apiKey: server.apiKey as string, baseUrl: server.url });
	const count = (method: string, pattern: RegExp) => server.requests.filter((request) => request.method === method && pattern.test(request.path)).length;
	const deletedPaths = () => server.requests.filter((request) => request.method === 'DELETE' && request.path.startsWith('/files/')).map((request) => request.path);
	const jobCreations = () => server.requests.filter((request) => request.method === 'POST' && request.path === '/batch/jobs');
	const parameters = (batchMode: string, extra: Record<string, unknown> = {}) => ({ model, processing: 'batch', batchMode, ...extra });

	/** Submits the three documents while the job stays queued; the items as a Wait node would pass them on (json only). */
	async function submit(): Promise<{ items: Array<{ json: IDataObject }>; jobId: string; fileId: string }> {
		server.configure({ batch: { speed: 1, queueSeconds: 600, requestsPerSecond: 1000 } });
		const jobsBefore = new Set(server.batch.jobSummaries().map((job) => job.id));
		const filesBefore = new Set(server.batch.uploadedFileIds());
		const submitted = await runNode({
			node: 'mistralDocumentAi',
			parameters: parameters('submit', { options: { uploadAboveMb: 0.1 } }),
			items: documentItems(),
			credentials: credentials(),
		});
		expect(submitted.error).toBeUndefined();
		const [job] = server.batch.jobSummaries().filter((entry) => !jobsBefore.has(entry.id));
		const [fileId] = server.batch.uploadedFileIds().filter((id) => !filesBefore.has(id));
		return { items: submitted.items.map((item) => ({ json: item.json })), jobId: job.id, fileId };
	}

	beforeAll(async () => {
		server = await startMistralServer();
	});
	afterAll(async () => await server.close());
	beforeEach(() => {
		server.reset();
		server.configure({ latencyMs: 0, faults: {} });
	});

	it('the collecting node outputs each document in input order with pairedItem, and deletes the file the submitting node uploaded', async () => {
		server.configure({ batch: { speed: 1, queueSeconds: 600, requestsPerSecond: 1000 } });
		const submitted = await runNode({
			node: 'mistralDocumentAi',
			parameters: parameters('submit', { options: { uploadAboveMb: 0.1 } }),
			items: documentItems(),
			credentials: credentials(),
		});
		expect(submitted.error).toBeUndefined();

		// Submitting: one upload (the large file only), one job whose request for it names the file, nothing deleted yet.
		expect(count('POST', /^\/files$/)).toBe(1);
		const uploaded = server.batch.uploadedFileIds();
		expect(uploaded).toHaveLength(1);
		expect(jobCreations()).toHaveLength(1);
		const lines = jobCreations()[0].body.requests as Array<{ custom_id: string; body: { document: { type: string; file_id?: string; document_url?: string } } }>;
		expect(lines.map((line) => line.custom_id)).toEqual(['0', '1', '2']);
		expect(lines[1].body.document).toEqual({ type: 'file', file_id: uploaded[0] });
		expect(lines[0].body.document.document_url).toMatch(/^data:application\/pdf;base64,/);
		expect(lines[2].body.document.document_url).toMatch(/^data:application\/pdf;base64,/);
		expect(deletedPaths()).toEqual([]);
		expect(count('POST', /^\/ocr$/)).toBe(0);
		const [job] = server.batch.jobSummaries();
		expect(submitted.items.map((item) => [item.json.row, item.pairedItem])).toEqual([0, 1, 2].map((row) => [row, { item: row }]));
		expect(submitted.items[1].json.mistralBatch).toMatchObject({ jobIds: [job.id], parts: [{ jobId: job.id, customId: '1' }], fileIds: [uploaded[0]] });
		expect(submitted.items[0].json.mistralBatch).not.toHaveProperty('fileIds');

		// The job runs later; it reads the uploaded file then, so it must still be there.
		server.batch.advance(3_600_000);
		const collected = await runNode({
			node: 'mistralDocumentAi',
			parameters: parameters('collect'),
			items: submitted.items.map((item) => ({ json: item.json })),
			credentials: credentials(),
		});
		expect(collected.error).toBeUndefined();
		expect(server.batch.jobSummaries()).toEqual([expect.objectContaining({ id: job.id, status: 'SUCCESS' })]);
		expect(collected.items).toHaveLength(3);
		collected.items.forEach((item, index) => {
			const { name, pages } = DOCUMENTS[index];
			expect(item.pairedItem).toEqual({ item: index });
			expect(item.json.pageCount).toBe(pages);
			expect(item.json.markdown).toContain(`${name} page 0`);
			expect(item.json.markdown).toContain(`${name} page ${pages - 1}`);
			for (const other of DOCUMENTS.filter((entry) => entry.name !== name)) expect(item.json.markdown).not.toContain(`${other.name} page`);
			expect(item.json.document).toMatchObject({ source: 'binary', fileName: `${name}.pdf`, mimeType: 'application/pdf' });
			expect(item.json).not.toHaveProperty('mistralBatch');
		});
		expect(collected.items[1].json.document).toMatchObject({ uploaded: true });
		// The collecting node deleted the upload, once; nothing was submitted or read in realtime again.
		expect(deletedPaths()).toEqual([`/files/${uploaded[0]}`]);
		expect(server.batch.uploadedFileIds()).toEqual([]);
		expect(jobCreations()).toHaveLength(1);
		expect(count('POST', /^\/files$/)).toBe(1);
		expect(count('POST', /^\/ocr$/)).toBe(0);
	});

	it('Output "One Item per Page" in the collecting node: each page its own item, paired to its document', async () => {
		const { items } = await submit();
		server.batch.advance(3_600_000);
		const collected = await runNode({ node: 'mistralDocumentAi', parameters: parameters('collect', { output: 'page' }), items, credentials: credentials() });
		expect(collected.error).toBeUndefined();
		expect(collected.items.map((item) => [item.pairedItem, item.json.pageIndex, String(item.json.markdown).split('\n')[0]])).toEqual(
			DOCUMENTS.flatMap(({ name, pages }, index) => Array.from({ length: pages }, (_, page) => [{ item: index }, page, `${name} page ${page}`])),
		);
		expect(server.batch.uploadedFileIds()).toEqual([]);
	});

	it('an item without its reference field is an error item naming the field (Continue On Fail); the others come through and the upload is deleted', async () => {
		const { items, fileId } = await submit();
		delete items[0].json.mistralBatch;
		server.batch.advance(3_600_000);
		const collected = await runNode({ node: 'mistralDocumentAi', parameters: parameters('collect'), items, credentials: credentials(), continueOnFail: true });
		expect(collected.error).toBeUndefined();
		expect(collected.items).toHaveLength(3);
		expect(collected.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(collected.items[0].json.error).toMatch(/The item has no "mistralBatch" field with a batch job reference.*"Submit Only".*\[item 0\]$/);
		expect(collected.items[0].json).not.toHaveProperty('markdown');
		expect(collected.items[1].json.markdown).toContain('scan page 1');
		expect(collected.items[2].json.markdown).toContain('memo page 0');
		expect(deletedPaths()).toEqual([`/files/${fileId}`]);
		expect(server.batch.uploadedFileIds()).toEqual([]);
	});

	it('without Continue On Fail the node stops at that item, before waiting, and leaves the upload for the run that collects it', async () => {
		const { items, fileId } = await submit();
		const broken = items.map((item, index) => (index === 2 ? { json: { ...item.json, mistralBatch: { jobIds: [] } } } : item));
		const stopped = await runNode({ node: 'mistralDocumentAi', parameters: parameters('collect'), items: broken, credentials: credentials() });
		expect(stopped.error?.message).toMatch(/The "mistralBatch" field is not a batch job reference.*\[item 2\]/);
		expect(count('GET', /^\/batch\/jobs/)).toBe(0);
		expect(deletedPaths()).toEqual([]);
		expect(server.batch.uploadedFileIds()).toEqual([fileId]);

		server.batch.advance(3_600_000);
		const collected = await runNode({ node: 'mistralDocumentAi', parameters: parameters('collect'), items, credentials: credentials() });
		expect(collected.error).toBeUndefined();
		expect(collected.items.map((item) => String(item.json.markdown).split('\n')[0])).toEqual(['contract page 0', 'scan page 0', 'memo page 0']);
		expect(deletedPaths()).toEqual([`/files/${fileId}`]);
	});

	it('a job still running when Max Wait runs out: the node says so, keeps the job and the upload, and a later run collects both', async () => {
		const { items, jobId, fileId } = await submit();
		const early = await runNode({ node: 'mistralDocumentAi', parameters: parameters('collect', { maxWaitMinutes: 0 }), items, credentials: credentials() });
		expect(early.error?.message).toMatch(new RegExp(`Max Wait ran out.*${jobId} QUEUED: 0/3`));
		expect(early.error?.description).toMatch(/keep running/);
		expect(count('POST', /\/cancel$/)).toBe(0);
		expect(deletedPaths()).toEqual([]);
		expect(server.batch.uploadedFileIds()).toEqual([fileId]);

		server.batch.advance(3_600_000);
		const later = await runNode({ node: 'mistralDocumentAi', parameters: parameters('collect'), items, credentials: credentials() });
		expect(later.error).toBeUndefined();
		expect(later.items[1].json.markdown).toContain('scan page 1');
		expect(deletedPaths()).toEqual([`/files/${fileId}`]);
	});

	it('collecting the same items again (a re-run) gives the same documents; the file already deleted is neither an error nor a warning', async () => {
		const { items } = await submit();
		server.batch.advance(3_600_000);
		const first = await runNode({ node: 'mistralDocumentAi', parameters: parameters('collect'), items, credentials: credentials() });
		const again = await runNode({ node: 'mistralDocumentAi', parameters: parameters('collect'), items, credentials: credentials() });
		expect(first.error).toBeUndefined();
		expect(again.error).toBeUndefined();
		expect(again.items.map((item) => item.json)).toEqual(first.items.map((item) => item.json));
		// The second run's delete finds the file gone (404): that is what it wanted, not a file to delete by hand.
		expect(server.requests.filter((request) => request.method === 'DELETE').map((request) => request.status)).toEqual([200, 404]);
		expect(again.logs.filter((line) => /could not delete/.test(line))).toEqual([]);
		expect(server.batch.uploadedFileIds()).toEqual([]);
	});

	it('a request that failed inside its job is an error item naming the job and the request; the upload is deleted all the same', async () => {
		server.configure({ batch: { speed: 1, queueSeconds: 600, requestsPerSecond: 1000, failRequestsContaining: 'broken-scan' } });
		const submitted = await runNode({
			node: 'mistralDocumentAi',
			parameters: parameters('submit', { source: '={{ $json.url ? "url" : "binary" }}', documentUrl: '={{ $json.url }}', options: { uploadAboveMb: 0.1 } }),
			items: [documentItems()[1], { json: { url: 'https://docs.example.com/broken-scan.pdf' } }, documentItems()[2]],
			credentials: credentials(),
		});
		expect(submitted.error).toBeUndefined();
		const [job] = server.batch.jobSummaries();
		const [fileId] = server.batch.uploadedFileIds();
		server.batch.advance(3_600_000);
		const collected = await runNode({
			node: 'mistralDocumentAi',
			parameters: parameters('collect'),
			items: submitted.items.map((item) => ({ json: item.json })),
			credentials: credentials(),
			continueOnFail: true,
		});
		expect(collected.error).toBeUndefined();
		expect(collected.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(collected.items[0].json.markdown).toContain('scan page 1');
		expect(collected.items[1].json.error).toMatch(/The Mistral server failed \(500\).*\[item 1\]$/);
		expect(collected.items[1].json.errorDescription).toContain(`batch job ${job.id}, request "1"`);
		expect(collected.items[2].json.markdown).toContain('memo page 0');
		expect(deletedPaths()).toEqual([`/files/${fileId}`]);

		const stopped = await runNode({ node: 'mistralDocumentAi', parameters: parameters('collect'), items: submitted.items.map((item) => ({ json: item.json })), credentials: credentials() });
		expect(stopped.error?.message).toMatch(/The Mistral server failed \(500\).*\[item 1\]/);
	});
	it('items of two Submit Only runs collected together, under a custom reference field: both jobs read, both uploads deleted', async () => {
		server.configure({ batch: { speed: 1, queueSeconds: 600, requestsPerSecond: 1000 } });
		const submitOne = async (items: ReturnType<typeof documentItems>) => {
			const result = await runNode({
				node: 'mistralDocumentAi',
				parameters: parameters('submit', { batchReferenceField: 'ocrJob', options: { uploadAboveMb: 0.1 } }),
				items,
				credentials: credentials(),
			});
			expect(result.error).toBeUndefined();
			return result.items.map((item) => ({ json: item.json }));
		};
		const [contract, scan, memo] = documentItems();
		const first = await submitOne([contract, scan]);
		const second = await submitOne([memo, binaryItem(makePdf(samplePages('annex', 2), { padBytes: 200 * 1024 }), 'application/pdf', 'annex.pdf')]);
		const jobs = server.batch.jobSummaries();
		const uploads = server.batch.uploadedFileIds();
		expect(jobs).toHaveLength(2);
		expect(uploads).toHaveLength(2);
		expect(first[0].json).not.toHaveProperty('mistralBatch');
		server.batch.advance(3_600_000);

		const items = [...second, ...first];
		const wrongField = await runNode({ node: 'mistralDocumentAi', parameters: parameters('collect'), items, credentials: credentials() });
		expect(wrongField.error?.message).toMatch(/The item has no "mistralBatch" field with a batch job reference.*\[item 0\]/);

		const collected = await runNode({ node: 'mistralDocumentAi', parameters: parameters('collect', { batchReferenceField: 'ocrJob' }), items, credentials: credentials() });
		expect(collected.error).toBeUndefined();
		expect(collected.items.map((item) => [item.pairedItem, (item.json.document as { fileName: string }).fileName, String(item.json.markdown).split('\n')[0]])).toEqual([
			[{ item: 0 }, 'memo.pdf', 'memo page 0'],
			[{ item: 1 }, 'annex.pdf', 'annex page 0'],
			[{ item: 2 }, 'contract.pdf', 'contract page 0'],
			[{ item: 3 }, 'scan.pdf', 'scan page 0'],
		]);
		const reads = server.requests.filter((request) => request.method === 'GET' && /^\/batch\/jobs\/[^/]+$/.test(request.path)).map((request) => request.path);
		expect(new Set(reads)).toEqual(new Set(jobs.map((job) => `/batch/jobs/${job.id}`)));
		expect(deletedPaths().sort()).toEqual(uploads.map((id) => `/files/${id}`).sort());
		expect(server.batch.uploadedFileIds()).toEqual([]);
	});

	it('one upload already deleted (its items collected before), the other not: a 404 on one file does not stop the other delete', async () => {
		server.configure({ batch: { speed: 1, queueSeconds: 600, requestsPerSecond: 1000 } });
		const submitOne = async (items: ReturnType<typeof documentItems>) => {
			const result = await runNode({ node: 'mistralDocumentAi', parameters: parameters('submit', { options: { uploadAboveMb: 0.1 } }), items, credentials: credentials() });
			expect(result.error).toBeUndefined();
			return result.items.map((item) => ({ json: item.json }));
		};
		const [contract, scan, memo] = documentItems();
		const first = await submitOne([contract, scan]);
		const second = await submitOne([memo, binaryItem(makePdf(samplePages('annex', 2), { padBytes: 200 * 1024 }), 'application/pdf', 'annex.pdf')]);
		const uploads = server.batch.uploadedFileIds();
		expect(uploads).toHaveLength(2);
		server.batch.advance(3_600_000);
		const firstRun = await runNode({ node: 'mistralDocumentAi', parameters: parameters('collect'), items: first, credentials: credentials() });
		expect(firstRun.error).toBeUndefined();
		expect(server.batch.uploadedFileIds()).toHaveLength(1);

		const all = await runNode({ node: 'mistralDocumentAi', parameters: parameters('collect'), items: [...first, ...second], credentials: credentials() });
		expect(all.error).toBeUndefined();
		expect(all.items.map((item) => String(item.json.markdown).split('\n')[0])).toEqual(['contract page 0', 'scan page 0', 'memo page 0', 'annex page 0']);
		expect(server.batch.uploadedFileIds()).toEqual([]);
		expect(all.logs.filter((line) => /could not delete/.test(line))).toEqual([]);
	});

	it('a job that ended FAILED: the documents it read come out, the others name the job and what Mistral said; the upload is deleted', async () => {
		server.configure({ batch: { speed: 1, queueSeconds: 600, requestsPerSecond: 1000, failJobAfter: { requests: 2, message: 'OCR worker crashed' } } });
		const submitted = await runNode({ node: 'mistralDocumentAi', parameters: parameters('submit', { options: { uploadAboveMb: 0.1 } }), items: documentItems(), credentials: credentials() });
		expect(submitted.error).toBeUndefined();
		const [job] = server.batch.jobSummaries();
		server.batch.advance(3_600_000);
		const items = submitted.items.map((item) => ({ json: item.json }));
		const collected = await runNode({ node: 'mistralDocumentAi', parameters: parameters('collect'), items, credentials: credentials(), continueOnFail: true });
		expect(server.batch.jobSummaries()[0].status).toBe('FAILED');
		expect(collected.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(collected.items[0].json.markdown).toContain('contract page 2');
		expect(collected.items[1].json.markdown).toContain('scan page 1');
		expect(collected.items[2].json.error).toMatch(new RegExp(`batch job ${job.id} failed: 2 of 3 request\\(s\\) succeeded, 0 failed, 1 not run\\. Mistral said: OCR worker crashed.*\\[item 2\\]$`));
		expect(server.batch.uploadedFileIds()).toEqual([]);
	});

	it('references of another node (Mistral Moderate) are refused per item, naming the job\'s endpoint and the one this node collects', async () => {
		server.configure({ batch: { speed: 1, queueSeconds: 600, requestsPerSecond: 1000 } });
		const moderated = await runNode({
			node: 'mistralModerate',
			parameters: { model: { __rl: true, mode: 'id', value: 'mistral-moderation-latest' }, processing: 'batch', batchMode: 'submit' },
			items: [{ json: { text: 'hello' } }, { json: { text: 'world' } }],
			credentials: credentials(),
		});
		expect(moderated.error).toBeUndefined();
		server.batch.advance(3_600_000);
		const collected = await runNode({
			node: 'mistralDocumentAi',
			parameters: parameters('collect'),
			items: moderated.outputs[0].map((item) => ({ json: item.json })),
			credentials: credentials(),
			continueOnFail: true,
		});
		expect(collected.error).toBeUndefined();
		const [job] = server.batch.jobSummaries();
		expect(collected.items.map((item) => [item.pairedItem, item.json.error])).toEqual([0, 1].map((i) => [
			{ item: i },
			`The "mistralBatch" reference is to Mistral batch job ${job.id}, which ran /v1/moderations requests; this node collects /v1/ocr jobs. Connect it after a node of the same kind in "Submit Only" mode [item ${i}]`,
		]));
		const stopped = await runNode({ node: 'mistralDocumentAi', parameters: parameters('collect'), items: moderated.outputs[0].map((item) => ({ json: item.json })), credentials: credentials() });
		expect(stopped.error?.message).toMatch(/which ran \/v1\/moderations requests; this node collects \/v1\/ocr jobs.*\[item 0\]$/);
	});
});
