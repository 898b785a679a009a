/** Every split, packing and worker loop makes progress, whatever limit reaches it. */
import { BatchQueue, halve, packBatches, splitUnderBudget } from '../../nodes/shared/packing/batching';
import { TokenCalibration } from '../../nodes/shared/packing/calibration';
import { decodeBase64Vector, vectorsByIndex } from '../../nodes/shared/embeddings/vectors';
import { planJobs } from '../../nodes/shared/batch/jobs';
import { settlePulled, settleWithConcurrency } from '../../nodes/shared/concurrency';
import { selectModels } from '../../nodes/shared/models';

const slot = (itemIndex: number, estimatedTokens: number) => ({ itemIndex, text: `t${itemIndex}`, estimatedTokens });
const slots = (count: number, tokens = 10) => Array.from({ length: count }, (_, i) => slot(i, tokens));

describe('loops that must advance', () => {
	it.each([NaN, 0, -1, 0.5, -Infinity])('BatchQueue.take refuses a Batch Size of %p instead of handing out empty batches', (maxInputs) => {
		expect(() => new BatchQueue(slots(3)).take({ maxInputs, maxTokens: 100 })).toThrow(RangeError);
	});

	it.each([NaN, 0, -5, Infinity])('BatchQueue.take with a token budget of %p still takes at least one input per call', (maxTokens) => {
		const queue = new BatchQueue(slots(5, 10));
		const sizes: number[] = [];
		for (let batch = queue.take({ maxInputs: 2, maxTokens }); batch; batch = queue.take({ maxInputs: 2, maxTokens })) sizes.push(batch.length);
		expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(5);
		expect(Math.min(...sizes)).toBeGreaterThanOrEqual(1);
	});

	it('packBatches covers every input once, in batches of at least one, under any budget', () => {
		for (const maxTokens of [1, 5, 1e9]) {
			const batches = packBatches(slots(50, 7), { maxInputs: 8, maxTokens });
			expect(batches.flat().map((entry) => entry.itemIndex)).toEqual(Array.from({ length: 50 }, (_, i) => i));
			expect(batches.every((batch) => batch.length >= 1 && batch.length <= 8)).toBe(true);
		}
		expect(() => packBatches(slots(3), { maxInputs: NaN, maxTokens: 100 })).toThrow(RangeError);
	});

	it('halving stops at single inputs; a split under the budget gives at least two non-empty pieces', () => {
		expect(() => halve([slot(0, 1)])).toThrow(RangeError);
		expect(() => halve([])).toThrow(RangeError);
		for (const budget of [1, 10, 1e9]) {
			const pieces = splitUnderBudget(slots(5, 10), budget);
			expect(pieces.length).toBeGreaterThanOrEqual(2);
			expect(pieces.every((piece) => piece.length >= 1)).toBe(true);
			expect(pieces.flat()).toHaveLength(5);
		}
	});

	it('the calibration refuses a budget that is not a positive number, and its budget stays at least 1', () => {
		expect(() => new TokenCalibration(NaN)).toThrow(RangeError);
		expect(() => new TokenCalibration(0)).toThrow(RangeError);
		const calibration = new TokenCalibration(100);
		for (let i = 0; i < 50; i++) calibration.rejected([{ estimatedTokens: 1 }]);
		expect(calibration.budget()).toBeGreaterThanOrEqual(1);
		expect(Number.isFinite(calibration.budget())).toBe(true);
		// A batch of one input still fits under the cap however many refusals came before (it is sent alone).
		expect(Number.isFinite(calibration.tokensOf({ estimatedTokens: 1 }))).toBe(true);
	});

	it('planJobs refuses a job size under 1', () => {
		expect(() => planJobs([{ model: 'm' }], 0)).toThrow(RangeError);
		expect(planJobs([{ model: 'm' }, { model: 'm' }, { model: 'm' }], 2).map((job) => job.requests.length)).toEqual([2, 1]);
	});

	it('starts at most 64 workers, whatever limit it is given', async () => {
		let running = 0;
		let most = 0;
		const task = async () => {
			running++;
			most = Math.max(most, running);
			await new Promise((resolve) => setImmediate(resolve));
			running--;
		};
		await settleWithConcurrency(Array.from({ length: 200 }, (_, i) => i), 1e9, task);
		expect(most).toBe(64);
		most = 0;
		let left = 200;
		await settlePulled(() => (left-- > 0 ? left : undefined), 1e9, task);
		expect(most).toBe(64);
	});
});

describe('embedding answers', () => {
	const floats = (values: number[]) => Buffer.from(new Float32Array(values).buffer).toString('base64');
	const answer = (...embeddings: unknown[]) => ({ data: embeddings.map((embedding, index) => ({ index, embedding })) });

	it.each([
		['an empty list', [], 'an empty list'],
		['null', null, 'null'],
		['a string in the list', [1, '2'], '"2" at position 1'],
		['an empty base64 text', '', 'an empty text'],
		['text that is not base64', 'not base64!', 'text that is not base64'],
		['base64 with a space inside', `${floats([1, 2]).slice(0, 4)} ${floats([1, 2]).slice(4)}`, 'text that is not base64'],
		['base64 with a character that is not base64 inside', `${floats([1, 2]).slice(0, 4)}!${floats([1, 2]).slice(5)}`, 'text that is not base64'],
		['base64 with padding inside', 'AAAA=AAA', 'text that is not base64'],
		['base64 one character too long', `${floats([1, 2])}A`, 'text that is not base64'],
		['a JSON list as a string', '[1,2]', 'text that is not base64'],
		['base64 of 6 bytes', Buffer.from([1, 2, 3, 4, 5, 6]).toString('base64'), 'base64 of 6 bytes, not a whole number of float32 values'],
		['a NaN float32', floats([1, NaN]), 'NaN at position 1'],
		['an infinite float32', floats([2, -Infinity]), '-Infinity at position 1'],
	])('refuses %s as a vector', (_what, embedding, problem) => {
		expect(() => vectorsByIndex(answer([1, 2], embedding), 2, 'float')).toThrow(
			`The server's vector for input 1 is not usable: ${problem}. A vector must be a non-empty list of finite numbers (or base64 of them); none of this request's vectors was used`,
		);
	});

	it('refuses vectors of different lengths in one answer, and takes equal ones', () => {
		expect(() => vectorsByIndex(answer([1, 2], [1, 2, 3]), 2, 'float')).toThrow(
			'The server answered with vectors of different lengths in one request (2 numbers for input 0, 3 for input 1); none of them was used',
		);
		expect(vectorsByIndex(answer(floats([0.5, 1]), [2, 3]), 2, 'float')).toEqual([[0.5, 1], [2, 3]]);
		expect(decodeBase64Vector(Buffer.from([1, 2]).toString('base64url'), 'uint8')).toEqual([1, 2]);
	});
});

describe('/models entries', () => {
	it('skips entries of the wrong shape instead of throwing', () => {
		const entries = [null, 'mistral-small', 7, [], {}, { id: 3 }, { id: '' }, { id: 'mistral-small-latest', capabilities: { completion_chat: true } }, { id: 'x', capabilities: 'yes' }];
		expect(selectModels(entries, 'chat').map((card) => card.id)).toEqual(['mistral-small-latest']);
		expect(selectModels([null], 'embed')).toEqual([]);
	});
});
