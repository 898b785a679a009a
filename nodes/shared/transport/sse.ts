/**
 * Server-sent events (pure): turns the bytes of a `text/event-stream` body into the `data` of each
 * event, as chat-completions streams send them (`data: {...}` blocks, ending in `data: [DONE]`).
 * Comment lines (": keep-alive") and fields other than `data` are skipped; multi-line data is joined with "\n".
 */
export async function* sseData(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
	const decoder = new TextDecoder();
	let buffer = '';
	let data: string[] = [];
	for await (const piece of body) {
		buffer += typeof piece === 'string' ? piece : decoder.decode(piece, { stream: true });
		let newline: number;
		while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
			// A "\r" at the very end may be the first half of "\r\n": wait for the next piece.
			if (buffer[newline] === '\r' && newline === buffer.length - 1) break;
			const line = buffer.slice(0, newline);
			buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
			if (line === '') {
				if (data.length > 0) yield data.join('\n');
				data = [];
				continue;
			}
			if (line.startsWith(':')) continue;
			const colon = line.indexOf(':');
			const field = colon < 0 ? line : line.slice(0, colon);
			if (field !== 'data') continue;
			let value = colon < 0 ? '' : line.slice(colon + 1);
			if (value.startsWith(' ')) value = value.slice(1);
			data.push(value);
		}
	}
	buffer += decoder.decode();
	if (buffer.startsWith('data:')) data.push(buffer.slice(5).replace(/^ /, ''));
	if (data.length > 0) yield data.join('\n');
}
