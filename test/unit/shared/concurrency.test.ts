import { settleWithConcurrency } from '../../../nodes/shared/concurrency';
import { RateLimitGate } from '../../../nodes/shared/transport/rateLimitGate';
import { abortableSleep } from '../../../nodes/shared/abortableSleep';

describe('settleWithConcurrency', () => {
	it('keeps input order and never exceeds the limit', async () => {
		let running = 0;
		let peak = 0;
		const results = await settleWithConcurrency([30, 5, 20, 1, 10, 2], 3, async (ms, index) => {
			running++;
			peak = Math.max(peak, running);
			await abortableSleep(ms);
			running--;
			return index * 10;
		});
		expect(results.map((result) => (result?.ok ? result.value : undefined))).toEqual([0, 10, 20, 30, 40, 50]);
		expect(peak).toBe(3);
	});

	it('isolates failures', async () => {
		const results = await settleWithConcurrency([1, 2, 3], 2, async (n) => {
			if (n === 2) throw new Error('two');
			return n;
		});
		expect(results[0]).toEqual({ ok: true, value: 1 });
		expect(results[1]).toEqual({ ok: false, error: new Error("two") });
		expect(results[2]).toEqual({ ok: true, value: 3 });
	});

	it('stops starting work after the first failure when asked', async () => {
		const started: number[] = [];
		const results = await settleWithConcurrency([1, 2, 3, 4, 5], 1, async (n) => {
			started.push(n);
			if (n === 2) throw new Error('stop');
			return n;
		}, true);
		expect(started).toEqual([1, 2]);
		expect(results[1]).toEqual({ ok: false, error: new Error('stop') });
		expect(results.slice(2)).toEqual([undefined, undefined, undefined]);
	});
});

describe('RateLimitGate', () => {
	it('holds every caller until the pause is over', async () => {
		const gate = new RateLimitGate();
		gate.closeFor(150);
		const start = Date.now();
		await Promise.all([gate.pass(), gate.pass()]);
		expect(Date.now() - start).toBeGreaterThanOrEqual(140);
		expect(gate.remainingMs()).toBe(0);
	});

	it('gives up when the execution is cancelled', async () => {
		const gate = new RateLimitGate();
		gate.closeFor(500);
		const controller = new AbortController();
		const waiting = gate.pass(controller.signal);
		controller.abort();
		await expect(waiting).rejects.toThrow('canceled');
	});
});
