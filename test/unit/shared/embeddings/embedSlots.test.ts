import { embedSlots } from '../../../../nodes/shared/embeddings/embedSlots';
import type { EmbedSlot } from '../../../../nodes/shared/embeddings/inputs';
import { TokenCalibration } from '../../../../nodes/shared/packing/calibration';
import { blamesAnInput } from '../../../../nodes/shared/packing/sendPacked';

/** A fake embeddings API: refuses any request that holds a text containing "BAD" (as a 400 naming the input). */
function fakeServer() {
	const sent: string[][] = [];
	const client = {
		async post(_path: string, body: Record<string, unknown>) {
			const input = body.input as string[];
			sent.push(input);
			if (input.some((text) => text.includes('BAD'))) {
				// As MistralClient keeps what it learned on its errors (failureInfoOf reads it back).
				throw Object.assign(new Error('Input at index 0 is invalid'), {
					context: { mistral: { kind: 'http', status: 400, message: 'Input at index 0 is invalid', fields: ['input.0'] } },
				});
			}
			return { data: input.map((_text, index) => ({ index, embedding: [index, input.length] })), usage: { prompt_tokens: input.length * 3 } };
		},
	};
	return { client, sent };
}

const slots = (texts: string[]): EmbedSlot[] => texts.map((text, itemIndex) => ({ itemIndex, text, estimatedTokens: 3 }));

describe('embedSlots (on the one send-and-split loop)', () => {
	it('halves a batch refused for one of its inputs until that input stands alone; the others get their vectors', async () => {
		const { client, sent } = fakeServer();
		const vectors = new Map<number, number[]>();
		const failed: number[] = [];
		const { outcomes } = await embedSlots(slots(['a', 'b', 'BAD', 'd']), {
			client,
			model: 'mistral-embed',
			dtype: 'float',
			body: (texts) => ({ model: 'mistral-embed', input: texts }),
			calibration: new TokenCalibration(16_384),
			maxInputs: 10,
			maxConcurrency: 2,
			stopOnError: false,
			onVectors: (batch, batchVectors) => batch.forEach((slot, position) => vectors.set(slot.itemIndex, batchVectors[position])),
			onFailure: (batch, _error, cause) => {
				expect(cause).toBe('input');
				failed.push(...batch.map((slot) => slot.itemIndex));
			},
		});
		expect(outcomes.every((outcome) => outcome?.ok)).toBe(true);
		expect(sent).toEqual([['a', 'b', 'BAD', 'd'], ['a', 'b'], ['BAD', 'd'], ['BAD'], ['d']]);
		expect(failed).toEqual([2]);
		expect([...vectors.keys()].sort()).toEqual([0, 1, 3]);
	});

	it('sends the first batch alone, then the rest under the budget the first answer taught', async () => {
		const { client, sent } = fakeServer();
		let inFlight = 0;
		let peakBeforeFirstAnswer = 0;
		let answered = false;
		const counting = {
			async post(path: string, body: Record<string, unknown>) {
				inFlight++;
				if (!answered) peakBeforeFirstAnswer = Math.max(peakBeforeFirstAnswer, inFlight);
				try {
					return await client.post(path, body);
				} finally {
					inFlight--;
					answered = true;
				}
			},
		};
		await embedSlots(slots(['a', 'b', 'c', 'd', 'e', 'f']), {
			client: counting,
			model: 'mistral-embed',
			dtype: 'float',
			body: (texts) => ({ model: 'mistral-embed', input: texts }),
			calibration: new TokenCalibration(16_384),
			maxInputs: 2,
			maxConcurrency: 3,
			stopOnError: true,
			onVectors: () => undefined,
			onFailure: () => undefined,
		});
		expect(peakBeforeFirstAnswer).toBe(1);
		expect(sent.flat().sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
	});

	it('blames an input only for a 400/422 about the input, never for the model or the key', () => {
		expect(blamesAnInput({ kind: 'http', status: 422, fields: ['input.3'] })).toBe(true);
		expect(blamesAnInput({ kind: 'http', status: 400, message: 'Too many tokens in input' })).toBe(true);
		expect(blamesAnInput({ kind: 'http', status: 400, message: 'Invalid model: mistral-embedd' })).toBe(false);
		expect(blamesAnInput({ kind: 'http', status: 401, message: 'Unauthorized' })).toBe(false);
		expect(blamesAnInput({ kind: 'timeout' })).toBe(false);
	});
});
