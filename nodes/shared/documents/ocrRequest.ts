/**
 * The body of `POST /v1/ocr` (Mistral's OCRRequest) and the checks made before anything is sent:
 * Mistral's documented limits (50 MB, 1,000 pages per document), the pages asked for, the options. Pure.
 */
import { annotationFormat, type JsonObject } from './annotations';
import { describePages } from './pages';
import type { DocumentType } from './sniff';
import { InputError } from '../errors';

/** Mistral Document AI's documented limits per document. */
export const MAX_DOCUMENT_BYTES = 50 * 1024 * 1024;
export const MAX_DOCUMENT_PAGES = 1000;

/** The `document` of an OCR request, as the spec's FileChunk, DocumentURLChunk or ImageURLChunk. */
export type OcrDocument =
	| { type: 'file'; file_id: string }
	| { type: 'document_url'; document_url: string; document_name?: string }
	| { type: 'image_url'; image_url: string };

export interface OcrOptions {
	pages?: number[];
	tableFormat?: 'markdown' | 'html' | 'none';
	extractHeader?: boolean;
	extractFooter?: boolean;
	includeImages?: boolean;
	imageLimit?: number;
	imageMinSize?: number;
	includeBlocks?: boolean;
	confidence?: 'none' | 'page' | 'block' | 'word';
	documentAnnotation?: { name: string; schema: JsonObject; prompt?: string };
	bboxAnnotation?: { name: string; schema: JsonObject };
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Size and page checks for a file about to be sent; `pageCount` undefined when it cannot be read. */
export function checkDocumentLimits(bytes: number, type: DocumentType, pageCount: number | undefined, pages: number[] | undefined): void {
	if (bytes === 0) throw new InputError('The file is empty (0 bytes). Check the node before: it produced no content');
	if (bytes > MAX_DOCUMENT_BYTES) {
		throw new InputError(
			`The ${type.label} is ${megabytes(bytes)}; Mistral Document AI reads documents up to 50 MB. Split it into smaller files first (e.g. by page ranges)`,
		);
	}
	if (pageCount === undefined) return;
	if (pageCount > MAX_DOCUMENT_PAGES && (pages === undefined || pages.length > MAX_DOCUMENT_PAGES)) {
		throw new InputError(
			`The ${type.label} has ${pageCount.toLocaleString('en-US')} pages; Mistral Document AI reads at most 1,000 pages per document. Split it, or set "Pages" to at most 1,000 of them`,
		);
	}
	if (pages && pages.length > 0 && pages[pages.length - 1] >= pageCount) {
		const beyond = pages.filter((page) => page >= pageCount);
		throw new InputError(
			`"Pages" asks for page${beyond.length > 1 ? 's' : ''} ${describePages(beyond)}, but the ${type.label} has ${pageCount} page${pageCount === 1 ? '' : 's'} (numbered 0 to ${pageCount - 1}). Fix "Pages"`,
		);
	}
}

/** The byte length of clean base64 text (undefined when it is not plain base64). */
export function base64Length(text: unknown): number | undefined {
	if (typeof text !== 'string' || text.length === 0 || text.length % 4 !== 0) return undefined;
	// Only the ends are looked at; Buffer.write stops at the first character that is not base64, which the caller checks.
	const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
	return (text.length / 4) * 3 - padding;
}

/** Base64 characters decoded per step: Node copies a string that is not its own external one before decoding it. */
const DECODE_CHUNK = 4 * 1024 * 1024;

/** Decodes base64 text into `target` a slice at a time (no full-size temporary copy); returns the bytes written. */
export function decodeBase64Into(text: string, target: Buffer): number {
	let written = 0;
	// Slices at multiples of 4 characters decode to whole bytes; a text that is not clean base64 decodes to fewer bytes than expected, which the caller checks.
	for (let at = 0; at < text.length && written < target.length; at += DECODE_CHUNK) written += target.write(text.slice(at, at + DECODE_CHUNK), written, 'base64');
	return written;
}

/** An inline document: a base64 data URL in the chunk the file's type calls for. */
export function inlineDocument(bytes: Buffer, type: DocumentType, name?: string): OcrDocument {
	const url = `data:${type.mimeType};base64,${bytes.toString('base64')}`;
	if (type.image) return { type: 'image_url', image_url: url };
	return name ? { type: 'document_url', document_url: url, document_name: name } : { type: 'document_url', document_url: url };
}

const IMAGE_PATH = /\.(png|jpe?g|avif|webp|gif|tiff?|bmp)$/i;

/** A document given by URL: an image URL (by its data URL type or file extension) or a document URL. */
export function urlDocument(raw: unknown, field = 'Document URL'): OcrDocument {
	if (typeof raw !== 'string' || raw.trim() === '') throw new InputError(`"${field}" is empty. Enter the http(s) URL of a PDF, office document or image`);
	const url = raw.trim();
	if (/^data:/i.test(url)) {
		const match = /^data:([\w.+-]+\/[\w.+-]+);base64,/i.exec(url);
		if (!match) throw new InputError(`"${field}" is a data URL that is not base64 (data:<type>;base64,...)`);
		return match[1].toLowerCase().startsWith('image/') ? { type: 'image_url', image_url: url } : { type: 'document_url', document_url: url };
	}
	const parsed = URL.canParse(url) ? new URL(url) : undefined;
	if (!parsed) throw new InputError(`"${field}" "${url.slice(0, 100)}" is not a URL. Enter an http(s) URL, or choose "Binary File" as the source`);
	if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
		throw new InputError(`"${field}" "${url.slice(0, 100)}" is not an http(s) URL. Mistral fetches documents over http(s) only`);
	}
	if (IMAGE_PATH.test(parsed.pathname)) return { type: 'image_url', image_url: url };
	const name = decodeURIComponent(parsed.pathname.split('/').pop() ?? '');
	return name ? { type: 'document_url', document_url: url, document_name: name } : { type: 'document_url', document_url: url };
}

/** A number option typed as an expression arrives unchecked: whole and within bounds, or an error naming it. */
export function wholeNumber(value: unknown, field: string, min: number, max: number): number | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	const number = typeof value === 'string' ? Number(value) : value;
	if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
		throw new InputError(`"${field}" must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
	}
	return number;
}

export function ocrRequestBody(model: string, document: OcrDocument, options: OcrOptions): JsonObject {
	if (typeof model !== 'string' || model.trim() === '') throw new InputError('"Model" is empty. Choose an OCR model, e.g. mistral-ocr-latest');
	const body: JsonObject = { model: model.trim(), document };
	if (options.pages && options.pages.length > 0) body.pages = options.pages;
	if (options.tableFormat === 'markdown' || options.tableFormat === 'html') body.table_format = options.tableFormat;
	if (options.extractHeader) body.extract_header = true;
	if (options.extractFooter) body.extract_footer = true;
	body.include_image_base64 = options.includeImages === true;
	if (options.includeImages && options.imageLimit !== undefined) body.image_limit = options.imageLimit;
	if (options.includeImages && options.imageMinSize !== undefined) body.image_min_size = options.imageMinSize;
	// Mistral returns blocks unless told not to: they are sent only on request, to keep items small.
	body.include_blocks = options.includeBlocks === true;
	if (options.confidence && options.confidence !== 'none') body.confidence_scores_granularity = options.confidence;
	if (options.documentAnnotation) {
		body.document_annotation_format = annotationFormat(options.documentAnnotation.name, options.documentAnnotation.schema);
		const prompt = options.documentAnnotation.prompt?.trim();
		if (prompt) body.document_annotation_prompt = prompt;
	}
	if (options.bboxAnnotation) body.bbox_annotation_format = annotationFormat(options.bboxAnnotation.name, options.bboxAnnotation.schema);
	return body;
}
