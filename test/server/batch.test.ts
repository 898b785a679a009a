/**
 * The local server's Batch and Files API over real HTTP: strict per Mistral's spec, jobs on a clock
 * the tests move, each request validated like a realtime one and failing alone.
 */
import { startMistralServer, type MistralTestServer } from './mistralServer';

let server: MistralTestServer;

beforeAll(async () => {
	server = await startMistralServer();
});
afterAll(async () => await server.close());
beforeEach(() => {
	server.reset();
	server.configure({ batch: { speed: 0, queueSeconds: 10, requestsPerSecond: 2 } });
});

const auth = () => ({ authorization: `Bearer ${server.apiKey}` });

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any; text: string; type: string | null }> {
	const response = await fetch(`${server.url}${path}`, {
		method,
		headers: { ...auth(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await response.text();
	let json: any;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: response.status, json, text, type: response.headers.get('content-type') };
}

const chatLine = (id: string, content: string, extra: Record<string, unknown> = {}) => ({ custom_id: id, body: { messages: [{ role: 'user', content }], ...extra } });
const createChatJob = (requests: unknown[], extra: Record<string, unknown> = {}) =>
	call('POST', '/batch/jobs', { endpoint: '/v1/chat/completions', model: 'mistral-small-latest', requests, ...extra });

describe('POST /v1/batch/jobs', () => {
	it('creates a QUEUED job with the BatchJob fields of the spec', async () => {
		const { status, json } = await createChatJob([chatLine('a', 'hi'), chatLine('b', 'ho')], { metadata: { team: 'support' }, timeout_hours: 2 });
		expect(status).toBe(200);
		expect(json).toMatchObject({
			object: 'batch',
			input_files: [],
			metadata: { team: 'support' },
			endpoint: '/v1/chat/completions',
			model: 'mistral-small-latest',
			output_file: null,
			error_file: null,
			errors: [],
			status: 'QUEUED',
			total_requests: 2,
			completed_requests: 0,
			succeeded_requests: 0,
			failed_requests: 0,
			started_at: null,
			completed_at: null,
		});
		expect(json.id).toMatch(/^[0-9a-f-]{36}$/);
		expect(json).not.toHaveProperty('outputs');
	});

	it('rejects what the spec does not allow with 422: unknown fields, a bad endpoint, more than 10,000 requests, timeout_hours out of 1..168, long metadata', async () => {
		const extra = await createChatJob([chatLine('a', 'hi')], { priority: 'high' });
		expect(extra.status).toBe(422);
		expect(extra.json.message.detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'priority'] });
		const lineExtra = await createChatJob([{ ...chatLine('a', 'hi'), method: 'POST' }]);
		expect(lineExtra.json.message.detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'requests', 0, 'method'] });
		expect((await call('POST', '/batch/jobs', { endpoint: '/v1/chat', model: 'mistral-small-latest', requests: [chatLine('a', 'x')] })).status).toBe(422);
		const many = Array.from({ length: 10_001 }, (_, i) => chatLine(String(i), 'x'));
		const tooMany = await createChatJob(many);
		expect(tooMany.status).toBe(422);
		expect(tooMany.json.message.detail[0]).toMatchObject({ type: 'too_long', loc: ['body', 'requests'] });
		expect((await createChatJob([chatLine('a', 'x')], { timeout_hours: 0 })).status).toBe(422);
		expect((await createChatJob([chatLine('a', 'x')], { timeout_hours: 169 })).status).toBe(422);
		expect((await createChatJob([chatLine('a', 'x')], { metadata: { k: 'v'.repeat(513) } })).status).toBe(422);
		expect((await createChatJob([chatLine('a', 'x')], { metadata: { ['k'.repeat(33)]: 'v' } })).status).toBe(422);
		expect((await createChatJob([chatLine('a', 'x')], { metadata: { k: 3 } })).status).toBe(422);
	});

	it('answers 400 for an unknown model, neither or both of requests and input_files, and repeated custom_ids', async () => {
		expect((await createChatJob([chatLine('a', 'x')], { model: 'no-such-model' })).json).toMatchObject({ type: 'invalid_model' });
		expect((await call('POST', '/batch/jobs', { endpoint: '/v1/chat/completions', model: 'mistral-small-latest' })).status).toBe(400);
		expect((await createChatJob([chatLine('a', 'x'), chatLine('a', 'y')])).status).toBe(400);
		expect((await createChatJob([])).status).toBe(400);
	});

	it('needs the API key like every route', async () => {
		const response = await fetch(`${server.url}/batch/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
		expect(response.status).toBe(401);
	});
});

describe('job progress on the server clock', () => {
	it('QUEUED, then RUNNING at requestsPerSecond, then SUCCESS with inline outputs and result files', async () => {
		const { json: job } = await createChatJob([chatLine('a', 'one'), chatLine('b', 'two'), chatLine('c', 'three')]);
		expect((await call('GET', `/batch/jobs/${job.id}`)).json.status).toBe('QUEUED');
		server.batch.advance(10_000 + 1_000);
		const running = (await call('GET', `/batch/jobs/${job.id}`)).json;
		expect(running).toMatchObject({ status: 'RUNNING', completed_requests: 2, succeeded_requests: 2 });
		expect(running.started_at).not.toBeNull();
		server.batch.advance(1_000);
		const done = (await call('GET', `/batch/jobs/${job.id}?inline=true`)).json;
		expect(done).toMatchObject({ status: 'SUCCESS', completed_requests: 3, succeeded_requests: 3, failed_requests: 0, error_file: null });
		expect(done.outputs.map((line: any) => [line.custom_id, line.response.status_code, line.response.body.choices[0].message.content, line.error])).toEqual([
			['a', 200, 'Echo: one', null],
			['b', 200, 'Echo: two', null],
			['c', 200, 'Echo: three', null],
		]);
		const file = await call('GET', `/files/${done.output_file}/content`);
		expect(file.type).toBe('application/octet-stream');
		expect(file.text.trim().split('\n').map((line) => JSON.parse(line).custom_id)).toEqual(['a', 'b', 'c']);
		expect((await call('GET', `/files/${done.output_file}`)).json).toMatchObject({ object: 'file', purpose: 'batch', sample_type: 'batch_result', source: 'mistral', num_lines: 3 });
	});

	it('validates each request like a realtime one; a bad request fails alone and lands in the error file', async () => {
		const { json: job } = await createChatJob([chatLine('ok', 'fine'), chatLine('extra', 'x', { max_completion_tokens: 5 }), chatLine('temp', 'x', { temperature: 3 })]);
		server.batch.advance(60_000);
		const done = (await call('GET', `/batch/jobs/${job.id}?inline=true`)).json;
		expect(done).toMatchObject({ status: 'SUCCESS', succeeded_requests: 1, failed_requests: 2 });
		const byId = Object.fromEntries(done.outputs.map((line: any) => [line.custom_id, line]));
		expect(byId.extra.response.status_code).toBe(422);
		expect(byId.extra.response.body.message.detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'max_completion_tokens'] });
		expect(byId.temp.response.status_code).toBe(422);
		expect(byId.ok.error).toBeNull();
		const errors = (await call('GET', `/files/${done.error_file}/content`)).text.trim().split('\n').map((line) => JSON.parse(line));
		expect(errors.map((line) => line.custom_id)).toEqual(['extra', 'temp']);
		expect(errors[0].error.message).toBeDefined();
	});

	it('embeddings requests keep their token limits inside a job', async () => {
		const { json: job } = await call('POST', '/batch/jobs', {
			endpoint: '/v1/embeddings',
			model: 'mistral-embed',
			requests: [
				{ custom_id: '0', body: { input: ['short text'] } },
				{ custom_id: '1', body: { input: ['word '.repeat(9000)] } },
			],
		});
		server.batch.advance(60_000);
		const done = (await call('GET', `/batch/jobs/${job.id}?inline=true`)).json;
		const byId = Object.fromEntries(done.outputs.map((line: any) => [line.custom_id, line]));
		expect(byId['0'].response.body.data).toHaveLength(1);
		expect(byId['1'].response.status_code).toBe(400);
		expect(byId['1'].error.message).toMatch(/8192 tokens per input/);
	});

	it('cancel: CANCELLATION_REQUESTED at once, CANCELLED a clock second later, with what ran kept', async () => {
		const { json: job } = await createChatJob(Array.from({ length: 10 }, (_, i) => chatLine(String(i), `t${i}`)));
		server.batch.advance(12_000);
		const requested = (await call('POST', `/batch/jobs/${job.id}/cancel`)).json;
		expect(requested).toMatchObject({ status: 'CANCELLATION_REQUESTED', completed_requests: 4 });
		server.batch.advance(1_000);
		const cancelled = (await call('GET', `/batch/jobs/${job.id}?inline=true`)).json;
		expect(cancelled).toMatchObject({ status: 'CANCELLED', completed_requests: 4, total_requests: 10 });
		expect(cancelled.outputs).toHaveLength(4);
	});

	it('a job past its timeout_hours ends TIMEOUT_EXCEEDED; failJobAfter ends one FAILED with an error', async () => {
		const { json: slow } = await createChatJob(Array.from({ length: 10 }, (_, i) => chatLine(String(i), `t${i}`)), { timeout_hours: 1 });
		server.configure({ batch: { speed: 0, queueSeconds: 10, requestsPerSecond: 2, failJobAfter: { requests: 1, message: 'GPU fell over' } } });
		const { json: failing } = await createChatJob([chatLine('a', 'x'), chatLine('b', 'y')]);
		server.configure({ batch: { speed: 0, queueSeconds: 10, requestsPerSecond: 0.001 } });
		server.batch.advance(2 * 3_600_000);
		expect((await call('GET', `/batch/jobs/${slow.id}`)).json).toMatchObject({ status: 'TIMEOUT_EXCEEDED', completed_requests: 3 });
		const failed = (await call('GET', `/batch/jobs/${failing.id}`)).json;
		expect(failed).toMatchObject({ status: 'FAILED', completed_requests: 1, errors: [{ message: 'GPU fell over', count: 1 }] });
	});

	it('404 for an unknown job, 422 for a job id that is no UUID, GET lists jobs', async () => {
		expect((await call('GET', '/batch/jobs/6b3ad0f4-1b5d-4bd6-9d5e-2a3f1c0e9a11')).status).toBe(404);
		expect((await call('GET', '/batch/jobs/not-a-uuid')).status).toBe(422);
		await createChatJob([chatLine('a', 'x')]);
		expect((await call('GET', '/batch/jobs')).json).toMatchObject({ object: 'list', total: 1 });
		expect((await call('PUT', '/batch/jobs')).status).toBe(405);
	});
});

describe('GET /v1/batch/jobs: the spec\'s filters and pages', () => {
	it('filters by created_after, model, status and metadata (as JSON), newest first, in pages; created_by_me is accepted', async () => {
		await createChatJob([chatLine('a', 'x')], { metadata: { n8n_submission: 'tag-1' } });
		server.batch.advance(10_000);
		const between = new Date(server.batch.now()).toISOString();
		server.batch.advance(10_000);
		await createChatJob([chatLine('b', 'y')], { metadata: { n8n_submission: 'tag-2', part: '1/2' } });
		await call('POST', '/batch/jobs', { endpoint: '/v1/embeddings', model: 'mistral-embed', requests: [{ custom_id: 'e', body: { input: ['z'] } }] });
		const list = async (query: string) => (await call('GET', `/batch/jobs?${query}`)).json;
		expect((await list('created_by_me=true')).total).toBe(3);
		expect((await list('created_by_me=true')).data.map((job: any) => job.metadata?.n8n_submission ?? null)).toEqual([null, 'tag-2', 'tag-1']);
		expect((await list('order_by=created')).data.map((job: any) => job.metadata?.n8n_submission ?? null)).toEqual(['tag-1', 'tag-2', null]);
		expect((await list(`created_after=${encodeURIComponent(between)}&created_by_me=true`)).total).toBe(2);
		expect((await list('model=mistral-embed')).total).toBe(1);
		// The first job ran its one request while the clock moved 20 s; the two others are still queued.
		expect((await list('status=QUEUED&status=RUNNING')).total).toBe(2);
		expect((await list('status=SUCCESS')).total).toBe(1);
		expect((await list(`metadata=${encodeURIComponent(JSON.stringify({ n8n_submission: 'tag-2' }))}`)).data).toHaveLength(1);
		const page = await list('page=1&page_size=2');
		expect(page).toMatchObject({ object: 'list', total: 3 });
		expect(page.data).toHaveLength(1);
	});

	it('422 for values the spec does not allow', async () => {
		for (const query of ['created_after=yesterday', 'created_by_me=maybe', 'page=-1', 'page_size=0', 'page=x', 'status=DONE', 'order_by=name', 'metadata=tag-1']) {
			const answer = await call('GET', `/batch/jobs?${query}`);
			expect([query, answer.status]).toEqual([query, 422]);
			expect(answer.json.message.detail[0].loc[0]).toBe('query');
		}
	});

	it('a gateway error after creation: the job exists, the answer is a 502 page', async () => {
		server.configure({ batch: { speed: 0, queueSeconds: 10, requestsPerSecond: 2, gatewayErrorsAfterCreate: [502] } });
		const lost = await createChatJob([chatLine('a', 'x')], { metadata: { n8n_submission: 'tag-9' } });
		expect(lost.status).toBe(502);
		expect(lost.type).toMatch(/text\/html/);
		expect((await call('GET', '/batch/jobs')).json.data.map((job: any) => job.metadata.n8n_submission)).toEqual(['tag-9']);
		expect((await createChatJob([chatLine('a', 'x')])).status).toBe(200);
	});
});

describe('the file form: POST /v1/files (multipart) and input_files', () => {
	it('uploads a JSONL file with purpose batch and runs a job from it', async () => {
		const jsonl = [chatLine('first', 'alpha'), chatLine('second', 'beta')].map((line) => JSON.stringify(line)).join('\n');
		const form = new FormData();
		form.append('purpose', 'batch');
		form.append('file', new Blob([jsonl], { type: 'application/jsonl' }), 'requests.jsonl');
		const uploaded = (await (await fetch(`${server.url}/files`, { method: 'POST', headers: auth(), body: form })).json()) as any;
		expect(uploaded).toMatchObject({ object: 'file', filename: 'requests.jsonl', purpose: 'batch', sample_type: 'batch_request', source: 'upload', num_lines: 2 });

		const { status, json: job } = await call('POST', '/batch/jobs', { endpoint: '/v1/chat/completions', model: 'mistral-small-latest', input_files: [uploaded.id] });
		expect(status).toBe(200);
		expect(job).toMatchObject({ input_files: [uploaded.id], total_requests: 2 });
		server.batch.advance(60_000);
		const done = (await call('GET', `/batch/jobs/${job.id}?inline=true`)).json;
		expect(done.outputs.map((line: any) => line.response.body.choices[0].message.content)).toEqual(['Echo: alpha', 'Echo: beta']);
	});

	it('rejects an upload without a file or with an unknown purpose, and a job whose file is missing or not JSONL requests', async () => {
		const noFile = new FormData();
		noFile.append('purpose', 'batch');
		expect((await fetch(`${server.url}/files`, { method: 'POST', headers: auth(), body: noFile })).status).toBe(422);
		const badPurpose = new FormData();
		badPurpose.append('purpose', 'training');
		badPurpose.append('file', new Blob(['{}']), 'x.jsonl');
		expect((await fetch(`${server.url}/files`, { method: 'POST', headers: auth(), body: badPurpose })).status).toBe(422);

		const broken = new FormData();
		broken.append('purpose', 'batch');
		broken.append('file', new Blob(['{"custom_id": "a", "body": {"messages": []}}\nnot json\n']), 'broken.jsonl');
		const file = (await (await fetch(`${server.url}/files`, { method: 'POST', headers: auth(), body: broken })).json()) as any;
		const job = await call('POST', '/batch/jobs', { endpoint: '/v1/chat/completions', model: 'mistral-small-latest', input_files: [file.id] });
		expect(job.status).toBe(400);
		expect(job.json.message).toMatch(/Line 2/);
		const missing = await call('POST', '/batch/jobs', { endpoint: '/v1/chat/completions', model: 'mistral-small-latest', input_files: ['6b3ad0f4-1b5d-4bd6-9d5e-2a3f1c0e9a11'] });
		expect(missing.status).toBe(404);
	});
});
