/**
 * The test server's reader of multipart/form-data request bodies (RFC 7578), for the upload routes
 * (`/v1/files`, `/v1/audio/transcriptions`, …). Strict where a real server is: no boundary, no final
 * delimiter or a part without a name is a malformed body (`undefined`), never a guess.
 */
export interface MultipartField {
	name: string;
	filename?: string;
	contentType?: string;
	data: Buffer;
}

export function boundaryOf(contentType: string): string | undefined {
	if (!contentType.toLowerCase().startsWith('multipart/form-data')) return undefined;
	const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
	return match ? (match[1] ?? match[2]).trim() : undefined;
}

/** The fields of a multipart body, or undefined when the body is not one (wrong content type, broken framing). */
export function parseMultipart(buffer: Buffer, contentType: string): MultipartField[] | undefined {
	const boundary = boundaryOf(contentType);
	if (!boundary) return undefined;
	const delimiter = Buffer.from(`--${boundary}`);
	if (!buffer.includes(Buffer.from(`--${boundary}--`))) return undefined;
	const fields: MultipartField[] = [];
	let start = buffer.indexOf(delimiter);
	while (start !== -1) {
		const next = buffer.indexOf(delimiter, start + delimiter.length);
		if (next === -1) break;
		let part = buffer.subarray(start + delimiter.length, next);
		if (part.subarray(0, 2).toString() === '\r\n') part = part.subarray(2);
		if (part.subarray(part.length - 2).toString() === '\r\n') part = part.subarray(0, part.length - 2);
		const headerEnd = part.indexOf('\r\n\r\n');
		if (headerEnd === -1) return undefined;
		const headers = part.subarray(0, headerEnd).toString('utf8');
		const name = /name="([^"]*)"/i.exec(headers)?.[1];
		if (name === undefined) return undefined;
		const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
		const partType = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim();
		fields.push({ name, filename, contentType: partType, data: part.subarray(headerEnd + 4) });
		start = next;
	}
	return fields;
}
