import { BatchQueue, splitUnderBudget } from '../../../../nodes/shared/packing/batching';
import { PRIOR_RATIO, RATIO_BOUNDS, SAFETY_MARGIN, saysTooManyTokensInRequest, TokenCalibration } from '../../../../nodes/shared/packing/calibration';
import type { EmbedSlot } from '../../../../nodes/shared/embeddings/inputs';
import { settlePulled } from '../../../../nodes/shared/concurrency';

const CAP = 16_384;
/** A text of `estimatedTokens` of shape 7 (words) unless said otherwise. */
const slot = (itemIndex: number, estimatedTokens: number, shape = 7): EmbedSlot => ({ itemIndex, text: `t${itemIndex}`, estimatedTokens, shape });
const batchOf = (estimate: number, shape = 7, count = 10) => Array.from({ length: count }, (_, i) => slot(i, estimate / count, shape));

/**
 * Sends texts (real tokens = estimate x the true ratio of their shape) through a BatchQueue and a
 * calibration, `wave` batches packed before any answer comes back (concurrency), with a server that
 * refuses requests over `serverCap` as Mistral does.
 */
function simulate(options: {
	count: number;
	estimate: number;
	trueRatio: number | ((slot: EmbedSlot) => number);
	shapeOf?: (index: number) => number;
	wave?: number;
	serverCap?: number;
	reportsUsage?: boolean;
	message?: string;
}) {
	const { count, estimate, wave = 4, serverCap = CAP, reportsUsage = true, message = 'Too many tokens overall, split into more batches.' } = options;
	const trueRatio = typeof options.trueRatio === 'number' ? () => options.trueRatio as number : options.trueRatio;
	const calibration = new TokenCalibration(CAP);
	const queue = new BatchQueue(Array.from({ length: count }, (_, i) => slot(i, estimate, options.shapeOf?.(i) ?? 7)));
	const real = (batch: EmbedSlot[]) => batch.reduce((sum, s) => sum + s.estimatedTokens * trueRatio(s), 0);
	const fills: number[] = [];
	let requests = 0;
	let rejected = 0;
	let total = 0;
	const send = (batch: EmbedSlot[]): void => {
		requests++;
		const tokens = real(batch);
		if (tokens > serverCap) {
			rejected++;
			calibration.rejected(batch, message.replace('{got}', String(Math.round(tokens))));
			for (const piece of splitUnderBudget(batch, calibration.cap, calibration.tokensOf)) send(piece);
			return;
		}
		total += tokens;
		fills.push(tokens / serverCap);
		calibration.observe(batch, reportsUsage ? Math.round(tokens) : undefined);
	};
	const inFlight: EmbedSlot[][] = [];
	for (;;) {
		while (inFlight.length < wave) {
			const batch = queue.take({ maxInputs: 10_000, maxTokens: calibration.cap, tokensOf: calibration.tokensOf });
			if (!batch) break;
			inFlight.push(batch);
		}
		const next = inFlight.shift();
		if (!next) break;
		send(next);
	}
	const ideal = Math.ceil(total / serverCap);
	return { requests, rejected, ideal, fills, lastFill: fills[fills.length - 2], calibration };
}

describe('token calibration', () => {
	it('before any report, packs by the estimate with the prior ratio and the margin', () => {
		const calibration = new TokenCalibration(CAP);
		expect(calibration.budget()).toBe(Math.floor(CAP / (PRIOR_RATIO * (1 + SAFETY_MARGIN))));
		expect(calibration.tokensOf(slot(0, 1000))).toBeCloseTo(1000 * PRIOR_RATIO * (1 + SAFETY_MARGIN));
	});

	it('an estimate twice too high: a homogeneous table converges on full requests, none rejected', () => {
		const run = simulate({ count: 2000, estimate: 100, trueRatio: 0.5 });
		expect(run.rejected).toBe(0);
		expect(run.lastFill).toBeGreaterThan(0.95);
		expect(run.lastFill).toBeLessThanOrEqual(1);
		// The first wave (4 batches) is packed before any report, at about half the cap.
		expect(run.requests).toBeLessThanOrEqual(run.ideal + 3);
	});

	it('a table in sections of different weights: each section packs near the cap, none rejected', () => {
		// Five sections of 400 rows; the estimate is 7% high on some, 7% low on others.
		const ratios = [0.93, 1.07, 0.95, 1.06, 1.0];
		const run = simulate({ count: 2000, estimate: 150, shapeOf: (i) => Math.floor(i / 400), trueRatio: (s) => ratios[s.shape!] });
		expect(run.rejected).toBe(0);
		expect(run.requests).toBeLessThanOrEqual(Math.ceil(run.ideal * 1.1));
		// One ratio for the whole table would pack the light sections by the heaviest (a 13% gap).
		expect(run.calibration.ratioOf(0)).toBeLessThan(0.96);
		expect(run.calibration.ratioOf(1)).toBeGreaterThan(1.06);
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

	it('never packs over the cap on a shape already seen: the highest ratio wins, per shape', () => {
		const calibration = new TokenCalibration(CAP);
		calibration.observe(batchOf(10_000), 9_000);
		calibration.observe(batchOf(10_000), 6_000);
		expect(calibration.ratioOf(7)).toBeCloseTo(0.9);
		calibration.observe(batchOf(10_000), 9_500);
		expect(calibration.ratioOf(7)).toBeCloseTo(0.95);
		// Another shape keeps the prior until it is reported.
		expect(calibration.ratioOf(15)).toBe(PRIOR_RATIO);
	});

	it('a mixed batch never lowers a shape, and raises every shape in it when it counted more than predicted', () => {
		const calibration = new TokenCalibration(CAP);
		calibration.observe(batchOf(10_000, 7), 9_000);
		calibration.observe(batchOf(10_000, 15), 10_000);
		const mixed = [...batchOf(5_000, 7, 5), ...batchOf(5_000, 15, 5)];
		calibration.observe(mixed, 6_000);
		expect([calibration.ratioOf(7), calibration.ratioOf(15)]).toEqual([expect.closeTo(0.9), expect.closeTo(1)]);
		calibration.observe(mixed, 11_400);
		expect([calibration.ratioOf(7), calibration.ratioOf(15)]).toEqual([expect.closeTo(0.9 * 1.2), expect.closeTo(1.2)]);
	});

	it('ignores small batches and servers that report no usage', () => {
		const calibration = new TokenCalibration(CAP);
		calibration.observe(batchOf(40), 400);
		calibration.observe(batchOf(10_000), undefined);
		calibration.observe(batchOf(10_000), 'many');
		calibration.observe(batchOf(10_000), 0);
		expect(calibration.ratioOf(7)).toBe(PRIOR_RATIO);
		expect(simulate({ count: 500, estimate: 100, trueRatio: 0.5, reportsUsage: false }).calibration.ratioOf(7)).toBe(PRIOR_RATIO);
	});

	it('believes reports only within bounds: a server reporting nonsense cannot collapse or inflate batches', () => {
		const tiny = new TokenCalibration(CAP);
		tiny.observe(batchOf(10_000), 1);
		expect(tiny.ratioOf(7)).toBeCloseTo(RATIO_BOUNDS.min);
		const huge = new TokenCalibration(CAP);
		huge.observe(batchOf(10_000), 1e9);
		expect(huge.ratioOf(7)).toBeCloseTo(RATIO_BOUNDS.max);
	});

	it('a refusal raises the ratio above the one in use', () => {
		const calibration = new TokenCalibration(CAP);
		calibration.observe(batchOf(10_000), 5_000);
		const before = calibration.ratioOf(7);
		calibration.rejected(batchOf(CAP / before));
		const once = calibration.ratioOf(7);
		expect(once).toBeGreaterThan(before * 1.04);
		// A report after a refusal does not undo what the refusal taught.
		calibration.observe(batchOf(10_000), 5_000);
		expect(calibration.ratioOf(7)).toBe(once);
		calibration.rejected(batchOf(CAP / once));
		expect(calibration.ratioOf(7)).toBeGreaterThan(once * 1.04);
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

describe('exact counts (mistral-embed)', () => {
	it('packs at ratio 1 with a 1% margin from the first batch on, and still learns from a server that counts more', () => {
		const calibration = new TokenCalibration(CAP, { cautiousStart: true, exactCounts: true });
		expect(calibration.learnsFromFirstAnswer).toBe(false);
		expect(calibration.tokensOf(slot(0, 1000))).toBeCloseTo(1010, 6);
		// 10,000 counted where 9,000 were expected: that shape's ratio rises.
		calibration.observe(batchOf(9000), 10_000);
		expect(calibration.ratioOf(7)).toBeGreaterThanOrEqual(10_000 / 9000 - 1e-9);
	});

	it('estimates keep their cautious first batch and prior', () => {
		const calibration = new TokenCalibration(CAP, { cautiousStart: true });
		expect(calibration.learnsFromFirstAnswer).toBe(true);
		expect(calibration.tokensOf(slot(0, 1000))).toBeGreaterThan(1000 * PRIOR_RATIO * (1 + SAFETY_MARGIN));
	});
});
