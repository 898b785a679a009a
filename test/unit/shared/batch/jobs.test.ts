import { apiUrl } from '../../../../nodes/shared/transport/baseUrl';
import { jobMetadata, jobEndProblem, parseJsonLines, planJobs, pollDelayMs, readJob, readResultLines } from '../../../../nodes/shared/batch/jobs';

describe('batch jobs (pure parts)', () => {
	it('joins a path with a query (?inline=true) to a Base URL, keeping the Base URL\'s own query', () => {
		expect(apiUrl('https://api.mistral.ai/v1', '/batch/jobs/j1?inline=true')).toBe('https://api.mistral.ai/v1/batch/jobs/j1?inline=true');
		expect(apiUrl('https://proxy.example/v1?key=abc', '/batch/jobs/j1?inline=true')).toBe('https://proxy.example/v1/batch/jobs/j1?key=abc&inline=true');
		expect(apiUrl('https://proxy.example/v1?key=abc', '/embeddings')).toBe('https://proxy.example/v1/embeddings?key=abc');
	});

	it('plans one job per model, at most 10,000 requests each, order kept', () => {
		const requests = Array.from({ length: 25_003 }, (_, i) => ({ model: i % 1000 === 999 ? 'b' : 'a', i }));
		const jobs = planJobs(requests);
		expect(jobs.map((job) => [job.model, job.requests.length])).toEqual([
			['a', 10_000],
			['a', 10_000],
			['a', 4_978],
			['b', 25],
		]);
		expect(jobs[1].requests[0].i).toBeGreaterThan(jobs[0].requests[9_999].i);
	});

	it('polls after 1 s, then 1.5 times longer each time, never longer than the cap', () => {
		expect([0, 1, 2, 3].map((check) => pollDelayMs(check))).toEqual([1000, 1500, 2250, 3375]);
		expect(pollDelayMs(30)).toBe(60_000);
		expect(pollDelayMs(30, 10_000)).toBe(10_000);
	});

	it('reads successes and every failure shape by custom_id: error objects, bare strings, 4xx bodies', () => {
		const results = readResultLines([
			{ custom_id: '0', response: { status_code: 200, body: { choices: [] } }, error: null },
			{ custom_id: '1', response: { status_code: 400, body: { object: 'error', message: 'Prompt too long', type: 'invalid_request_error' } }, error: { message: 'Prompt too long' } },
			{ custom_id: '2', error: 'Worker crashed' },
			{ custom_id: 3, response: { status_code: 500, body: 'oops' } },
			{ response: { status_code: 200, body: {} } },
		]);
		expect(results.get('0')).toEqual({ ok: true, body: { choices: [] } });
		expect(results.get('1')).toMatchObject({ ok: false, status: 400, message: 'Prompt too long' });
		expect(results.get('2')).toMatchObject({ ok: false, message: 'Worker crashed' });
		expect(results.get('3')).toMatchObject({ ok: false, status: 500, message: 'oops' });
		expect(results.size).toBe(4);
	});

	it('keeps job metadata within the spec: no empty values, keys up to 32 and values up to 512 characters', () => {
		expect(jobMetadata({ a: '', b: undefined, c: null, ['k'.repeat(40)]: 'v'.repeat(600), n: 7 })).toEqual({ ['k'.repeat(32)]: 'v'.repeat(512), n: '7' });
	});

	it('skips blank and torn JSONL lines', () => {
		expect(parseJsonLines('{"custom_id":"a"}\n\n{"custom_id":"b"}\n{"custom_id":"c"')).toEqual([{ custom_id: 'a' }, { custom_id: 'b' }]);
	});

	it('says why a job ended without all results, with its counts and Mistral\'s errors', () => {
		const job = readJob({ id: 'j1', status: 'FAILED', total_requests: 10, completed_requests: 4, succeeded_requests: 3, failed_requests: 1, errors: [{ message: 'GPU fell over', count: 2 }] });
		expect(jobEndProblem(job)).toBe('Mistral batch job j1 failed: 3 of 10 request(s) succeeded, 1 failed, 6 not run. Mistral said: GPU fell over (×2)');
		expect(jobEndProblem({ ...job, status: 'SUCCESS' })).toBeUndefined();
		expect(() => readJob({ detail: 'Not Found' })).toThrow(/no "id" and "status"/);
	});
});
