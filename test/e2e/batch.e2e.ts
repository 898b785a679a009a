/**
 * End-to-end, batch mode: the packed package in a real n8n 2.41.1 (see n8n.e2e.ts and
 * scripts/e2e.sh; run with `npm run test:e2e -- test/e2e/batch.e2e.ts`), against the local server's
 * Batch API.
 *  - examples/chat-batch-submit-collect.json: Submit Only -> n8n's Wait node -> Collect Results in
 *    one workflow (`n8n execute`);
 *  - stopping the execution (`n8n start`, the REST call behind the editor's Stop button) while the
 *    node waits for its job cancels the job on the server. (A SIGTERM to `n8n execute-batch` is no
 *    way to test it: n8n exits within milliseconds of cancelling, before any node can clean up.)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { startMistralServer } from '../server/mistralServer';
import type { MistralTestServer } from '../server/mistralServer';
import { N8N_VERSION } from './n8nVersion';
import { freePort, n8nEnv, startN8nServer, tail, USER_FOLDER, N8N_BIN } from './n8nProcess';

const ROOT = path.resolve(__dirname, '../..');
const CREDENTIAL = { id: 'E2eMistralBatch1', name: 'Mistral (batch e2e server)' };
const EXAMPLE = 'chat-batch-submit-collect.json';
const CANCEL_WORKFLOW_ID = 'E2eBatchCancel01';

/** Runs n8n with its output in a file (n8n exits before a pipe drains), resolving with that output. */
function startN8n(args: string[], extraEnv: Record<string, string>, logName: string) {
	const dir = path.join(USER_FOLDER, 'e2e-output');
	fs.mkdirSync(dir, { recursive: true });
	const logFile = path.join(dir, `${logName}.log`);
	const fd = fs.openSync(logFile, 'w');
	const child = spawn(N8N_BIN, args, { env: n8nEnv(extraEnv), stdio: ['ignore', fd, fd] });
	fs.closeSync(fd);
	const exited = new Promise<{ code: number | null; output: string }>((resolve, reject) => {
		child.on('error', reject);
		child.on('close', (code) => resolve({ code, output: fs.readFileSync(logFile, 'utf8') }));
	});
	return { child, exited };
}

async function runN8n(args: string[], extraEnv: Record<string, string>, logName: string, timeoutMs: number) {
	const { child, exited } = startN8n(args, extraEnv, logName);
	const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
	try {
		return await exited;
	} finally {
		clearTimeout(timer);
	}
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
	const end = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > end) return false;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	return true;
}

interface Item {
	json: Record<string, any>;
	pairedItem?: unknown;
}

function parseRun(output: string): any {
	const lines = output.split('\n');
	const start = lines.indexOf('{');
	const end = start < 0 ? -1 : lines.indexOf('}', start);
	if (start < 0 || end < 0) throw new Error(`no execution data in the output of n8n execute:\n${tail(output)}`);
	return JSON.parse(lines.slice(start, end + 1).join('\n'));
}

function nodeOutput(run: any, nodeName: string): Item[] {
	const runs = run.data.resultData.runData[nodeName];
	if (!runs?.length) throw new Error(`node "${nodeName}" did not run; ran: ${Object.keys(run.data.resultData.runData).join(', ')}`);
	return runs[0].data?.main[0] ?? [];
}

function withOurCredential(workflow: any): any {
	for (const node of workflow.nodes) if (node.credentials?.mistralAiApi) node.credentials.mistralAiApi = { ...CREDENTIAL };
	return workflow;
}

let server: MistralTestServer;
let brokerPort: number;

beforeAll(async () => {
	server = await startMistralServer({ recordBodies: true });
	brokerPort = await freePort();
	const work = path.join(USER_FOLDER, 'e2e-batch-input');
	fs.mkdirSync(path.join(work, 'workflows'), { recursive: true });
	const credentialFile = path.join(work, 'credentials.json');
	fs.writeFileSync(credentialFile, JSON.stringify([{ ...CREDENTIAL, type: 'mistralAiApi', data: { apiKey: server.apiKey, baseUrl: server.url } }]));
	const credentials = await runN8n(['import:credentials', `--input=${credentialFile}`], { N8N_LOG_LEVEL: 'warn' }, 'batch-import-credentials', 60_000);
	if (credentials.code !== 0) throw new Error(`import:credentials failed\n${tail(credentials.output)}`);

	const example = withOurCredential(JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', EXAMPLE), 'utf8')));
	fs.writeFileSync(path.join(work, 'workflows', EXAMPLE), JSON.stringify(example));
	// Wait for the job in the node, with a job that never leaves the queue unless cancelled.
	const cancel = withOurCredential(JSON.parse(JSON.stringify(example)));
	cancel.id = CANCEL_WORKFLOW_ID;
	cancel.name = 'e2e: batch job waited for in the node, cancelled';
	cancel.nodes = cancel.nodes.filter((node: any) => !['Wait before collecting', 'Collect batch results', 'Note'].includes(node.name));
	const submit = cancel.nodes.find((node: any) => node.name === 'Submit batch job');
	submit.name = 'Classify in a batch job';
	submit.parameters.batchMode = 'wait';
	submit.parameters.maxWaitMinutes = 30;
	cancel.connections = { [cancel.nodes[0].name]: example.connections[cancel.nodes[0].name], 'Sample tickets': { main: [[{ node: submit.name, type: 'main', index: 0 }]] } };
	fs.writeFileSync(path.join(work, 'workflows', 'cancel.json'), JSON.stringify(cancel));
	const workflows = await runN8n(['import:workflow', '--separate', `--input=${path.join(work, 'workflows')}`], { N8N_LOG_LEVEL: 'warn' }, 'batch-import-workflows', 60_000);
	if (workflows.code !== 0) throw new Error(`import:workflow failed\n${tail(workflows.output)}`);
}, 150_000);

afterAll(async () => {
	await server?.close();
});

beforeEach(() => {
	server.reset();
});

it('Submit Only -> Wait node -> Collect Results in one workflow: one job, one answer per row, in order', async () => {
	server.configure({ batch: { speed: 1, queueSeconds: 2, requestsPerSecond: 50 } });
	const { code, output } = await runN8n(
		['execute', '--id=MistralExBatch01', '--rawOutput'],
		{ N8N_LOG_LEVEL: 'info', N8N_RUNNERS_BROKER_PORT: String(brokerPort) },
		'batch-submit-collect',
		120_000,
	);
	if (code !== 0) throw new Error(`n8n execute exited with ${code}\n${tail(output, 80)}`);
	const run = parseRun(output);
	expect(run.data.resultData.error).toBeUndefined();

	const submitted = nodeOutput(run, 'Submit batch job');
	const creations = server.requests.filter((request) => request.method === 'POST' && request.path === '/batch/jobs');
	expect(creations).toHaveLength(1);
	const [job] = server.batch.jobSummaries();
	expect(submitted.map((item) => item.json.mistralBatch.parts[0])).toEqual([0, 1, 2, 3].map((i) => ({ jobId: job.id, customId: String(i) })));
	expect(job.metadata).toMatchObject({ source: 'n8n-nodes-mistral', n8n_node: 'Submit batch job' });

	// The Wait node ran between the two: the first status check came at least its 5 seconds after the submission.
	const firstCheck = server.requests.find((request) => request.method === 'GET' && request.path.startsWith('/batch/jobs/'));
	expect(firstCheck).toBeDefined();
	expect(firstCheck!.startedAt - creations[0].startedAt).toBeGreaterThanOrEqual(4_900);

	const collected = nodeOutput(run, 'Collect batch results');
	const tickets = nodeOutput(run, 'Sample tickets').map((item) => item.json);
	// The example caps answers at 10 tokens (one word is asked for); the local server echoes the prompt.
	expect(collected.map((item) => item.json)).toEqual(
		tickets.map((ticket) => ({
			...ticket,
			content: expect.stringMatching(/^Echo: /),
			finish_reason: expect.stringMatching(/^(stop|length)$/),
			model: 'mistral-small-latest',
			usage: expect.objectContaining({ total_tokens: expect.any(Number) }),
			batchJob: { id: job.id, status: 'SUCCESS', totalRequests: 4, succeededRequests: 4, failedRequests: 0 },
		})),
	);
	// The editor shows the job and its counts as an execution hint in the output pane.
	expect(run.data.resultData.runData['Collect batch results'][0].hints?.[0].message).toMatch(new RegExp(`^Mistral batch job ${job.id} SUCCESS: 4 of 4`));
	collected.forEach((item, i) => expect(`Echo: ${tickets[i].ticket}`.startsWith(item.json.content)).toBe(true));
	expect(collected.map((item) => item.pairedItem)).toEqual([0, 1, 2, 3].map((i) => ({ item: i })));
	expect(server.requests.filter((request) => request.path === '/chat/completions')).toHaveLength(0);
}, 150_000);

it('stopping the execution (n8n start, the editor\'s Stop) while the node waits for its job cancels the job on the server', async () => {
	server.configure({ batch: { speed: 1, queueSeconds: 3600 } });
	const browserId = 'n8n-nodes-mistral-batch-e2e';
	const n8n = await startN8nServer();
	const { baseUrl, log } = n8n;
	let cookie = '';
	const rest = async (method: string, urlPath: string, body?: unknown) => {
		const response = await fetch(`${baseUrl}/rest${urlPath}`, {
			method,
			headers: { 'content-type': 'application/json', 'browser-id': browserId, ...(cookie ? { cookie } : {}) },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await response.text();
		return { status: response.status, text, cookie: (response.headers.get('set-cookie') ?? '').split(';')[0] };
	};
	try {
		// The owner may exist already (the other e2e file sets it up in the same user folder).
		const account = { email: 'e2e@example.com', password: 'E2e-password-1234' };
		const setup = await rest('POST', '/owner/setup', { ...account, firstName: 'E2E', lastName: 'Test' });
		if (setup.status === 200) cookie = setup.cookie;
		else cookie = (await rest('POST', '/login', { emailOrLdapLoginId: account.email, password: account.password })).cookie;
		expect(cookie).toMatch(/^n8n-auth=/);

		// The editor's "Execute workflow": n8n 2.x runs the stored workflow; n8n 1.x wants it in the body.
		const runBody: Record<string, unknown> = { triggerToStartFrom: { name: "When clicking 'Execute workflow'" } };
		if (N8N_VERSION.startsWith('1.')) {
			const stored = await rest('GET', `/workflows/${CANCEL_WORKFLOW_ID}`);
			if (stored.status !== 200) throw new Error(`workflow: HTTP ${stored.status} ${stored.text.slice(0, 300)}`);
			runBody.workflowData = JSON.parse(stored.text).data;
		}
		const started = await rest('POST', `/workflows/${CANCEL_WORKFLOW_ID}/run`, runBody);
		if (started.status !== 200) throw new Error(`run: HTTP ${started.status} ${started.text.slice(0, 500)}`);
		const executionId = JSON.parse(started.text).data.executionId as string;
		expect(executionId).toBeDefined();

		const polling = await until(() => server.requests.filter((request) => request.method === 'GET' && request.path.startsWith('/batch/jobs/')).length >= 2, 60_000);
		if (!polling) throw new Error(`the node never polled its job\n${tail(log(), 60)}`);
		const [job] = server.batch.jobSummaries();
		expect(job.status).toBe('QUEUED');

		const stopped = await rest('POST', `/executions/${executionId}/stop`);
		if (stopped.status !== 200) throw new Error(`stop: HTTP ${stopped.status} ${stopped.text.slice(0, 500)}`);
		const isCancel = (request: { method: string; path: string }) => request.method === 'POST' && request.path === `/batch/jobs/${job.id}/cancel`;
		await until(() => server.requests.some(isCancel), 20_000);
		const cancelled = server.requests.filter(isCancel);
		if (cancelled.length !== 1) throw new Error(`expected one cancel request, got ${cancelled.length}\n${tail(log(), 60)}`);
		expect(cancelled[0].status).toBe(200);
		expect(['CANCELLATION_REQUESTED', 'CANCELLED']).toContain(server.batch.jobSummaries()[0].status);
		expect(log()).toMatch(/Mistral Chat: cancelled batch job/);
	} finally {
		await n8n.stop();
	}
}, 150_000);
