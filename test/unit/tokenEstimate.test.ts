import { estimateTokens } from '../../nodes/MistralEmbed/actions/inputs';
import { countTokens } from '../server/tokens';

// The local server counts tokens at least as strictly as Mistral; the estimate must never be lower.
describe('token estimate', () => {
	const samples = [
		'hello world',
		'a b c d e f g',
		'a,b,c,d;e.f!',
		'1234567890 0987654321',
		'déjà vu, naïve café',
		'日本語のテキスト',
		'emoji 😀😀 mixed ✓',
		'function f(x) { return x * 2; } // code',
		'   ',
		'x'.repeat(1000),
		'The quick brown fox jumps over the lazy dog. '.repeat(50),
	];

	it.each(samples)('is at least the server count for %p', (text) => {
		expect(estimateTokens(text)).toBeGreaterThanOrEqual(countTokens(text));
	});

	it('is at least the server count for random text', () => {
		let seed = 42;
		const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
		const alphabet = 'abcXYZ0189 ,.;-_()[]\n\téü日😀';
		const chars = Array.from(alphabet);
		for (let n = 0; n < 500; n++) {
			const text = Array.from({ length: Math.floor(random() * 80) }, () => chars[Math.floor(random() * chars.length)]).join('');
			expect(estimateTokens(text)).toBeGreaterThanOrEqual(countTokens(text));
		}
	});
});
