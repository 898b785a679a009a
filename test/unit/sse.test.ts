import { SseLimitError, sseData } from '../../nodes/shared/transport/sse';
import { StreamedAnswer } from '../../nodes/MistralChat/actions/streamedAnswer';

async function collect(pieces: string[]): Promise<string[]> {
	async function* source() {
		for (const piece of pieces) yield new TextEncoder().encode(piece);
	}
	const out: string[] = [];
	for await (const data of sseData(source())) out.push(data);
	return out;
}

async function collectFrom(events: AsyncGenerator<string>): Promise<string[]> {
	const out: string[] = [];
	for await (const data of events) out.push(data);
	return out;
}

describe('server-sent events', () => {
	it('reads data lines split anywhere, with \\n, \\r\\n or \\r, skipping comments and other fields', async () => {
		const text = ': keep-alive\r\ndata: {"a":1}\r\n\r\nevent: x\nid: 3\ndata: {"b":\ndata: 2}\n\ndata:[DONE]\r\r';
		for (const size of [1, 2, 3, 7, text.length]) {
			const pieces: string[] = [];
			for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
			expect(await collect(pieces)).toEqual(['{"a":1}', '{"b":\n2}', '[DONE]']);
		}
	});

	it('is linear in the bytes it reads: a 20 MB line in 64 KB pieces is read in one pass (the old parser took 13 s for 15.6 MB)', async () => {
		const piece = 'x'.repeat(64 * 1024);
		const count = Math.ceil((20 * 1024 * 1024) / piece.length);
		async function* source() {
			yield 'data: ';
			for (let i = 0; i < count; i++) yield piece;
			yield '\n\n';
		}
		const started = process.hrtime.bigint();
		const out: string[] = [];
		for await (const data of sseData(source())) out.push(data);
		const ms = Number(process.hrtime.bigint() - started) / 1e6;
		console.log(`[sse] one ${((count * piece.length) / 1e6).toFixed(1)} MB line in ${count} pieces: ${ms.toFixed(0)} ms`);
		expect(out).toHaveLength(1);
		expect(out[0].length).toBe(count * piece.length);
		// Loose: a pass that rescanned the buffer per piece takes seconds here.
		expect(ms).toBeLessThan(2000);
	});

	it('ends with SseLimitError when a line or an event outgrows the cap, before reading the rest', async () => {
		let piecesRead = 0;
		async function* endless() {
			yield 'data: ';
			for (;;) {
				piecesRead++;
				yield 'y'.repeat(1000);
			}
		}
		await expect(collectFrom(sseData(endless(), 10_000))).rejects.toBeInstanceOf(SseLimitError);
		expect(piecesRead).toBeLessThanOrEqual(11);
		// An event of many data lines counts as a whole.
		const lines = Array.from({ length: 20 }, () => `data: ${'z'.repeat(1000)}\n`).join('');
		await expect(collectFrom(sseData((async function* () { yield lines; })(), 10_000))).rejects.toBeInstanceOf(SseLimitError);
		expect(await collectFrom(sseData((async function* () { yield `${lines}\n`; })(), 50_000))).toHaveLength(1);
	});

	it('keeps multi-byte characters split between pieces', async () => {
		const bytes = new TextEncoder().encode('data: "été 🌍"\n\n');
		async function* source() {
			for (const byte of bytes) yield Uint8Array.of(byte);
		}
		const out: string[] = [];
		for await (const data of sseData(source())) out.push(data);
		expect(out).toEqual(['"été 🌍"']);
	});
});

describe('assembling a streamed answer', () => {
	it('joins text, keeps thinking apart and assembles tool calls sent in pieces (OpenAI-compatible servers)', () => {
		const answer = new StreamedAnswer();
		const events = [
			{ id: 'r', model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
			{ id: 'r', model: 'm', choices: [{ index: 0, delta: { content: [{ type: 'thinking', thinking: [{ type: 'text', text: 'hmm' }] }] }, finish_reason: null }] },
			{ id: 'r', model: 'm', choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }] },
			{ id: 'r', model: 'm', choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: null }] },
			{ id: 'r', model: 'm', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'abcDEF123', function: { name: 'calc', arguments: '{"in' } }] }, finish_reason: null }] },
			{ id: 'r', model: 'm', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: 'put":"1"}' } }] }, finish_reason: null }] },
			{ id: 'r', model: 'm', choices: [{ index: 0, delta: { content: '' }, finish_reason: 'tool_calls' }], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } },
		];
		const deltas = events.flatMap((event) => answer.add(JSON.stringify(event)));
		expect(deltas).toEqual([
			{ choice: 0, kind: 'reasoning', text: 'hmm' },
			{ choice: 0, kind: 'text', text: 'Hel' },
			{ choice: 0, kind: 'text', text: 'lo' },
		]);
		expect(answer.finished).toBe(true);
		answer.add('[DONE]');
		expect(answer.done).toBe(true);
		expect(answer.response()).toMatchObject({
			model: 'm',
			usage: { total_tokens: 7 },
			choices: [
				{
					index: 0,
					finish_reason: 'tool_calls',
					message: {
						content: [
							{ type: 'thinking', thinking: [{ type: 'text', text: 'hmm' }] },
							{ type: 'text', text: 'Hello' },
						],
						tool_calls: [{ id: 'abcDEF123', type: 'function', function: { name: 'calc', arguments: '{"input":"1"}' } }],
					},
				},
			],
		});
	});

	it('turns an error event into an error that quotes the server', () => {
		const answer = new StreamedAnswer();
		expect(() => answer.add('{"object":"error","message":"Service overloaded","type":"server_error"}')).toThrow(/Service overloaded/);
		expect(() => answer.add('not json')).toThrow(/not JSON/);
	});
});
