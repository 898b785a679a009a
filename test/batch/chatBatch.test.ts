import { runAsAgentTool, runNode } from '../harness/engine';
import { countTokens, startMistralServer, type MistralTestServer } from '../server/mistralServer';

const model = { __rl: true, mode: 'id', value: 'mistral-small-latest' };
const prompt = (i: number) => `Ticket ${i}: my parcel ${i * 3} arrived damaged, what now?`;
const itemsOf = (n: number, text = prompt) => Array.from({ length: n }, (_, i) => ({ json: { id: i, prompt: text(i) } }));
const CANARY = 'sk-batch-canary-4b1d9e77c0ffee';

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
	const end = Date.now() + timeoutMs;
	while (!condition() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 25));
}

describe('Mistral Chat in batch mode (n8n engine, fast-clock server)', () => {
	let server: MistralTestServer;
	const credentials = () => ({ apiKey: server.apiKey as string, baseUrl: server.url });
	const jobCreations = () => server.requests.filter((request) => request.path === '/batch/jobs' && request.method === 'POST');
	const cancels = () => server.requests.filter((request) => /^\/batch\/jobs\/[^/]+\/cancel$/.test(request.path));
	const batchParameters = (extra: Record<string, unknown> = {}) => ({ model, processing: 'batch', ...extra });

	beforeAll(async () => {
		server = await startMistralServer({ apiKey: CANARY });
	});
	afterAll(async () => await server.close());
	beforeEach(() => {
		server.reset();
		server.configure({ batch: { speed: 100_000, queueSeconds: 5, requestsPerSecond: 100 } });
	});

	it('gives the same items as realtime mode, from the same request bodies, with pairedItem', async () => {
		const items = itemsOf(30);
		const parameters = { model, includeInputFields: true, responseFormat: 'json_object', options: { temperature: 0.2, maxTokens: 64 } };
		const realtime = await runNode({ node: 'mistralChat', parameters, items, credentials: credentials() });
		const realtimeBodies = new Map(
			server.requests.filter((request) => request.path === '/chat/completions').map((request) => [request.body.messages[0].content, request.body]),
		);
		server.reset();
		const batch = await runNode({ node: 'mistralChat', parameters: { ...parameters, processing: 'batch' }, items, credentials: credentials() });

		expect(batch.error).toBeUndefined();
		expect(server.requests.filter((request) => request.path === '/chat/completions')).toHaveLength(0);
		expect(jobCreations()).toHaveLength(1);
		const sent = jobCreations()[0].body;
		expect(sent).toMatchObject({ endpoint: '/v1/chat/completions', model: 'mistral-small-latest', timeout_hours: 24 });
		expect(sent.requests.map((line: { custom_id: string }) => line.custom_id)).toEqual(items.map((_item, i) => String(i)));
		expect(sent.requests.map((line: { body: unknown }) => line.body)).toEqual(items.map((item) => realtimeBodies.get(item.json.prompt)));
		// The realtime items, plus the job each came from (what the editor shows instead of a bare spinner).
		const [job] = server.batch.jobSummaries();
		expect(batch.items.map(({ json: { batchJob, ...rest } }) => rest)).toEqual(realtime.items.map((item) => item.json));
		expect(batch.items.map((item) => item.json.batchJob)).toEqual(
			items.map(() => ({ id: job.id, status: 'SUCCESS', totalRequests: 30, succeededRequests: 30, failedRequests: 0 })),
		);
		const hints = batch.run.data.resultData.runData['Mistral Chat'][0].hints ?? [];
		expect(hints).toEqual([expect.objectContaining({ type: 'info', location: 'outputPane' })]);
		expect(hints[0].message).toMatch(new RegExp(`^Mistral batch job ${job.id} SUCCESS: 30 of 30 request\\(s\\) succeeded \\(waited \\d+ (s|min)`));
		expect(hints[0].message).toMatch(/n8n's log shows its progress/);
		expect(batch.items[3].json.content).toEqual({ echo: prompt(3) });
		expect(batch.items.map((item) => item.pairedItem)).toEqual(items.map((_item, i) => ({ item: i })));
		expect(batch.logs.some((line) => /Mistral Chat: batch job [\w-]+ (QUEUED|RUNNING|SUCCESS): \d+\/30 request\(s\) done/.test(line))).toBe(true);
	});

	it('5,000 items: one job of 5,000 requests, every answer matched to its item', async () => {
		const items = itemsOf(5000);
		const result = await runNode({ node: 'mistralChat', parameters: batchParameters(), items, credentials: credentials() });
		expect(result.error).toBeUndefined();
		expect(jobCreations()).toHaveLength(1);
		expect(jobCreations()[0].body.requests).toHaveLength(5000);
		expect(result.items).toHaveLength(5000);
		result.items.forEach((item, i) => {
			expect(item.json.content).toBe(`Echo: ${prompt(i)}`);
			expect(item.pairedItem).toEqual({ item: i });
		});
		const polls = server.requests.filter((request) => request.method === 'GET' && request.path.startsWith('/batch/jobs/'));
		expect(polls.length).toBeLessThan(10);
		console.log(`[batch] chat 5,000 items: ${jobCreations().length} job, 5,000 requests, ${polls.length} status/result reads`);
	});

	it('a job with 1% failing requests: exactly those items fail, naming the item; the rest succeed', async () => {
		server.configure({ batch: { speed: 100_000, queueSeconds: 5, requestsPerSecond: 100, failRequestsContaining: '[batch-fail]' } });
		const failing = new Set([42, 142, 242, 342, 442]);
		const items = itemsOf(500, (i) => `${prompt(i)}${failing.has(i) ? ' [batch-fail]' : ''}`);
		const result = await runNode({ node: 'mistralChat', parameters: batchParameters(), items, credentials: credentials(), continueOnFail: true });

		expect(result.items).toHaveLength(500);
		const errors = result.items.flatMap((item, i) => (item.json.error ? [i] : []));
		expect(errors).toEqual([...failing]);
		expect(result.items[42].json.error).toMatch(/The Mistral server failed \(500\).*\[item 42\]/);
		expect(result.items[42].json.httpCode).toBe('500');
		expect(result.items[42].json.errorDescription).toMatch(/run the item again.*batch job [\w-]+, request "42"/);
		expect(result.items[43].json.content).toBe(`Echo: ${prompt(43)}`);
		expect(result.items.every((item, i) => (item.pairedItem as { item: number }).item === i)).toBe(true);

		server.reset();
		const stopped = await runNode({ node: 'mistralChat', parameters: batchParameters(), items, credentials: credentials() });
		expect(stopped.error?.message).toMatch(/The Mistral server failed \(500\).*\[item 42\]/);
	});

	it('a request the server rejects as it would in realtime (prompt + Max Tokens over the context window) fails alone', async () => {
		const huge = 'lorem ipsum dolor sit amet '.repeat(3000);
		expect(countTokens(huge) + 120_000).toBeGreaterThan(131_072);
		const items = itemsOf(6, (i) => (i === 2 ? huge : prompt(i)));
		const result = await runNode({ node: 'mistralChat', parameters: batchParameters({ options: { maxTokens: 120_000 } }), items, credentials: credentials(), continueOnFail: true });
		expect(result.items.map((item) => Boolean(item.json.error))).toEqual([false, false, true, false, false, false]);
		expect(result.items[2].json.error).toMatch(/Mistral rejected the request \(400\).*context length.*\[item 2\]/);
	});

	it('bad input fails before anything is submitted; with Continue On Fail only that item fails and the rest go in the job', async () => {
		const items = itemsOf(5);
		items[3].json.prompt = '';
		const stopped = await runNode({ node: 'mistralChat', parameters: batchParameters(), items, credentials: credentials() });
		expect(stopped.error?.message).toMatch(/"Prompt" is empty.*\[item 3\]/);
		expect(jobCreations()).toHaveLength(0);

		const kept = await runNode({ node: 'mistralChat', parameters: batchParameters(), items, credentials: credentials(), continueOnFail: true });
		expect(jobCreations()).toHaveLength(1);
		expect(jobCreations()[0].body.requests.map((line: { custom_id: string }) => line.custom_id)).toEqual(['0', '1', '2', '4']);
		expect(kept.items.map((item) => (item.json.error ? 'error' : item.json.content))).toEqual([0, 1, 2, 'error', 4].map((i) => (i === 'error' ? i : `Echo: ${prompt(i as number)}`)));
		expect(kept.items.map((item) => item.pairedItem)).toEqual(items.map((_item, i) => ({ item: i })));
	});

	it('a job that ends FAILED says so with its counts; the requests it ran keep their answers', async () => {
		server.configure({ batch: { speed: 100_000, queueSeconds: 5, requestsPerSecond: 100, failJobAfter: { requests: 10, message: 'Worker crashed' } } });
		const result = await runNode({ node: 'mistralChat', parameters: batchParameters(), items: itemsOf(25), credentials: credentials(), continueOnFail: true });
		expect(result.items.slice(0, 10).every((item) => typeof item.json.content === 'string')).toBe(true);
		expect(result.items.slice(10).every((item) => /batch job [\w-]+ failed: 10 of 25 request\(s\) succeeded, 0 failed, 15 not run\. Mistral said: Worker crashed/.test(String(item.json.error)))).toBe(true);
	});

	it('a job that runs out of its timeout ends TIMEOUT_EXCEEDED, and the node says so', async () => {
		server.configure({ batch: { speed: 3_600_000, queueSeconds: 1, requestsPerSecond: 0.0005 } });
		const result = await runNode({ node: 'mistralChat', parameters: batchParameters({ jobTimeoutHours: 1 }), items: itemsOf(4), credentials: credentials() });
		expect(jobCreations()[0].body.timeout_hours).toBe(1);
		expect(result.error?.message).toMatch(/batch job [\w-]+ ran out of time \(TIMEOUT_EXCEEDED\): [01] of 4 request\(s\) succeeded.*\[item \d\]/);
	});

	it('cancelling the execution while it waits cancels the job on the server', async () => {
		server.configure({ batch: { speed: 1, queueSeconds: 600 } });
		const result = await runNode({ node: 'mistralChat', parameters: batchParameters(), items: itemsOf(3), credentials: credentials(), cancelAfterMs: 1500 });
		expect(result.status).toBe('canceled');
		await until(() => cancels().length > 0);
		expect(cancels()).toHaveLength(1);
		const [job] = server.batch.jobSummaries();
		expect(cancels()[0].path).toBe(`/batch/jobs/${job.id}/cancel`);
		expect(['CANCELLATION_REQUESTED', 'CANCELLED']).toContain(job.status);
	});

	it('when Max Wait runs out, the node cancels the job and says how to wait longer', async () => {
		server.configure({ batch: { speed: 1, queueSeconds: 600 } });
		const result = await runNode({ node: 'mistralChat', parameters: batchParameters({ maxWaitMinutes: 0.02 }), items: itemsOf(2), credentials: credentials() });
		expect(result.error?.message).toMatch(/Max Wait ran out before the batch finished: batch job [\w-]+ QUEUED: 0\/2/);
		expect(result.error?.description).toMatch(/cancelled.*Submit Only/);
		expect(cancels()).toHaveLength(1);
	});

	it('Submit Only, then Collect Results: the second node gives the realtime items, the reference field dropped', async () => {
		const items = itemsOf(40);
		const realtime = await runNode({ node: 'mistralChat', parameters: { model, includeInputFields: true }, items, credentials: credentials() });
		server.reset();
		server.configure({ batch: { speed: 1, queueSeconds: 600 } });

		const submitted = await runNode({ node: 'mistralChat', parameters: batchParameters({ batchMode: 'submit', includeInputFields: true }), items, credentials: credentials() });
		expect(submitted.error).toBeUndefined();
		expect(submitted.items).toHaveLength(40);
		const [job] = server.batch.jobSummaries();
		expect(submitted.items[7].json).toEqual({
			...items[7].json,
			mistralBatch: { jobIds: [job.id], parts: [{ jobId: job.id, customId: '7' }], model: 'mistral-small-latest', expectJson: false },
		});
		expect(submitted.items.map((item) => item.pairedItem)).toEqual(items.map((_item, i) => ({ item: i })));
		expect(server.requests.some((request) => request.method === 'GET')).toBe(false);
		expect(submitted.run.data.resultData.runData['Mistral Chat'][0].hints?.[0].message).toMatch(
			new RegExp(`^Submitted Mistral batch job ${job.id} \\(40 request\\(s\\), QUEUED\\)\\. .*"Collect Results"`),
		);

		server.batch.advance(3_600_000);
		const collected = await runNode({
			node: 'mistralChat',
			parameters: batchParameters({ batchMode: 'collect', includeInputFields: true }),
			items: submitted.items.map((item) => ({ json: item.json })),
			credentials: credentials(),
		});
		expect(collected.error).toBeUndefined();
		expect(collected.items.map(({ json: { batchJob, ...rest } }) => rest)).toEqual(realtime.items.map((item) => item.json));
		expect(collected.items[0].json.batchJob).toMatchObject({ id: job.id, status: 'SUCCESS', totalRequests: 40, succeededRequests: 40 });
		expect(collected.items.map((item) => item.pairedItem)).toEqual(items.map((_item, i) => ({ item: i })));
		expect(jobCreations()).toHaveLength(1);
	});

	it('Collect Results waits in the node for a job still running, and leaves it running when Max Wait runs out', async () => {
		server.configure({ batch: { speed: 1, queueSeconds: 600 } });
		const submitted = await runNode({ node: 'mistralChat', parameters: batchParameters({ batchMode: 'submit' }), items: itemsOf(3), credentials: credentials() });
		const collect = async (maxWaitMinutes: number) =>
			await runNode({ node: 'mistralChat', parameters: batchParameters({ batchMode: 'collect', maxWaitMinutes }), items: submitted.items.map((item) => ({ json: item.json })), credentials: credentials() });
		const early = await collect(0);
		expect(early.error?.message).toMatch(/Max Wait ran out.*QUEUED: 0\/3/);
		expect(early.error?.description).toMatch(/keep running/);
		expect(cancels()).toHaveLength(0);
		setTimeout(() => server.batch.advance(3_600_000), 300);
		const later = await collect(1);
		expect(later.error).toBeUndefined();
		expect(later.items.map((item) => item.json.content)).toEqual([0, 1, 2].map((i) => `Echo: ${prompt(i)}`));
	});

	it('Collect Results for a job Mistral does not know says so', async () => {
		const reference = { jobIds: ['6b3ad0f4-1b5d-4bd6-9d5e-2a3f1c0e9a11'], parts: [{ jobId: '6b3ad0f4-1b5d-4bd6-9d5e-2a3f1c0e9a11', customId: '0' }] };
		const result = await runNode({ node: 'mistralChat', parameters: batchParameters({ batchMode: 'collect' }), items: [{ json: { mistralBatch: reference } }], credentials: credentials() });
		expect(result.error?.message).toBe('Mistral has no batch job "6b3ad0f4-1b5d-4bd6-9d5e-2a3f1c0e9a11" (404)');
	});

	it('Collect Results without a reference names the item and says what to connect', async () => {
		const result = await runNode({ node: 'mistralChat', parameters: batchParameters({ batchMode: 'collect' }), items: [{ json: { prompt: 'x' } }], credentials: credentials() });
		expect(result.error?.message).toMatch(/The item has no "mistralBatch" field with a batch job reference.*Submit Only.*\[item 0\]/);
	});

	it('reads the results from the output and error files when the server gives none inline', async () => {
		server.configure({ batch: { speed: 100_000, queueSeconds: 5, requestsPerSecond: 100, inlineOutputs: false, failRequestsContaining: '[batch-fail]' } });
		const items = itemsOf(12, (i) => `${prompt(i)}${i === 5 ? ' [batch-fail]' : ''}`);
		const result = await runNode({ node: 'mistralChat', parameters: batchParameters(), items, credentials: credentials(), continueOnFail: true });
		expect(server.requests.filter((request) => /^\/files\/[\w-]+\/content$/.test(request.path))).toHaveLength(2);
		expect(result.items.map((item) => (item.json.error ? 'error' : item.json.content))).toEqual(items.map((item, i) => (i === 5 ? 'error' : `Echo: ${item.json.prompt}`)));
	});

	const jobsAtServer = () => server.batch.jobSummaries();
	const lookups = () => server.requests.filter((request) => request.path === '/batch/jobs' && request.method === 'GET');

	it('creation answered 502, 502, 200 by a gateway (each 502 after the job was created): exactly one job, found by its tag, and the items get its answers', async () => {
		server.configure({ batch: { speed: 100_000, queueSeconds: 5, requestsPerSecond: 100, gatewayErrorsAfterCreate: [502, 502] } });
		const result = await runNode({ node: 'mistralChat', parameters: batchParameters(), items: itemsOf(3), credentials: credentials() });
		console.log(`[batch] creation answered 502 after creating: ${jobCreations().length} POST(s), ${jobsAtServer().length} job(s) at the server, ${lookups().length} lookup(s)`);
		expect(result.error).toBeUndefined();
		expect(jobsAtServer()).toHaveLength(1);
		expect(jobCreations()).toHaveLength(1);
		expect(lookups()).toHaveLength(1);
		// The lookup asks for the caller's recent jobs; the tag is matched on what comes back.
		expect(lookups()[0].rawPath).toBe('/v1/batch/jobs');
		expect(jobsAtServer()[0].metadata?.n8n_submission).toMatch(/^[0-9a-f-]{36}$/);
		expect(result.items.map((item) => item.json.content)).toEqual(itemsOf(3).map((item) => `Echo: ${item.json.prompt}`));
		expect(result.logs.join('\n')).toMatch(/the answer to creating batch job [0-9a-f-]{36} was lost .*not sent again/);
	});

	it('a 502 before the job was created, then a 502 after: looked up twice, sent twice, exactly one job', async () => {
		server.configure({ batch: { speed: 100_000, queueSeconds: 5, requestsPerSecond: 100, gatewayErrorsAfterCreate: [502] } });
		server.enqueue({ path: '/batch/jobs', method: 'POST', status: 502, rawBody: '<html><body>502 Bad Gateway</body></html>', headers: { 'content-type': 'text/html' } });
		const result = await runNode({ node: 'mistralChat', parameters: batchParameters(), items: itemsOf(2), credentials: credentials() });
		expect(result.error).toBeUndefined();
		expect(jobCreations()).toHaveLength(2);
		expect(lookups()).toHaveLength(2);
		expect(jobsAtServer()).toHaveLength(1);
		expect(result.items.map((item) => item.json.content)).toEqual(itemsOf(2).map((item) => `Echo: ${item.json.prompt}`));
	});

	it('a submission cut off before the server saw it (reset): Mistral lists no job with its tag, so it is sent again: one job', async () => {
		server.enqueue({ path: '/batch/jobs', method: 'POST', reset: true });
		const result = await runNode({ node: 'mistralChat', parameters: batchParameters(), items: itemsOf(2), credentials: credentials() });
		expect(result.error).toBeUndefined();
		expect(jobCreations()).toHaveLength(2);
		expect(jobsAtServer()).toHaveLength(1);
	});

	it('when the lookup fails too, nothing is sent again (a job sent twice is billed twice), and the node says where to look', async () => {
		server.enqueue({ path: '/batch/jobs', method: 'POST', reset: true }, { path: '/batch/jobs', method: 'GET', status: 400, body: { object: 'error', message: 'lookup refused', type: 'invalid_request_error', param: null, code: null } });
		const result = await runNode({ node: 'mistralChat', parameters: batchParameters(), items: itemsOf(2), credentials: credentials() });
		expect(jobCreations()).toHaveLength(1);
		expect(result.error?.description).toMatch(/Looking the job up failed too.*may have been created anyway, so it was not sent again.*Mistral console/);
	});

	it('as "Mistral Chat Tool" under an AI Agent it answers in realtime even with Processing set to Batch API', async () => {
		const call = await runAsAgentTool({
			node: 'mistralChat',
			parameters: { processing: 'batch' },
			credentials: credentials(),
			agentItems: [{ json: { chatInput: 'hi' } }],
			toolArgs: { Prompt: 'Is this urgent?' },
		});
		expect(call.error).toBeUndefined();
		expect(jobCreations()).toHaveLength(0);
		expect(server.requests.filter((request) => request.path === '/chat/completions')).toHaveLength(1);
		expect((JSON.parse(call.response!) as Array<{ content: string }>)[0].content).toBe('Echo: Is this urgent?');
	});

	it('a server without a Batch API gets a clear message, not a 404 about the Base URL', async () => {
		server.enqueue({ path: '/batch/jobs', status: 404, body: { detail: 'Not Found' } });
		const result = await runNode({ node: 'mistralChat', parameters: batchParameters(), items: itemsOf(2), credentials: credentials() });
		expect(result.error?.message).toMatch(/The server has no Batch API: creating a batch job answered 404/);
		expect(result.error?.description).toMatch(/"Processing" to "Realtime"/);
	});

	it('takes the API key and the Base URL\'s secrets out of what a hostile server says about a failed request', async () => {
		const urlSecret = 'url-secret-93ab71';
		const jobId = '0f8c6a7e-3a51-4f5e-9d1f-2b7c1d0e9a55';
		const job = (status: string, extra: Record<string, unknown> = {}) => ({
			id: jobId,
			object: 'batch',
			input_files: [],
			endpoint: '/v1/chat/completions',
			model: 'mistral-small-latest',
			errors: [],
			status,
			created_at: 1,
			total_requests: 2,
			completed_requests: status === 'SUCCESS' ? 2 : 0,
			succeeded_requests: status === 'SUCCESS' ? 1 : 0,
			failed_requests: status === 'SUCCESS' ? 1 : 0,
			...extra,
		});
		const said = `Key ${CANARY} is not allowed for ${server.url}?key=${urlSecret}`;
		const answer = { id: 'a', object: 'chat.completion', model: 'mistral-small-latest', choices: [{ index: 0, message: { role: 'assistant', content: 'fine' }, finish_reason: 'stop' }], usage: {} };
		server.enqueue(
			{ path: '/batch/jobs', body: job('QUEUED') },
			{ path: `/batch/jobs/${jobId}`, body: job('SUCCESS') },
			{
				path: `/batch/jobs/${jobId}`,
				body: job('SUCCESS', {
					outputs: [
						{ custom_id: '0', response: { status_code: 200, body: answer }, error: null },
						{ custom_id: '1', response: { status_code: 400, body: { object: 'error', message: said, type: 'invalid_request_error' } }, error: { message: said } },
					],
				}),
			},
		);
		const result = await runNode({
			node: 'mistralChat',
			parameters: batchParameters(),
			items: itemsOf(2),
			credentials: { apiKey: CANARY, baseUrl: `${server.url}?key=${urlSecret}` },
			continueOnFail: true,
		});
		expect(result.items[0].json.content).toBe('fine');
		expect(result.items[1].json.error).toMatch(/Mistral rejected the request \(400\): Key \*\*\* is not allowed.*key=\*\*\*/);
		const everything = JSON.stringify([result.items, result.logs, result.run]);
		expect(everything).not.toContain(CANARY);
		expect(everything).not.toContain(urlSecret);
		expect(server.requests.find((request) => request.method === 'GET' && request.path === `/batch/jobs/${jobId}`)).toBeDefined();
	});

	it('keeps the API key and the Base URL out of the job, its metadata, the logs and the errors', async () => {
		server.configure({ batch: { speed: 100_000, queueSeconds: 5, requestsPerSecond: 100, failRequestsContaining: '[batch-fail]' } });
		const items = itemsOf(3, (i) => `${prompt(i)}${i === 1 ? ' [batch-fail]' : ''}`);
		const result = await runNode({ node: 'mistralChat', parameters: batchParameters(), items, credentials: credentials(), continueOnFail: true });
		const created = JSON.stringify(jobCreations()[0].body);
		const metadata = jobCreations()[0].body.metadata;
		expect(metadata).toMatchObject({ source: 'n8n-nodes-mistral', n8n_node: expect.any(String) });
		for (const secret of [CANARY, server.url, server.origin, '127.0.0.1']) {
			expect(created).not.toContain(secret);
			expect(result.logs.join('\n')).not.toContain(CANARY);
			expect(JSON.stringify(result.items)).not.toContain(secret);
		}
	});
});
