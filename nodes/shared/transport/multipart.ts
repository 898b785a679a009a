/**
 * A multipart/form-data body (RFC 7578) built as one Buffer, for the endpoints that take a file upload
 * (`/v1/files`, `/v1/audio/transcriptions`). Pure: no n8n import; the client sends it with its content type.
 */
import { randomBytes } from 'node:crypto';

export type MultipartField =
	| { name: string; value: string }
	| { name: string; filename: string; contentType: string; data: Buffer };

export interface MultipartBody {
	kind: 'multipart';
	/** `multipart/form-data; boundary=…`, sent as the Content-Type header. */
	contentType: string;
	body: Buffer;
}

/** As browsers do (WHATWG form encoding): a quote or line break in a name or file name cannot end the header. */
function quoted(text: string): string {
	return `"${text.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22')}"`;
}

function partHeader(field: MultipartField): string {
	if ('data' in field) {
		const contentType = field.contentType.replace(/[\r\n]/g, '') || 'application/octet-stream';
		return `Content-Disposition: form-data; name=${quoted(field.name)}; filename=${quoted(field.filename)}\r\nContent-Type: ${contentType}\r\n\r\n`;
	}
	return `Content-Disposition: form-data; name=${quoted(field.name)}\r\n\r\n`;
}

function contains(fields: MultipartField[], boundary: string): boolean {
	const marker = Buffer.from(`--${boundary}`);
	return fields.some((field) => ('data' in field ? field.data.includes(marker) : field.value.includes(marker.toString())));
}

export function multipartBody(fields: MultipartField[], boundary?: string): MultipartBody {
	let chosen = boundary ?? `----n8nMistral${randomBytes(16).toString('hex')}`;
	// A random boundary that the content happens to hold is drawn again (a given one is the caller's risk).
	while (boundary === undefined && contains(fields, chosen)) chosen = `----n8nMistral${randomBytes(16).toString('hex')}`;
	const pieces: Buffer[] = [];
	for (const field of fields) {
		pieces.push(Buffer.from(`--${chosen}\r\n${partHeader(field)}`, 'utf8'));
		pieces.push('data' in field ? field.data : Buffer.from(field.value, 'utf8'));
		pieces.push(Buffer.from('\r\n'));
	}
	pieces.push(Buffer.from(`--${chosen}--\r\n`));
	return { kind: 'multipart', contentType: `multipart/form-data; boundary=${chosen}`, body: Buffer.concat(pieces) };
}

/** Room kept before the file for the fields and the file part's header, and after it for the closing boundary. */
const HEAD_ROOM = 4096;
const TAIL_ROOM = 128;

export interface UploadBuffer {
	/** Where the caller writes the file's bytes (e.g. decodes its base64 straight into), then reads them back. */
	file: Buffer;
	/** The multipart body around the file, built in the same memory: the file is never copied. */
	finish(fields: Array<{ name: string; value: string }>, file: { name: string; filename: string; contentType: string }): MultipartBody;
}

/**
 * One allocation for a large upload: the file goes in the middle, the fields and headers are written
 * before it and the closing boundary after it, so a 45 MB document costs 45 MB, not twice that.
 */
export function uploadBuffer(fileLength: number): UploadBuffer {
	const whole = Buffer.allocUnsafe(HEAD_ROOM + fileLength + TAIL_ROOM);
	const file = whole.subarray(HEAD_ROOM, HEAD_ROOM + fileLength);
	return {
		file,
		finish(fields, fileField) {
			let boundary = `----n8nMistral${randomBytes(16).toString('hex')}`;
			while (file.includes(`--${boundary}`)) boundary = `----n8nMistral${randomBytes(16).toString('hex')}`;
			const head = Buffer.from(
				[...fields.map((field) => `--${boundary}\r\n${partHeader(field)}${field.value}\r\n`), `--${boundary}\r\n${partHeader({ ...fileField, data: file })}`].join(''),
				'utf8',
			);
			const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
			if (head.length > HEAD_ROOM) {
				// Very long field values: joined the ordinary way.
				return multipartBody([...fields, { ...fileField, data: file }], boundary);
			}
			head.copy(whole, HEAD_ROOM - head.length);
			tail.copy(whole, HEAD_ROOM + file.length);
			return { kind: 'multipart', contentType: `multipart/form-data; boundary=${boundary}`, body: whole.subarray(HEAD_ROOM - head.length, HEAD_ROOM + file.length + tail.length) };
		},
	};
}

export function isMultipartBody(body: unknown): body is MultipartBody {
	return typeof body === 'object' && body !== null && (body as { kind?: unknown }).kind === 'multipart' && Buffer.isBuffer((body as { body?: unknown }).body);
}
