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

export function isMultipartBody(body: unknown): body is MultipartBody {
	return typeof body === 'object' && body !== null && (body as { kind?: unknown }).kind === 'multipart' && Buffer.isBuffer((body as { body?: unknown }).body);
}
