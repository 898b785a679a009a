/**
 * Mistral Document AI through the n8n engine, against the local server's /v1/ocr and Files API,
 * which read the test documents themselves (PDF page tree and text, DOCX zip, PNG comment).
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { binaryItem, runNode } from './harness/engine';
import { makeDocx, makePdf, makePng, samplePages } from './fixtures/documents';
import { startMistralServer, type MistralTestServer } from './server/mistralServer';

const model = (value = 'mistral-ocr-latest') => ({ __rl: true, mode: 'id', value });
const pdfItem = (name: string, pages: number, extra: string[] = [], json = {}) => binaryItem(makePdf(samplePages(name, pages, extra)), 'application/pdf', `${name}.pdf`, json);

describe('Mistral Document AI through the n8n engine', () => {
	let server: MistralTestServer;
	let files: http.Server;
	let filesOrigin = '';
	const served = new Map<string, Buffer>();
	const credentials = () => ({ apiKey: server.apiKey as string, baseUrl: server.url });
	const ocrRequests = () => server.requests.filter((request) => request.path === '/ocr');
	const count = (method: string, pattern: RegExp) => server.requests.filter((request) => request.method === method && pattern.test(request.path)).length;

	beforeAll(async () => {
		server = await startMistralServer();
		files = http.createServer((req, res) => {
			const body = served.get(req.url ?? '');
			if (!body) {
				res.writeHead(404).end();
				return;
			}
			res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': body.length }).end(body);
		});
		await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
		filesOrigin = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
	});
	afterAll(async () => {
		await server.close();
		await new Promise<void>((resolve) => files.close(() => resolve()));
	});
	beforeEach(() => {
		server.reset();
		server.configure({ latencyMs: 0, ocrLatencyMs: undefined, faults: {} });
	});

	it('reads PDFs given as binary, one item per document, in order, with pairedItem', async () => {
		const items = Array.from({ length: 6 }, (_, index) => pdfItem(`doc-${index}`, 1 + ((index * 7) % 30)));
		const result = await runNode({ node: 'mistralDocumentAi', parameters: { model: model() }, items, credentials: credentials() });

		expect(result.error).toBeUndefined();
		expect(ocrRequests()).toHaveLength(6);
		expect(result.items).toHaveLength(6);
		result.items.forEach((item, index) => {
			const pages = 1 + ((index * 7) % 30);
			expect(item.pairedItem).toEqual({ item: index });
			expect(item.json.pageCount).toBe(pages);
			expect((item.json.usage as { pages_processed: number }).pages_processed).toBe(pages);
			expect(item.json.markdown).toContain(`doc-${index} page 0`);
			expect(item.json.markdown).toContain(`doc-${index} page ${pages - 1}`);
			expect(item.json.markdown).not.toContain(`doc-${index + 1} page`);
			expect((item.json.document as { fileName: string }).fileName).toBe(`doc-${index}.pdf`);
		});
		// Inline, as a spec-valid PDF data URL whose bytes are the input's.
		const body = ocrRequests()[0].body;
		expect(body.document.type).toBe('document_url');
		expect(body.document.document_url.startsWith('data:application/pdf;base64,')).toBe(true);
		const sent = Buffer.from(body.document.document_url.split(',')[1], 'base64');
		expect(createHash('sha1').update(sent).digest('hex')).toBe(createHash('sha1').update(makePdf(samplePages('doc-0', 1))).digest('hex'));
	});

	it('outputs one item per page, with page index, tables apart and pairedItem to its document', async () => {
		const items = [pdfItem('alpha', 3), pdfItem('beta', 2)];
		const result = await runNode({
			node: 'mistralDocumentAi',
			parameters: { model: model(), output: 'page', options: { tableFormat: 'html' } },
			items,
			credentials: credentials(),
		});
		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => [item.json.pageIndex, item.pairedItem])).toEqual([
			[0, { item: 0 }],
			[1, { item: 0 }],
			[2, { item: 0 }],
			[0, { item: 1 }],
			[1, { item: 1 }],
		]);
		expect(result.items[3].json.markdown).toContain('beta page 0');
		const tables = result.items[0].json.tables as Array<{ id: string; content: string; format: string }>;
		expect(tables).toHaveLength(1);
		expect(tables[0].format).toBe('html');
		expect(tables[0].content).toContain('<td>Widget 0</td>');
		expect(result.items[0].json.markdown).toContain(`[${tables[0].id}](${tables[0].id})`);
		expect(ocrRequests()[0].body.table_format).toBe('html');
	});

	it('reads the pages asked for as users type them, and refuses a range beyond the document before sending', async () => {
		const result = await runNode({ node: 'mistralDocumentAi', parameters: { model: model(), pages: '0-1, 4', output: 'page' }, items: [pdfItem('gamma', 6)], credentials: credentials() });
		expect(result.error).toBeUndefined();
		expect(ocrRequests()[0].body.pages).toEqual([0, 1, 4]);
		expect(result.items.map((item) => item.json.markdown)).toEqual([expect.stringContaining('gamma page 0'), expect.stringContaining('gamma page 1'), expect.stringContaining('gamma page 4')]);

		server.reset();
		const beyond = await runNode({ node: 'mistralDocumentAi', parameters: { model: model(), pages: '2-9' }, items: [pdfItem('delta', 5)], credentials: credentials() });
		expect(beyond.error?.message).toMatch(/pages? 5-9.*has 5 pages.*Fix "Pages".*\[item 0\]/);
		expect(server.requests).toHaveLength(0);
	});

	it('fills the invoice schema into "annotation" and sends it as document_annotation_format', async () => {
		const items = [
			pdfItem('inv-a', 2, ['invoice_number: INV-001', 'total: 120.50', 'currency: EUR', 'seller_name: ACME SA']),
			pdfItem('inv-b', 1, ['invoice_number: INV-002', 'total: 99', 'currency: USD', 'seller_name: Globex']),
		];
		const result = await runNode({ node: 'mistralDocumentAi', parameters: { model: model(), documentAnnotation: 'invoice', annotationPrompt: 'Dates as YYYY-MM-DD' }, items, credentials: credentials() });
		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => item.json.annotation)).toEqual([
			expect.objectContaining({ invoice_number: 'INV-001', total: 120.5, currency: 'EUR', seller_name: 'ACME SA', line_items: [] }),
			expect.objectContaining({ invoice_number: 'INV-002', total: 99, currency: 'USD', seller_name: 'Globex' }),
		]);
		const body = ocrRequests()[0].body;
		expect(body.document_annotation_format).toEqual({ type: 'json_schema', json_schema: expect.objectContaining({ name: 'invoice', strict: true, schema: expect.objectContaining({ type: 'object' }) }) });
		expect(body.document_annotation_prompt).toBe('Dates as YYYY-MM-DD');
	});

	it('names the item and the fix for bad input, and the other items still come through (Continue On Fail)', async () => {
		const items = [
			pdfItem('good-0', 2),
			binaryItem(Buffer.from('just some text, not a document'), 'application/pdf', 'fake.pdf'),
			binaryItem(Buffer.alloc(0), 'application/pdf', 'empty.pdf'),
			pdfItem('good-3', 1),
		];
		const result = await runNode({ node: 'mistralDocumentAi', parameters: { model: model() }, items, credentials: credentials(), continueOnFail: true });
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(4);
		expect(result.items[0].json.markdown).toContain('good-0 page 1');
		expect(result.items[1].json.error).toMatch(/not a document Mistral reads.*\(it says "application\/pdf"\).*\[item 1\]/);
		expect(result.items[2].json.error).toMatch(/empty \(0 bytes\).*\[item 2\]/);
		expect(result.items[3].json.markdown).toContain('good-3 page 0');
		expect(result.items.map((item) => item.pairedItem)).toEqual([0, 1, 2, 3].map((item) => ({ item })));
		expect(ocrRequests()).toHaveLength(2);
	});

	it('refuses an option typed out of range (an expression) before any request', async () => {
		const result = await runNode({ node: 'mistralDocumentAi', parameters: { model: model(), options: { maxConcurrency: '={{ 0 }}' } }, items: [pdfItem('x', 1)], credentials: credentials() });
		expect(result.error?.message).toMatch(/Max Concurrent Requests/);
		expect(server.requests).toHaveLength(0);
	});

	it('refuses an invalid custom schema naming the item, before anything is sent', async () => {
		const result = await runNode({
			node: 'mistralDocumentAi',
			parameters: { model: model(), documentAnnotation: 'custom', customSchema: '{"type": "object", properties: {}}' },
			items: [pdfItem('x', 1)],
			credentials: credentials(),
		});
		expect(result.error?.message).toMatch(/"Custom Schema \(JSON\)" is not valid JSON.*\[item 0\]/);
		expect(server.requests).toHaveLength(0);
	});

	it('uploads a large file (purpose ocr), reads it by file id and deletes it afterwards', async () => {
		const big = makePdf(samplePages('big', 3), { padBytes: 12 * 1024 * 1024 });
		const result = await runNode({
			node: 'mistralDocumentAi',
			parameters: { model: model() },
			items: [binaryItem(big, 'application/pdf', 'big.pdf')],
			credentials: credentials(),
		});
		expect(result.error).toBeUndefined();
		expect(result.items[0].json.markdown).toContain('big page 2');
		expect(count('POST', /^\/files$/)).toBe(1);
		expect(count('DELETE', /^\/files\/[0-9a-f-]+$/)).toBe(1);
		expect(ocrRequests()[0].body.document).toEqual({ type: 'file', file_id: expect.any(String) });
		expect(ocrRequests()[0].bodyBytes).toBeLessThan(2000);
		expect(server.batch.uploadedFileIds()).toEqual([]);
	});

	it('deletes the uploaded file when the run is stopped during OCR', async () => {
		server.configure({ ocrLatencyMs: 5_000 });
		const big = makePdf(samplePages('stopped', 2), { padBytes: 11 * 1024 * 1024 });
		const result = await runNode({
			node: 'mistralDocumentAi',
			parameters: { model: model() },
			items: [binaryItem(big, 'application/pdf', 'stopped.pdf')],
			credentials: credentials(),
			cancelAfterMs: 1_500,
		});
		expect(result.statusAtCancel ?? result.status).toBe('canceled');
		// The delete goes out after the cancel, through a client without the execution's signal.
		const deadline = Date.now() + 10_000;
		while (server.batch.uploadedFileIds().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
		expect(count('POST', /^\/files$/)).toBe(1);
		expect(count('DELETE', /^\/files\/[0-9a-f-]+$/)).toBe(1);
		expect(server.batch.uploadedFileIds()).toEqual([]);
	});

	it('deletes the file when the run is stopped while it uploads, and sends no OCR request after the Stop', async () => {
		server.configure({ latencyMs: 3_000 });
		const big = makePdf(samplePages('mid-upload', 2), { padBytes: 11 * 1024 * 1024 });
		const result = await runNode({
			node: 'mistralDocumentAi',
			parameters: { model: model() },
			items: [binaryItem(big, 'application/pdf', 'mid-upload.pdf')],
			credentials: credentials(),
			cancelAfterMs: 1_000,
		});
		expect(result.statusAtCancel ?? result.status).toBe('canceled');
		const deadline = Date.now() + 15_000;
		while ((server.batch.uploadedFileIds().length > 0 || count('DELETE', /^\/files\//) === 0) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
		expect(count('POST', /^\/files$/)).toBe(1);
		expect(count('DELETE', /^\/files\/[0-9a-f-]+$/)).toBe(1);
		expect(server.batch.uploadedFileIds()).toEqual([]);
		expect(ocrRequests()).toHaveLength(0);
	});

	it('refuses a file over 50 MB or 1,000 pages before any upload', async () => {
		const huge = makePdf(samplePages('huge', 1), { padBytes: 51 * 1024 * 1024 });
		const long = makePdf(Array.from({ length: 1001 }, (_, index) => ({ lines: [`long page ${index}`] })));
		const result = await runNode({
			node: 'mistralDocumentAi',
			parameters: { model: model() },
			items: [binaryItem(huge, 'application/pdf', 'huge.pdf'), binaryItem(long, 'application/pdf', 'long.pdf')],
			credentials: credentials(),
			continueOnFail: true,
		});
		expect(result.items[0].json.error).toMatch(/is 51\.0 MB; Mistral Document AI reads documents up to 50 MB.*\[item 0\]/);
		expect(result.items[1].json.error).toMatch(/has 1,001 pages; .*at most 1,000 pages.*\[item 1\]/);
		expect(server.requests).toHaveLength(0);
	});

	it('reads documents by URL (Mistral fetches them), a PNG and a DOCX by binary', async () => {
		served.set('/reports/r1.pdf', makePdf(samplePages('remote-1', 2)));
		const items = [
			{ json: { url: `${filesOrigin}/reports/r1.pdf` } },
			binaryItem(makePng('receipt photo 42'), 'image/png', 'photo.png'),
			binaryItem(makeDocx([['Contract Alpha', 'governing_law: France'], ['Second page text']]), 'application/octet-stream', 'contract.docx'),
		];
		const url = await runNode({ node: 'mistralDocumentAi', parameters: { model: model(), source: 'url' }, items: [items[0]], credentials: credentials() });
		expect(url.error).toBeUndefined();
		expect(url.items[0].json.markdown).toContain('remote-1 page 1');
		expect(ocrRequests()[0].body.document).toEqual({ type: 'document_url', document_url: `${filesOrigin}/reports/r1.pdf`, document_name: 'r1.pdf' });

		server.reset();
		const local = await runNode({ node: 'mistralDocumentAi', parameters: { model: model(), documentAnnotation: 'contract' }, items: items.slice(1), credentials: credentials() });
		expect(local.error).toBeUndefined();
		expect(ocrRequests()[0].body.document.type).toBe('image_url');
		expect(ocrRequests()[0].body.document.image_url.startsWith('data:image/png;base64,')).toBe(true);
		expect(local.items[0].json.markdown).toBe('receipt photo 42');
		expect(ocrRequests()[1].body.document.document_url.startsWith('data:application/vnd.openxmlformats-officedocument.wordprocessingml.document;base64,')).toBe(true);
		expect(local.items[1].json.pageCount).toBe(2);
		expect((local.items[1].json.annotation as { governing_law: string }).governing_law).toBe('France');
	});

	it('outputs embedded images as binary properties named by their ids, with image annotations', async () => {
		const pdf = makePdf([{ lines: ['figs page 0', '[figure 300x200]', '[figure 20x20]'] }, { lines: ['figs page 1', '[figure 400x400]'] }]);
		const result = await runNode({
			node: 'mistralDocumentAi',
			parameters: { model: model(), output: 'page', options: { includeImages: true, imageMinSize: 50, imageLimit: 5, bboxSchema: '{"type":"object","properties":{"figure":{"type":"string"}}}' } },
			items: [binaryItem(pdf, 'application/pdf', 'figs.pdf')],
			credentials: credentials(),
		});
		expect(result.error).toBeUndefined();
		expect(Object.keys(result.items[0].binary ?? {})).toEqual(['img-0.jpeg']);
		expect(Object.keys(result.items[1].binary ?? {})).toEqual(['img-1.jpeg']);
		expect(result.items[0].binary!['img-0.jpeg'].mimeType).toBe('image/jpeg');
		const images = result.items[0].json.images as Array<Record<string, unknown>>;
		expect(images[0].annotation).toEqual({ figure: expect.stringContaining('img-0.jpeg') });
		expect(images[0]).not.toHaveProperty('image_base64');
		const body = ocrRequests()[0].body;
		expect(body).toEqual(expect.objectContaining({ include_image_base64: true, image_limit: 5, image_min_size: 50, bbox_annotation_format: expect.objectContaining({ type: 'json_schema' }) }));
	});

	it('runs 1,000 pages of documents as one batch job and matches results to their items', async () => {
		server.configure({ batch: { speed: 1000, queueSeconds: 0, requestsPerSecond: 1000 } });
		const items = Array.from({ length: 40 }, (_, index) => pdfItem(`batch-${index}`, 25));
		const result = await runNode({ node: 'mistralDocumentAi', parameters: { model: model(), processing: 'batch' }, items, credentials: credentials() });
		expect(result.error).toBeUndefined();
		const jobs = server.batch.jobSummaries();
		expect(jobs).toHaveLength(1);
		expect(jobs[0].total).toBe(40);
		expect(ocrRequests()).toHaveLength(0);
		expect(result.items).toHaveLength(40);
		result.items.forEach((item, index) => {
			expect(item.pairedItem).toEqual({ item: index });
			expect(item.json.pageCount).toBe(25);
			expect(item.json.markdown).toContain(`batch-${index} page 24`);
		});
		const pages = result.items.reduce((sum, item) => sum + (item.json.usage as { pages_processed: number }).pages_processed, 0);
		expect(pages).toBe(1000);
	});

	it('Mistral Chat sends an attached PDF as a spec-valid document_url; a large one through upload and a signed URL, deleted after', async () => {
		const items = [
			binaryItem(makePdf(samplePages('chat-small', 2)), 'application/pdf', 'small.pdf', { prompt: 'What is this?' }),
			binaryItem(makePdf(samplePages('chat-large', 2), { padBytes: 11 * 1024 * 1024 }), 'application/pdf', 'large.pdf', { prompt: 'And this?' }),
		];
		const result = await runNode({
			node: 'mistralChat',
			parameters: { model: { __rl: true, mode: 'id', value: 'mistral-small-latest' }, documents: { document: [{ source: 'binary', binaryProperty: 'data' }] } },
			items,
			credentials: credentials(),
		});
		expect(result.error).toBeUndefined();
		const chats = server.requests.filter((request) => request.path === '/chat/completions');
		expect(chats.map((request) => request.status)).toEqual([200, 200]);
		const content = chats.map((request) => request.body.messages.at(-1).content);
		expect(content[0][1]).toEqual({ type: 'document_url', document_url: expect.stringMatching(/^data:application\/pdf;base64,/), document_name: 'small.pdf' });
		expect(content[1][1]).toEqual({ type: 'document_url', document_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/signed\//), document_name: 'large.pdf' });
		// The server read each document: its answer names the first line of the PDF it got.
		expect(result.items.map((item) => item.json.content)).toEqual(['Echo: What is this? [documents: chat-small page 0]', 'Echo: And this? [documents: chat-large page 0]']);
		expect(count('POST', /^\/files$/)).toBe(1);
		expect(count('GET', /^\/files\/[0-9a-f-]+\/url$/)).toBe(1);
		expect(count('DELETE', /^\/files\/[0-9a-f-]+$/)).toBe(1);
		expect(server.batch.uploadedFileIds()).toEqual([]);
	});

	it('Mistral Chat refuses an attachment that is not a document, naming the item', async () => {
		const result = await runNode({
			node: 'mistralChat',
			parameters: { model: { __rl: true, mode: 'id', value: 'mistral-small-latest' }, documents: { document: [{ source: 'binary', binaryProperty: 'data' }] } },
			items: [binaryItem(Buffer.from('hello'), 'application/pdf', 'x.pdf', { prompt: 'hi' })],
			credentials: credentials(),
		});
		expect(result.error?.message).toMatch(/Document 1 \(binary property "data"\) is not a document Mistral reads.*\[item 0\]/);
		expect(server.requests).toHaveLength(0);
	});
});
