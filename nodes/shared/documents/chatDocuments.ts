/**
 * Documents attached to a chat message (pure): a file's bytes checked by content and Mistral's
 * limits, then sent inline as a `document_url` data URL, or marked for upload when large; a URL
 * checked and sent as `document_url`. Mistral's chat models read PDFs this way ("document QnA").
 */
import { checkDocumentLimits } from './ocrRequest';
import { ACCEPTED_DOCUMENTS, pageCountOf, sniffDocument, type DocumentType } from './sniff';
import { InputError } from '../errors';

export type DocumentChunk = { type: 'document_url'; document_url: string; document_name?: string } | { type: 'file'; file_id: string };

/** The checked type of a document file for chat, or an error that names it and the fix. */
export function chatDocumentType(bytes: Buffer, label: string, statedMimeType?: string): DocumentType {
	if (bytes.length === 0) throw new InputError(`${label} is empty (0 bytes). Check the node before: it produced no file content`);
	const type = sniffDocument(bytes);
	if (!type) {
		throw new InputError(
			`${label} is not a document Mistral reads: its content is not a ${ACCEPTED_DOCUMENTS}${statedMimeType ? ` (it says "${statedMimeType}")` : ''}. Convert it first`,
		);
	}
	if (type.image) throw new InputError(`${label} is a ${type.label}: add it under "Images" instead of "Documents"`);
	checkDocumentLimits(bytes.length, type, pageCountOf(bytes, type), undefined);
	return type;
}

export function inlineDocumentChunk(bytes: Buffer, type: DocumentType, name?: string): DocumentChunk {
	const chunk: DocumentChunk = { type: 'document_url', document_url: `data:${type.mimeType};base64,${bytes.toString('base64')}` };
	if (name) chunk.document_name = name;
	return chunk;
}

export function urlDocumentChunk(raw: unknown, label: string): DocumentChunk {
	if (typeof raw !== 'string' || raw.trim() === '') throw new InputError(`${label} is empty. Enter the http(s) URL of a PDF`);
	const url = raw.trim();
	if (/^data:application\/[\w.+-]+;base64,/i.test(url)) return { type: 'document_url', document_url: url };
	const parsed = URL.canParse(url) ? new URL(url) : undefined;
	if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
		throw new InputError(`${label} "${url.slice(0, 100)}" is not an http(s) URL or a base64 data URL of a document`);
	}
	const name = decodeURIComponent(parsed.pathname.split('/').pop() ?? '');
	return name ? { type: 'document_url', document_url: url, document_name: name } : { type: 'document_url', document_url: url };
}
