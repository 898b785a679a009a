/**
 * File uploads: the multipart body our transport builds, read back by an oracle we did not write (the
 * WHATWG FormData parser of Node's fetch), and sent through n8n's real HTTP helper by MistralClient
 * to the test server's Files API.
 */
import { MistralClient } from '../../nodes/shared/transport/client';
import { multipartBody } from '../../nodes/shared/transport/multipart';
import { executeContextFor } from '../harness/engine';
import { startMistralServer, type MistralTestServer } from '../server/mistralServer';

async function readWithFetch(body: Buffer, contentType: string): Promise<FormData> {
	return await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData();
}

describe('multipart bodies', () => {
	it('are read back field by field, bytes intact, by the WHATWG parser', async () => {
		const bytes = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x0d, 0x0a, 0x00, 0xff, 0x2d, 0x2d]);
		const built = multipartBody([
			{ name: 'purpose', value: 'ocr' },
			{ name: 'file', filename: 'scan 1.pdf', contentType: 'application/pdf', data: bytes },
		]);
		const form = await readWithFetch(built.body, built.contentType);
		expect(form.get('purpose')).toBe('ocr');
		const file = form.get('file') as File;
		expect(file.name).toBe('scan 1.pdf');
		expect(file.type).toBe('application/pdf');
		expect(Buffer.from(await file.arrayBuffer()).equals(bytes)).toBe(true);
	});

	it('keep a file name with quotes and line breaks inside its header (escaped, read back whole)', async () => {
		const filename = 'a"b\r\nContent-Type: text/html.wav';
		const built = multipartBody([{ name: 'file', filename, contentType: 'audio/wav', data: Buffer.from('RIFF') }]);
		expect(built.body.toString('latin1')).not.toContain('\r\nContent-Type: text/html');
		const form = await readWithFetch(built.body, built.contentType);
		const file = form.get('file') as File;
		expect(file.type).toBe('audio/wav');
		expect(file.name).toBe(filename);
		expect([...form.keys()]).toEqual(['file']);
	});

	it('draw a boundary that the content does not hold', () => {
		const built = multipartBody([{ name: 'file', filename: 'x.bin', contentType: 'application/octet-stream', data: Buffer.alloc(4096, 0x2d) }]);
		const boundary = /boundary=(.+)$/.exec(built.contentType)![1];
		const occurrences = built.body.toString('latin1').split(`--${boundary}`).length - 1;
		expect(occurrences).toBe(2);
	});
});

describe('MistralClient file calls through n8n', () => {
	let server: MistralTestServer;
	beforeAll(async () => {
		server = await startMistralServer();
	});
	afterAll(async () => {
		await server.close();
	});

	it('uploads a file as multipart, reads its id back and deletes it, one request each', async () => {
		const context = await executeContextFor({ apiKey: 'test-key', baseUrl: server.url });
		const client = new MistralClient(context, { timeoutMs: 10_000, maxRetries: 2 });
		const data = Buffer.from('{"custom_id":"0","body":{"input":"hello"}}\n');
		const uploaded = await client.postMultipart<{ id: string; filename: string; bytes: number; purpose: string }>(
			'/files',
			multipartBody([
				{ name: 'purpose', value: 'batch' },
				{ name: 'file', filename: 'requests.jsonl', contentType: 'application/jsonl', data },
			]),
		);
		expect(uploaded).toMatchObject({ filename: 'requests.jsonl', bytes: data.length, purpose: 'batch' });
		expect(await client.getText(`/files/${uploaded.id}/content`)).toBe(data.toString());
		await client.delete(`/files/${uploaded.id}`);
		const calls = server.requests.map((request) => `${request.method} ${request.path.replace(uploaded.id, 'ID')} ${request.status}`);
		expect(calls).toEqual(['POST /files 200', 'GET /files/ID/content 200', 'DELETE /files/ID 200']);
		await expect(client.get(`/files/${uploaded.id}`)).rejects.toThrow(/404/);
	});
});
