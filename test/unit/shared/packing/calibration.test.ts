import { BatchQueue, estimatedTokensOf, splitUnderBudget } from '../../../../nodes/shared/packing/batching';
import { PRIOR_RATIO, RATIO_BOUNDS, SAFETY_MARGIN, saysTooManyTokensInRequest, TokenCalibration } from '../../../../nodes/shared/packing/calibration';
import { settlePulled } from '../../../../nodes/shared/concurrency';

const CAP = 16_384;
const slot = (itemIndex: number, estimatedTokens: number) => ({ itemIndex, text: `t${itemIndex}`, estimatedTokens });

/**
 * Sends `count` inputs of `estimate` tokens each (real tokens = estimate x trueRatio) through a
 * BatchQueue and a calibration, `wave` batches packed before any answer comes back (concurrency),
 * with a server that refuses requests over `serverCap` as Mistral does.
 */
function simulate(options: { count: number; estimate: number; trueRatio: number; wave?: number; serverCap?: number; reportsUsage?: boolean; message?: string }) {
	const { count, estimate, trueRatio, wave = 4, serverCap = CAP, reportsUsage = true, message = 'Too many tokens overall, split into more batches.' } = options;
	const calibration = new TokenCalibration(CAP);
	const queue = new BatchQueue(Array.from({ length: count }, (_, i) => slot(i, estimate)));
	const real = (batch: unknown[]) => batch.length * estimate * trueRatio;
	const fills: number[] = [];
	let requests = 0;
	let rejected = 0;
	const send = (batch: ReturnType<typeof slot>[]): void => {
		requests++;
		const tokens = real(batch);
		if (tokens > serverCap) {
			rejected++;
			calibration.rejected(estimatedTokensOf(batch), message.replace('{got}', String(Math.round(tokens))));
			for (const piece of splitUnderBudget(batch, calibration.budget())) send(piece);
			return;
		}
		fills.push(tokens / serverCap);
		calibration.observe(estimatedTokensOf(batch), reportsUsage ? Math.round(tokens) : undefined);
	};
	const inFlight: ReturnType<typeof slot>[][] = [];
	for (;;) {
		while (inFlight.length < wave) {
			const batch = queue.take({ maxInputs: 10_000, maxTokens: calibration.budget() });
			if (!batch) break;
			inFlight.push(batch);
		}
		const next = inFlight.shift();
		if (!next) break;
		send(next);
	}
	const ideal = Math.ceil((count * estimate * trueRatio) / serverCap);
	return { requests, rejected, ideal, fills, lastFill: fills[fills.length - 2], calibration };
}

describe('token calibration', () => {
	it('before any report, packs by the estimate with a prior margin', () => {
		expect(new TokenCalibration(CAP).budget()).toBe(Math.floor(CAP / (PRIOR_RATIO * (1 + SAFETY_MARGIN))));
	});

	it('an estimate twice too high: a homogeneous table converges on full requests, none rejected', () => {
		const run = simulate({ count: 2000, estimate: 100, trueRatio: 0.5 });
		expect(run.rejected).toBe(0);
		expect(run.lastFill).toBeGreaterThan(0.95);
		expect(run.lastFill).toBeLessThanOrEqual(1);
		// The first wave (4 batches) is packed before any report, at about half the cap.
		expect(run.requests).toBeLessThanOrEqual(run.ideal + 3);
	});

	it('an estimate 30% too low (another tokenizer): two refusals, then full requests that fit', () => {
		const run = simulate({ count: 2000, estimate: 100, trueRatio: 1.3, wave: 1 });
		expect(run.rejected).toBeLessThanOrEqual(2);
		expect(run.fills.every((fill) => fill <= 1)).toBe(true);
		expect(run.lastFill).toBeGreaterThan(0.9);
	});

	it('a refusal that gives the figures ("Max is N got M") sets the ratio and the cap from them', () => {
		const run = simulate({ count: 2000, estimate: 100, trueRatio: 1.3, wave: 1, serverCap: 8192, message: 'Too many tokens in batch. Max is 8192 got {got}' });
		expect(run.rejected).toBe(1);
		expect(run.lastFill).toBeGreaterThan(0.9);
	});

	it('a server cap far under the setting, without figures: a few refusals, then requests that fit', () => {
		const run = simulate({ count: 2000, estimate: 100, trueRatio: 1, wave: 1, serverCap: 4096 });
		expect(run.rejected).toBeLessThanOrEqual(8);
		expect(run.fills.slice(-5, -1).every((fill) => fill <= 1 && fill > 0.5)).toBe(true);
	});

	it('never packs over the cap on a shape already seen: the highest ratio wins, with a margin', () => {
		const calibration = new TokenCalibration(CAP);
		calibration.observe(10_000, 9_000);
		calibration.observe(10_000, 6_000);
		expect(calibration.ratio).toBeCloseTo(0.9 * (1 + SAFETY_MARGIN));
		expect(calibration.budget() * 0.9).toBeLessThan(CAP);
		calibration.observe(10_000, 9_500);
		expect(calibration.ratio).toBeCloseTo(0.95 * (1 + SAFETY_MARGIN));
	});

	it('ignores small batches and servers that report no usage', () => {
		const calibration = new TokenCalibration(CAP);
		calibration.observe(40, 400);
		calibration.observe(10_000, undefined);
		calibration.observe(10_000, 'many');
		calibration.observe(10_000, 0);
		expect(calibration.budget()).toBe(Math.floor(CAP / (PRIOR_RATIO * (1 + SAFETY_MARGIN))));
		expect(simulate({ count: 500, estimate: 100, trueRatio: 0.5, reportsUsage: false }).calibration.budget()).toBe(Math.floor(CAP / (PRIOR_RATIO * (1 + SAFETY_MARGIN))));
	});

	it('believes reports only within bounds: a server reporting nonsense cannot collapse or inflate batches', () => {
		const tiny = new TokenCalibration(CAP);
		tiny.observe(10_000, 1);
		expect(tiny.ratio).toBeCloseTo(RATIO_BOUNDS.min * (1 + SAFETY_MARGIN));
		const huge = new TokenCalibration(CAP);
		huge.observe(10_000, 1e9);
		expect(huge.ratio).toBeCloseTo(RATIO_BOUNDS.max * (1 + SAFETY_MARGIN));
		expect(huge.budget()).toBeGreaterThan(3_000);
	});

	it('a refusal raises the ratio above the one in use', () => {
		const calibration = new TokenCalibration(CAP);
		calibration.observe(10_000, 5_000);
		const before = calibration.budget();
		calibration.rejected(before);
		const once = calibration.budget();
		expect(once).toBeLessThan(before / 1.05);
		// A report after a refusal does not undo what the refusal taught.
		calibration.observe(once, once * 0.5);
		expect(calibration.budget()).toBe(once);
		calibration.rejected(once);
		expect(calibration.budget()).toBeLessThan(once / 1.05);
	});

	it('tells a request over its token cap from an input over its own', () => {
		expect(saysTooManyTokensInRequest('Too many tokens overall, split into more batches.')).toBe(true);
		expect(saysTooManyTokensInRequest('Too many tokens in batch. Max is 16384 got 17201')).toBe(true);
		expect(saysTooManyTokensInRequest('Input at index 3 has 9002 tokens, exceeding the maximum of 8192 tokens per input.')).toBe(false);
		expect(saysTooManyTokensInRequest('Input at index 5 is empty')).toBe(false);
		expect(saysTooManyTokensInRequest(undefined)).toBe(false);
	});
});

describe('lazy batches', () => {
	it('packs each batch when it is taken, with the budget of that moment', () => {
		const queue = new BatchQueue(Array.from({ length: 10 }, (_, i) => slot(i, 10)));
		expect(queue.take({ maxInputs: 100, maxTokens: 30 })?.map((s) => s.itemIndex)).toEqual([0, 1, 2]);
		expect(queue.take({ maxInputs: 2, maxTokens: 1000 })?.map((s) => s.itemIndex)).toEqual([3, 4]);
		expect(queue.take({ maxInputs: 100, maxTokens: 5 })?.map((s) => s.itemIndex)).toEqual([5]);
		expect(queue.take({ maxInputs: 100, maxTokens: 1000 })?.map((s) => s.itemIndex)).toEqual([6, 7, 8, 9]);
		expect(queue.take({ maxInputs: 100, maxTokens: 1000 })).toBeUndefined();
	});

	it('settlePulled keeps the concurrency and pulls the next input only when a worker is free', async () => {
		let pulled = 0;
		let running = 0;
		let peak = 0;
		const pulledWhileRunning: number[] = [];
		const { inputs, results } = await settlePulled(
			() => {
				pulledWhileRunning.push(running);
				return pulled < 10 ? pulled++ : undefined;
			},
			3,
			async (input) => {
				running++;
				peak = Math.max(peak, running);
				await new Promise((resolve) => setTimeout(resolve, 5));
				running--;
				if (input === 4) throw new Error('four');
				return input * 2;
			},
		);
		expect(inputs).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
		expect(results.map((result) => (result.ok ? result.value : 'failed'))).toEqual([0, 2, 4, 6, 'failed', 10, 12, 14, 16, 18]);
		expect(peak).toBe(3);
		expect(Math.max(...pulledWhileRunning)).toBeLessThanOrEqual(2);
	});

	it('settlePulled with stopOnError starts nothing after a failure', async () => {
		let pulled = 0;
		const { inputs } = await settlePulled(
			() => (pulled < 10 ? pulled++ : undefined),
			1,
			async (input) => {
				if (input === 2) throw new Error('two');
				return input;
			},
			true,
		);
		expect(inputs).toEqual([0, 1, 2]);
	});
});
