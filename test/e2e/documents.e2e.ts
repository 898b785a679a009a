/**
 * End-to-end, documents: the packed package in a real n8n (run with
 * `npm run test:e2e -- test/e2e/documents.e2e.ts`), against the local server's /v1/ocr and Files API.
 *  - one workflow (`n8n execute`): 20 PDFs of 1 to 30 pages read from disk by binary, per document
 *    with the invoice schema and per page; the same 20 by URL; a 40 MB PDF through upload (deleted
 *    afterwards); a 51 MB PDF refused before any upload; 40 PDFs of 25 pages in one batch job; a
 *    Mistral Chat item with a PDF attached;
 *  - examples/documents-invoices-table.json on a folder of invoices;
 *  - stopping the execution (`n8n start`, the editor's Stop) while the OCR of an uploaded file runs:
 *    the file is deleted on the server.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { makePdf, samplePages } from '../fixtures/documents';
import { startMistralServer, type MistralTestServer } from '../server/mistralServer';
import { N8N_VERSION } from './n8nVersion';
import { freePort, runN8n, startN8nServer, tail, USER_FOLDER } from './n8nProcess';

const ROOT = path.resolve(__dirname, '../..');
const CREDENTIAL = { id: 'E2eMistralDocs01', name: 'Mistral (documents e2e server)' };
const WORKFLOW_ID = 'E2eDocuments0001';
const STOP_WORKFLOW_ID = 'E2eDocumentsStop';
const EXAMPLE = 'documents-invoices-table.json';
const WORK = path.join(USER_FOLDER, 'e2e-documents');
const DIRS = { pdfs: path.join(WORK, 'pdfs'), big: path.join(WORK, 'big'), huge: path.join(WORK, 'huge'), batch: path.join(WORK, 'batch'), chat: path.join(WORK, 'chat'), invoices: path.join(WORK, 'invoices'), stop: path.join(WORK, 'stop') };
const pagesOf = (index: number) => 1 + ((index * 7) % 30);
const TRIGGER = "When clicking 'Execute workflow'";
const MB = 1024 * 1024;

interface Item {
	json: Record<string, any>;
	pairedItem?: { item: number };
}

let server: MistralTestServer;
let files: http.Server;
let filesOrigin = '';
let brokerPort: number;

const fileEnv = () => ({ N8N_RESTRICT_FILE_ACCESS_TO: WORK, N8N_LOG_LEVEL: 'info', N8N_RUNNERS_BROKER_PORT: String(brokerPort) });

function node(name: string, type: string, parameters: Record<string, unknown>, extra: Record<string, unknown> = {}) {
	return { id: `${name.replace(/\W/g, '').slice(0, 20)}-${Math.random().toString(36).slice(2, 10)}`, name, type, typeVersion: type === 'n8n-nodes-base.set' ? 3.4 : 1, position: [0, 0], parameters, ...extra };
}
const mistral = (name: string, type: string, parameters: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
	node(name, `n8n-nodes-mistral.${type}`, parameters, { credentials: { mistralAiApi: { ...CREDENTIAL } }, ...extra });
const readFiles = (name: string, dir: string) => node(name, 'n8n-nodes-base.readWriteFile', { operation: 'read', fileSelector: `${dir}/*.pdf`, options: {} });
const ocrModel = { __rl: true, mode: 'id', value: 'mistral-ocr-latest' };

function mainWorkflow() {
	const urls = Array.from({ length: 20 }, (_, index) => ({ url: `${filesOrigin}/doc-${String(index).padStart(2, '0')}.pdf` }));
	const nodes = [
		node(TRIGGER, 'n8n-nodes-base.manualTrigger', {}),
		readFiles('Read 20 PDFs', DIRS.pdfs),
		mistral('Per document', 'mistralDocumentAi', { model: ocrModel, documentAnnotation: 'invoice', options: {} }),
		mistral('Per page', 'mistralDocumentAi', { model: ocrModel, output: 'page', options: { tableFormat: 'markdown' } }),
		node('URLs', 'n8n-nodes-base.code', { jsCode: `return ${JSON.stringify(urls)}.map((json) => ({ json }));` }),
		mistral('By URL', 'mistralDocumentAi', { model: ocrModel, source: 'url', documentUrl: '={{ $json.url }}', options: {} }),
		readFiles('Read 40 MB PDF', DIRS.big),
		mistral('Uploaded', 'mistralDocumentAi', { model: ocrModel, pages: '0-1', options: {} }),
		readFiles('Read 51 MB PDF', DIRS.huge),
		mistral('Over the limit', 'mistralDocumentAi', { model: ocrModel, options: {} }, { onError: 'continueRegularOutput' }),
		readFiles('Read 40 PDFs of 25 pages', DIRS.batch),
		mistral('Batch', 'mistralDocumentAi', { model: ocrModel, processing: 'batch', options: {} }),
		readFiles('Read PDF for chat', DIRS.chat),
		mistral('Ask about the PDF', 'mistralChat', { model: { __rl: true, mode: 'id', value: 'mistral-small-latest' }, prompt: 'What is this document about?', documents: { document: [{ source: 'binary', binaryProperty: 'data' }] }, options: {} }),
	];
	const to = (...targets: string[]) => ({ main: [targets.map((target) => ({ node: target, type: 'main', index: 0 }))] });
	return {
		id: WORKFLOW_ID,
		name: 'e2e: documents',
		active: false,
		nodes,
		connections: {
			[TRIGGER]: to('Read 20 PDFs', 'URLs', 'Read 40 MB PDF', 'Read 51 MB PDF', 'Read 40 PDFs of 25 pages', 'Read PDF for chat'),
			'Read 20 PDFs': to('Per document', 'Per page'),
			URLs: to('By URL'),
			'Read 40 MB PDF': to('Uploaded'),
			'Read 51 MB PDF': to('Over the limit'),
			'Read 40 PDFs of 25 pages': to('Batch'),
			'Read PDF for chat': to('Ask about the PDF'),
		},
		settings: { executionOrder: 'v1' },
	};
}

function stopWorkflow() {
	return {
		id: STOP_WORKFLOW_ID,
		name: 'e2e: documents, stopped',
		active: false,
		nodes: [node(TRIGGER, 'n8n-nodes-base.manualTrigger', {}), readFiles('Read 40 MB PDF', DIRS.stop), mistral('Uploaded', 'mistralDocumentAi', { model: ocrModel, options: {} })],
		connections: { [TRIGGER]: { main: [[{ node: 'Read 40 MB PDF', type: 'main', index: 0 }]] }, 'Read 40 MB PDF': { main: [[{ node: 'Uploaded', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

function parseRun(output: string): any {
	const lines = output.split('\n');
	const start = lines.indexOf('{');
	const end = start < 0 ? -1 : lines.indexOf('}', start);
	if (start < 0 || end < 0) throw new Error(`no execution data in the output of n8n execute:\n${tail(output)}`);
	return JSON.parse(lines.slice(start, end + 1).join('\n'));
}

function nodeOutput(run: any, name: string): Item[] {
	const runs = run.data.resultData.runData[name];
	if (!runs?.length) throw new Error(`node "${name}" did not run; ran: ${Object.keys(run.data.resultData.runData).join(', ')}${run.data.resultData.error ? `; error: ${JSON.stringify(run.data.resultData.error).slice(0, 500)}` : ''}`);
	return runs[0].data?.main[0] ?? [];
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
	const end = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > end) return false;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	return true;
}

const count = (method: string, pattern: RegExp) => server.requests.filter((request) => request.method === method && pattern.test(request.path)).length;

beforeAll(async () => {
	server = await startMistralServer({ recordBodies: true });
	brokerPort = await freePort();
	const served = new Map<string, Buffer>();
	for (const dir of Object.values(DIRS)) fs.mkdirSync(dir, { recursive: true });
	for (let index = 0; index < 20; index++) {
		const name = `doc-${String(index).padStart(2, '0')}`;
		const pdf = makePdf(samplePages(name, pagesOf(index), [`invoice_number: INV-${100 + index}`, `total: ${index * 10 + 0.5}`, 'currency: EUR']));
		fs.writeFileSync(path.join(DIRS.pdfs, `${name}.pdf`), pdf);
		served.set(`/${name}.pdf`, pdf);
	}
	fs.writeFileSync(path.join(DIRS.big, 'big.pdf'), makePdf(samplePages('big', 4), { padBytes: 40 * MB }));
	fs.writeFileSync(path.join(DIRS.stop, 'stopped.pdf'), makePdf(samplePages('stopped', 2), { padBytes: 40 * MB }));
	fs.writeFileSync(path.join(DIRS.huge, 'huge.pdf'), makePdf(samplePages('huge', 1), { padBytes: 51 * MB }));
	for (let index = 0; index < 40; index++) fs.writeFileSync(path.join(DIRS.batch, `batch-${String(index).padStart(2, '0')}.pdf`), makePdf(samplePages(`batch-${String(index).padStart(2, '0')}`, 25)));
	fs.writeFileSync(path.join(DIRS.chat, 'brief.pdf'), makePdf(samplePages('chat-brief', 2)));
	for (const [index, seller] of ['ACME SA', 'Globex GmbH', 'Initech Ltd'].entries()) {
		fs.writeFileSync(path.join(DIRS.invoices, `invoice-${index}.pdf`), makePdf(samplePages(`invoice-${index}`, 1 + index, [`invoice_number: F-2024-00${index}`, 'invoice_date: 2024-05-0' + (index + 1), `seller_name: ${seller}`, 'currency: EUR', `total: ${(index + 1) * 100}.25`])));
	}
	files = http.createServer((req, res) => {
		const body = served.get(req.url ?? '');
		if (!body) return void res.writeHead(404).end();
		res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': body.length }).end(body);
	});
	await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
	filesOrigin = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;

	const input = path.join(WORK, 'import');
	fs.mkdirSync(path.join(input, 'workflows'), { recursive: true });
	const credentialFile = path.join(input, 'credentials.json');
	fs.writeFileSync(credentialFile, JSON.stringify([{ ...CREDENTIAL, type: 'mistralAiApi', data: { apiKey: server.apiKey, baseUrl: server.url } }]));
	const credentials = await runN8n(['import:credentials', `--input=${credentialFile}`], { N8N_LOG_LEVEL: 'warn' }, 60_000);
	if (credentials.code !== 0) throw new Error(`import:credentials failed\n${tail(credentials.stdout + credentials.stderr)}`);
	const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', EXAMPLE), 'utf8'));
	for (const each of example.nodes) {
		if (each.credentials?.mistralAiApi) each.credentials.mistralAiApi = { ...CREDENTIAL };
		if (each.type === 'n8n-nodes-base.readWriteFile') each.parameters.fileSelector = `${DIRS.invoices}/*.pdf`;
	}
	fs.writeFileSync(path.join(input, 'workflows', 'example.json'), JSON.stringify(example));
	fs.writeFileSync(path.join(input, 'workflows', 'main.json'), JSON.stringify(mainWorkflow()));
	fs.writeFileSync(path.join(input, 'workflows', 'stop.json'), JSON.stringify(stopWorkflow()));
	const workflows = await runN8n(['import:workflow', '--separate', `--input=${path.join(input, 'workflows')}`], { N8N_LOG_LEVEL: 'warn' }, 60_000);
	if (workflows.code !== 0) throw new Error(`import:workflow failed\n${tail(workflows.stdout + workflows.stderr)}`);
}, 180_000);

afterAll(async () => {
	await server?.close();
	await new Promise<void>((resolve) => (files ? files.close(() => resolve()) : resolve()));
});

beforeEach(() => server.reset());

it('20 PDFs by binary and URL, per document and per page, uploads deleted, limits, batch and chat', async () => {
	server.configure({ batch: { speed: 100, queueSeconds: 1, requestsPerSecond: 200 } });
	const { code, stdout, stderr } = await runN8n(['execute', `--id=${WORKFLOW_ID}`, '--rawOutput'], fileEnv(), 300_000);
	if (code !== 0) throw new Error(`n8n execute exited with ${code}\n${tail(stdout + stderr, 80)}`);
	const run = parseRun(stdout);
	expect(run.data.resultData.error).toBeUndefined();

	// Per document, binary: every item in order, paired with the file it came from, the annotation parsed.
	const read = nodeOutput(run, 'Read 20 PDFs');
	expect(read).toHaveLength(20);
	const fileOf = (item: Item) => read[item.pairedItem!.item].json.fileName as string;
	const perDocument = nodeOutput(run, 'Per document');
	expect(perDocument).toHaveLength(20);
	perDocument.forEach((item, index) => {
		expect(item.pairedItem).toEqual({ item: index });
		const name = fileOf(item).replace('.pdf', '');
		const number = Number(name.slice(4));
		expect(item.json.pageCount).toBe(pagesOf(number));
		expect(item.json.usage.pages_processed).toBe(pagesOf(number));
		expect(item.json.markdown).toContain(`${name} page ${pagesOf(number) - 1}`);
		expect(item.json.annotation).toEqual(expect.objectContaining({ invoice_number: `INV-${100 + number}`, total: number * 10 + 0.5, currency: 'EUR' }));
	});
	// Per page: one item per page, in page order within each document, paired with its document.
	const perPage = nodeOutput(run, 'Per page');
	expect(perPage).toHaveLength(Array.from({ length: 20 }, (_, index) => pagesOf(index)).reduce((a, b) => a + b, 0));
	let previous = { item: -1, page: -1 };
	for (const item of perPage) {
		const current = { item: item.pairedItem!.item, page: item.json.pageIndex as number };
		expect(current.item > previous.item || (current.item === previous.item && current.page === previous.page + 1)).toBe(true);
		expect(item.json.markdown).toContain(`${fileOf(item).replace('.pdf', '')} page ${current.page}`);
		previous = current;
	}
	// By URL: Mistral (the server) fetched each one.
	const byUrl = nodeOutput(run, 'By URL');
	expect(byUrl.map((item) => item.pairedItem)).toEqual(Array.from({ length: 20 }, (_, item) => ({ item })));
	byUrl.forEach((item, index) => expect(item.json.markdown).toContain(`doc-${String(index).padStart(2, '0')} page ${pagesOf(index) - 1}`));

	// 40 MB: uploaded once (purpose ocr), read by file id, deleted; 51 MB: refused before any upload.
	const uploaded = nodeOutput(run, 'Uploaded');
	expect(uploaded[0].json.markdown).toContain('big page 1');
	expect(uploaded[0].json.document).toEqual(expect.objectContaining({ uploaded: true, fileName: 'big.pdf' }));
	expect(count('POST', /^\/files$/)).toBe(1);
	const overLimit = nodeOutput(run, 'Over the limit');
	expect(overLimit[0].json.error).toMatch(/is 51\.0 MB; Mistral Document AI reads documents up to 50 MB/);
	expect(server.requests.filter((request) => request.method === 'POST' && request.path === '/files').every((request) => request.bodyBytes < 45 * MB)).toBe(true);
	expect(count('DELETE', /^\/files\/[0-9a-f-]+$/)).toBe(count('POST', /^\/files$/));
	expect(server.batch.uploadedFileIds()).toEqual([]);

	// Batch: 40 documents of 25 pages in one job, matched to their items.
	const jobs = server.batch.jobSummaries();
	expect(jobs).toHaveLength(1);
	expect(jobs[0].total).toBe(40);
	const readBatch = nodeOutput(run, 'Read 40 PDFs of 25 pages');
	const batch = nodeOutput(run, 'Batch');
	expect(batch).toHaveLength(40);
	batch.forEach((item, index) => {
		expect(item.pairedItem).toEqual({ item: index });
		expect(item.json.markdown).toContain(`${(readBatch[index].json.fileName as string).replace('.pdf', '')} page 24`);
	});
	expect(batch.reduce((sum, item) => sum + item.json.usage.pages_processed, 0)).toBe(1000);

	// Chat: the PDF reached the server as a spec-valid document_url, and the answer names it.
	const chats = server.requests.filter((request) => request.path === '/chat/completions');
	expect(chats).toHaveLength(1);
	expect(chats[0].status).toBe(200);
	expect(chats[0].body.messages.at(-1).content[1]).toEqual({ type: 'document_url', document_url: expect.stringMatching(/^data:application\/pdf;base64,JVBER/), document_name: 'brief.pdf' });
	expect(nodeOutput(run, 'Ask about the PDF')[0].json.content).toBe('Echo: What is this document about? [documents: chat-brief page 0]');
}, 360_000);

it('examples/documents-invoices-table.json: one row of invoice fields per PDF', async () => {
	const { code, stdout, stderr } = await runN8n(['execute', '--id=MistralExInvoice', '--rawOutput'], fileEnv(), 180_000);
	if (code !== 0) throw new Error(`n8n execute exited with ${code}\n${tail(stdout + stderr, 80)}`);
	const run = parseRun(stdout);
	expect(run.data.resultData.error).toBeUndefined();
	const rows = nodeOutput(run, 'Invoice table').map((item) => item.json);
	expect(rows.sort((a, b) => String(a.file).localeCompare(String(b.file)))).toEqual([
		{ file: 'invoice-0.pdf', invoice_number: 'F-2024-000', invoice_date: '2024-05-01', seller: 'ACME SA', currency: 'EUR', total: 100.25, pages: 1 },
		{ file: 'invoice-1.pdf', invoice_number: 'F-2024-001', invoice_date: '2024-05-02', seller: 'Globex GmbH', currency: 'EUR', total: 200.25, pages: 2 },
		{ file: 'invoice-2.pdf', invoice_number: 'F-2024-002', invoice_date: '2024-05-03', seller: 'Initech Ltd', currency: 'EUR', total: 300.25, pages: 3 },
	]);
	expect(server.requests.filter((request) => request.path === '/ocr').every((request) => request.body.document_annotation_format?.json_schema?.name === 'invoice')).toBe(true);
}, 360_000);

it('stopping the execution (the editor\'s Stop) during the OCR of an uploaded file deletes the file on the server', async () => {
	server.configure({ ocrLatencyMs: 120_000 });
	// A busy machine can take long to start n8n: allow 3 minutes.
	const n8n = await startN8nServer({ N8N_RESTRICT_FILE_ACCESS_TO: WORK }, 180_000);
	const { baseUrl, log } = n8n;
	const browserId = 'n8n-nodes-mistral-documents-e2e';
	let cookie = '';
	const rest = async (method: string, urlPath: string, body?: unknown) => {
		const response = await fetch(`${baseUrl}/rest${urlPath}`, {
			method,
			headers: { 'content-type': 'application/json', 'browser-id': browserId, ...(cookie ? { cookie } : {}) },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		return { status: response.status, text: await response.text(), cookie: (response.headers.get('set-cookie') ?? '').split(';')[0] };
	};
	try {
		const account = { email: 'e2e@example.com', password: 'E2e-password-1234' };
		const setup = await rest('POST', '/owner/setup', { ...account, firstName: 'E2E', lastName: 'Test' });
		if (setup.status === 200) cookie = setup.cookie;
		else cookie = (await rest('POST', '/login', { emailOrLdapLoginId: account.email, password: account.password })).cookie;
		expect(cookie).toMatch(/^n8n-auth=/);
		const runBody: Record<string, unknown> = { triggerToStartFrom: { name: TRIGGER } };
		if (N8N_VERSION.startsWith('1.')) {
			const stored = await rest('GET', `/workflows/${STOP_WORKFLOW_ID}`);
			if (stored.status !== 200) throw new Error(`workflow: HTTP ${stored.status} ${stored.text.slice(0, 300)}`);
			runBody.workflowData = JSON.parse(stored.text).data;
		}
		const started = await rest('POST', `/workflows/${STOP_WORKFLOW_ID}/run`, runBody);
		if (started.status !== 200) throw new Error(`run: HTTP ${started.status} ${started.text.slice(0, 500)}`);
		const executionId = JSON.parse(started.text).data.executionId as string;

		const ocrStarted = await until(() => server.requests.some((request) => request.path === '/ocr'), 90_000);
		if (!ocrStarted) throw new Error(`the node never sent its OCR request\n${tail(log(), 60)}`);
		expect(count('POST', /^\/files$/)).toBe(1);
		expect(server.batch.uploadedFileIds()).toHaveLength(1);

		const stopped = await rest('POST', `/executions/${executionId}/stop`);
		if (stopped.status !== 200) throw new Error(`stop: HTTP ${stopped.status} ${stopped.text.slice(0, 500)}`);
		const deleted = await until(() => server.batch.uploadedFileIds().length === 0, 30_000);
		if (!deleted) throw new Error(`the uploaded file was not deleted after Stop\n${tail(log(), 60)}`);
		expect(count('DELETE', /^\/files\/[0-9a-f-]+$/)).toBe(1);
	} finally {
		await n8n.stop();
	}
}, 360_000);
