/** The test server's /v1/ocr and Files API parts hold to the spec: unknown fields, limits, purposes, signed URLs. */
import { makePdf, samplePages } from '../fixtures/documents';
import { startMistralServer, type MistralTestServer } from './mistralServer';

describe('test server: /v1/ocr and files', () => {
	let server: MistralTestServer;
	beforeAll(async () => {
		server = await startMistralServer();
	});
	afterAll(async () => await server.close());

	const post = async (path: string, body: unknown) => {
		const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: 'Bearer test-key', 'content-type': 'application/json' }, body: JSON.stringify(body) });
		return { status: response.status, json: (await response.json()) as any };
	};
	const pdfUrl = (pages: number, name = 'doc') => `data:application/pdf;base64,${makePdf(samplePages(name, pages)).toString('base64')}`;
	const upload = async (purpose: string) => {
		const form = new FormData();
		form.set('purpose', purpose);
		form.set('file', new Blob([new Uint8Array(makePdf(samplePages('up', 2)))], { type: 'application/pdf' }), 'up.pdf');
		const response = await fetch(`${server.url}/files`, { method: 'POST', headers: { authorization: 'Bearer test-key' }, body: form });
		return (await response.json()) as { id: string };
	};

	it('rejects unknown fields and a missing model with 422, a chat model with 400', async () => {
		const unknown = await post('/ocr', { model: 'mistral-ocr-latest', document: { type: 'document_url', document_url: pdfUrl(1) }, language: 'fr' });
		expect(unknown.status).toBe(422);
		expect(unknown.json.message.detail[0]).toEqual(expect.objectContaining({ type: 'extra_forbidden', loc: ['body', 'language'] }));
		const missing = await post('/ocr', { document: { type: 'document_url', document_url: pdfUrl(1) } });
		expect(missing.status).toBe(422);
		expect(missing.json.message.detail[0]).toEqual(expect.objectContaining({ type: 'missing', loc: ['body', 'model'] }));
		const chatModel = await post('/ocr', { model: 'mistral-small-latest', document: { type: 'document_url', document_url: pdfUrl(1) } });
		expect(chatModel.status).toBe(400);
	});

	it('answers with pages that name their document, and refuses pages beyond it', async () => {
		const ok = await post('/ocr', { model: 'mistral-ocr-latest', document: { type: 'document_url', document_url: pdfUrl(3, 'named') }, pages: '1-2' });
		expect(ok.status).toBe(200);
		expect(ok.json.pages.map((page: any) => [page.index, page.markdown.split('\n')[0]])).toEqual([
			[1, 'named page 1'],
			[2, 'named page 2'],
		]);
		expect(ok.json.usage_info.pages_processed).toBe(2);
		const beyond = await post('/ocr', { model: 'mistral-ocr-latest', document: { type: 'document_url', document_url: pdfUrl(3) }, pages: [5] });
		expect(beyond.status).toBe(400);
	});

	it('reads files uploaded for OCR only, and serves signed URLs within 1 to 168 hours', async () => {
		const forOcr = await upload('ocr');
		const forBatch = await upload('batch');
		expect((await post('/ocr', { model: 'mistral-ocr-latest', document: { type: 'file', file_id: forOcr.id } })).status).toBe(200);
		expect((await post('/ocr', { model: 'mistral-ocr-latest', document: { type: 'file', file_id: forBatch.id } })).status).toBe(400);
		const get = (query: string) => fetch(`${server.url}/files/${forOcr.id}/url${query}`, { headers: { authorization: 'Bearer test-key' } });
		expect((await get('?expiry=0')).status).toBe(400);
		const signed = (await (await get('?expiry=2')).json()) as { url: string };
		const content = await fetch(signed.url);
		expect(content.status).toBe(200);
		expect(Buffer.from(await content.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
		expect((await fetch(signed.url.replace(/sig=[^&]+/, 'sig=forged'))).status).toBe(403);
	});
});
