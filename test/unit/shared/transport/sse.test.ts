import { sseData } from '../../../../nodes/shared/transport/sse';

async function collect(pieces: string[]): Promise<string[]> {
	async function* source() {
		for (const piece of pieces) yield new TextEncoder().encode(piece);
	}
	const out: string[] = [];
	for await (const data of sseData(source())) out.push(data);
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
