/**
 * Server-sent events (pure): turns the bytes of a `text/event-stream` body into the `data` of each
 * event, as chat-completions streams send them (`data: {...}` blocks, ending in `data: [DONE]`).
 * Comment lines (": keep-alive") and fields other than `data` are skipped; multi-line data is joined with "\n".
 *
 * Linear in the bytes read: each piece is searched for line ends once, and a line still open is kept
 * as a list of pieces, joined when it ends. A line or an event longer than `maxEventChars` ends the
 * stream with SseLimitError instead of growing without bound.
 */
export class SseLimitError extends Error {
	constructor(readonly limitChars: number) {
		super(`A server-sent event is longer than ${limitChars} characters`);
		this.name = 'SseLimitError';
	}
}

const LINE_END = /\r\n|\r|\n/g;

export async function* sseData(body: AsyncIterable<Uint8Array | string>, maxEventChars = Number.POSITIVE_INFINITY): AsyncGenerator<string> {
	const decoder = new TextDecoder();
	/** The line still open, in pieces. */
	let open: string[] = [];
	let openChars = 0;
	let data: string[] = [];
	let dataChars = 0;
	/** The last piece ended with "\r": a "\n" starting the next one belongs to the same line end. */
	let afterCr = false;

	const line = (text: string): string | undefined => {
		if (text === '') {
			const event = data.length > 0 ? data.join('\n') : undefined;
			data = [];
			dataChars = 0;
			return event;
		}
		if (text.startsWith(':')) return undefined;
		const colon = text.indexOf(':');
		const field = colon < 0 ? text : text.slice(0, colon);
		if (field !== 'data') return undefined;
		let value = colon < 0 ? '' : text.slice(colon + 1);
		if (value.startsWith(' ')) value = value.slice(1);
		dataChars += value.length;
		if (dataChars > maxEventChars) throw new SseLimitError(maxEventChars);
		data.push(value);
		return undefined;
	};

	for await (const piece of body) {
		let text = typeof piece === 'string' ? piece : decoder.decode(piece, { stream: true });
		if (afterCr && text.startsWith('\n')) text = text.slice(1);
		afterCr = false;
		let start = 0;
		LINE_END.lastIndex = 0;
		for (let match = LINE_END.exec(text); match !== null; match = LINE_END.exec(text)) {
			open.push(text.slice(start, match.index));
			const whole = open.length === 1 ? open[0] : open.join('');
			open = [];
			openChars = 0;
			start = match.index + match[0].length;
			if (match[0] === '\r' && start === text.length) afterCr = true;
			const event = line(whole);
			if (event !== undefined) yield event;
		}
		if (start < text.length) {
			open.push(text.slice(start));
			openChars += text.length - start;
			if (openChars > maxEventChars) throw new SseLimitError(maxEventChars);
		}
	}
	const rest = open.join('') + decoder.decode();
	if (rest !== '') {
		const event = line(rest);
		if (event !== undefined) yield event;
	}
	if (data.length > 0) yield data.join('\n');
}
