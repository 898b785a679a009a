/**
 * `POST /v1/ocr` of the local Mistral-compatible server, per Mistral's spec (OCRRequest, OCRResponse,
 * OCRPageObject, OCRImageObject, OCRTableObject, blocks, confidence scores) and its documented
 * limits (50 MB and 1,000 pages per document).
 *
 * The document is really read (documentReaders.ts): a PDF's pages and text, a DOCX's text by page, a
 * PNG's comment. Each page's markdown is its text lines, so it names its document and page as the
 * tests wrote them; lines with " | " are a table (inline, or in `tables` with a placeholder when
 * `table_format` is set); "[figure WxH]" lines are pictures (`images`, with base64 on request,
 * `image_limit` and `image_min_size` honoured). Annotations fill the given JSON schema from
 * "key: value" lines of the document (strings, numbers; arrays empty), so a test can tell one
 * document's annotation from another's. Documents come inline (base64 data URLs), from the Files
 * API (`file` chunks, or this server's signed URLs) or from any http(s) URL, fetched.
 */
import { createHash } from 'node:crypto';

import { readDocument, UnreadableDocument } from './documentReaders';
import { type DetailEntry, type Schema, validateBody } from './validation';

export const MAX_OCR_BYTES = 50 * 1024 * 1024;
export const MAX_OCR_PAGES = 1000;

export interface OcrAnswer {
	status: number;
	json: unknown;
}

export interface OcrDeps {
	/** The model card, or undefined when the server does not know the model. */
	findModel: (id: string) => { id: string; capabilities?: Record<string, unknown> } | undefined;
	unknownModel: (id: string) => OcrAnswer;
	/** A stored file's bytes and purpose (Files API). */
	storedFile: (id: string) => { data: Buffer; purpose: string; filename: string } | undefined;
	/** The bytes behind one of this server's signed URLs; undefined for any other URL. */
	signedFile: (url: string) => Buffer | undefined;
}

const str: Schema = { k: 'str' };
const nul = (of: Schema): Schema => ({ k: 'nullable', of });
const bool: Schema = { k: 'bool' };
const int: Schema = { k: 'int' };
const lit = (value: string): Schema => ({ k: 'choice', values: [value], err: 'literal_error' });
const JsonSchema: Schema = { k: 'obj', title: 'JsonSchema', props: { name: str, description: nul(str), schema: { k: 'dict' }, strict: bool }, required: ['name', 'schema'] };
const ResponseFormat: Schema = {
	k: 'obj',
	title: 'ResponseFormat',
	props: { type: { k: 'choice', values: ['text', 'json_object', 'json_schema'], err: 'enum' }, json_schema: nul(JsonSchema) },
	required: [],
};
export const OCRRequest: Schema = {
	k: 'obj',
	title: 'OCRRequest',
	props: {
		model: nul(str),
		document: {
			k: 'tagged',
			title: 'Document',
			tag: 'type',
			map: {
				file: { k: 'obj', title: 'FileChunk', props: { type: lit('file'), file_id: { k: 'uuid' } }, required: ['file_id'] },
				document_url: { k: 'obj', title: 'DocumentURLChunk', props: { type: lit('document_url'), document_url: str, document_name: nul(str) }, required: ['document_url'] },
				image_url: {
					k: 'obj',
					title: 'ImageURLChunk',
					props: {
						type: lit('image_url'),
						image_url: { k: 'anyOf', of: [{ k: 'obj', title: 'ImageURL', props: { url: str, detail: nul({ k: 'choice', values: ['low', 'auto', 'high'], err: 'enum' }) }, required: ['url'] }, str] },
					},
					required: ['image_url'],
				},
			},
		},
		pages: nul({ k: 'anyOf', of: [str, { k: 'list', of: int }] }),
		include_image_base64: nul(bool),
		image_limit: nul(int),
		image_min_size: nul(int),
		bbox_annotation_format: nul(ResponseFormat),
		document_annotation_format: nul(ResponseFormat),
		document_annotation_prompt: nul(str),
		table_format: nul({ k: 'choice', values: ['markdown', 'html'], err: 'enum' }),
		extract_header: bool,
		extract_footer: bool,
		include_blocks: bool,
		confidence_scores_granularity: nul({ k: 'choice', values: ['word', 'page', 'block'], err: 'enum' }),
	},
	required: ['document', 'model'],
};

const isObject = (value: unknown): value is Record<string, any> => typeof value === 'object' && value !== null && !Array.isArray(value);
const error = (status: number, message: string, code: string | null = null): OcrAnswer => ({
	status,
	json: { object: 'error', message, type: 'invalid_request_error', param: null, code },
});
const unprocessable = (detail: DetailEntry[]): OcrAnswer => ({ status: 422, json: { object: 'error', message: { detail }, type: 'invalid_request_error', param: null, code: null } });

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** The document's bytes, or an error answer. */
async function documentBytes(document: Record<string, any>, deps: OcrDeps): Promise<{ bytes: Buffer; name: string } | OcrAnswer> {
	if (document.type === 'file') {
		const file = deps.storedFile(document.file_id);
		if (!file) return error(404, `File ${document.file_id} not found`);
		if (file.purpose !== 'ocr') return error(400, `File ${document.file_id} was uploaded with purpose "${file.purpose}"; OCR reads files uploaded with purpose "ocr"`);
		return { bytes: file.data, name: file.filename };
	}
	const url: string = document.type === 'document_url' ? document.document_url : typeof document.image_url === 'string' ? document.image_url : document.image_url.url;
	const name: string = document.document_name ?? url.slice(0, 60);
	if (url.startsWith('data:')) {
		const match = /^data:([\w.+-]+\/[\w.+-]+);base64,/.exec(url);
		if (!match) return error(400, 'Invalid document data URL: expected data:<mime type>;base64,<data>', '3310');
		if (document.type === 'image_url' && !match[1].startsWith('image/')) return error(400, `An image_url must hold an image, not ${match[1]}`, '3310');
		const payload = url.slice(match[0].length);
		if (payload.length % 4 !== 0 || !BASE64_RE.test(payload)) return error(400, 'Invalid base64 in the document data URL', '3310');
		return { bytes: Buffer.from(payload, 'base64'), name: document.document_name ?? 'inline document' };
	}
	const signed = deps.signedFile(url);
	if (signed) return { bytes: signed, name };
	if (!/^https?:\/\//i.test(url)) return error(400, 'The document URL must be an http(s) URL or a data URL', '3310');
	try {
		const response = await fetch(url, { signal: AbortSignal.timeout(20_000) });
		if (!response.ok) return error(400, `Failed to download the document from ${url}: HTTP ${response.status}`, '3310');
		return { bytes: Buffer.from(await response.arrayBuffer()), name };
	} catch (cause) {
		return error(400, `Failed to download the document from ${url}: ${(cause as Error).message}`, '3310');
	}
}

function parsePages(pages: unknown, count: number): number[] | OcrAnswer {
	if (pages === undefined || pages === null) return Array.from({ length: count }, (_, index) => index);
	let list: number[];
	if (Array.isArray(pages)) list = pages as number[];
	else {
		list = [];
		for (const part of String(pages).split(',')) {
			const range = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
			if (!range) return error(400, `Invalid pages "${String(pages)}": use comma-separated page numbers and ranges such as "0,2-4"`);
			const first = Number(range[1]);
			const last = range[2] === undefined ? first : Number(range[2]);
			for (let page = first; page <= last; page++) list.push(page);
		}
	}
	const beyond = list.filter((page) => page < 0 || page >= count);
	if (beyond.length > 0) return error(400, `Pages ${beyond.join(', ')} out of range: the document has ${count} page(s), numbered from 0`);
	return [...new Set(list)].sort((a, b) => a - b);
}

/** Fills a JSON schema from "key: value" lines of `text` (first match); what is not found stays empty. */
function fillSchema(schema: unknown, text: string, key = ''): unknown {
	if (!isObject(schema)) return null;
	const type = Array.isArray(schema.type) ? schema.type.find((entry: unknown) => entry !== 'null') : schema.type;
	if (type === 'object' || isObject(schema.properties)) {
		const out: Record<string, unknown> = {};
		for (const [name, property] of Object.entries(isObject(schema.properties) ? schema.properties : {})) out[name] = fillSchema(property, text, name);
		return out;
	}
	if (type === 'array') return [];
	const found = key ? new RegExp(`^${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*:\\s*(.+)$`, 'im').exec(text)?.[1]?.trim() : undefined;
	if (type === 'number' || type === 'integer') {
		const number = found === undefined ? NaN : Number(found.replace(/[^\d.-]/g, ''));
		return Number.isFinite(number) ? (type === 'integer' ? Math.round(number) : number) : 0;
	}
	if (type === 'boolean') return found ? /^(true|yes)$/i.test(found) : false;
	return found ?? '';
}

function checkAnnotationFormat(format: unknown, field: string): OcrAnswer | undefined {
	if (!isObject(format)) return undefined;
	if (format.type !== 'json_schema') return error(400, `${field}: only json_schema is valid for this field`);
	if (!isObject(format.json_schema)) return unprocessable([{ type: 'missing', loc: ['body', field, 'json_schema'], msg: 'Field required', input: format }]);
	const schema = format.json_schema.schema;
	if (!isObject(schema) || (schema.type !== 'object' && !isObject(schema.properties))) return error(400, `${field}: the JSON schema must describe an object`);
	return undefined;
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function tableText(rows: string[][], format: 'markdown' | 'html'): string {
	if (format === 'html') {
		return `<table>${rows.map((cells, index) => `<tr>${cells.map((cell) => (index === 0 ? `<th>${escapeHtml(cell)}</th>` : `<td>${escapeHtml(cell)}</td>`)).join('')}</tr>`).join('')}</table>`;
	}
	const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
	return [line(rows[0]), line(rows[0].map(() => '---')), ...rows.slice(1).map(line)].join('\n');
}

/** A small JPEG-marked picture naming its document and figure. */
const figureBytes = (digest: string, id: string) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(`figure ${id} of ${digest}`)]);

export async function handleOcr(body: unknown, deps: OcrDeps): Promise<OcrAnswer> {
	const errors = validateBody(body, OCRRequest);
	if (errors.length > 0) return unprocessable(errors);
	const request = body as Record<string, any>;
	if (typeof request.model !== 'string') return error(400, 'A model is required');
	const card = deps.findModel(request.model);
	if (!card) return deps.unknownModel(request.model);
	if (card.capabilities && card.capabilities.ocr !== true) return error(400, `Invalid model: ${request.model} does not support OCR`, '1500');
	for (const field of ['document_annotation_format', 'bbox_annotation_format']) {
		const problem = checkAnnotationFormat(request[field], field);
		if (problem) return problem;
	}
	if (request.document_annotation_prompt && !isObject(request.document_annotation_format)) {
		return error(400, 'document_annotation_prompt requires a document_annotation_format');
	}
	const source = await documentBytes(request.document, deps);
	if ('status' in source) return source;
	const { bytes } = source;
	if (bytes.length > MAX_OCR_BYTES) return error(400, `Document too large: ${bytes.length} bytes, the maximum is 50 MB`, '3310');
	let read;
	try {
		read = readDocument(bytes);
	} catch (cause) {
		if (cause instanceof UnreadableDocument) return error(400, `Unsupported or invalid document: ${cause.message}`, '3310');
		throw cause;
	}
	if (read.pages.length > MAX_OCR_PAGES) return error(400, `Document has ${read.pages.length} pages, the maximum is ${MAX_OCR_PAGES}`, '3310');
	const selected = parsePages(request.pages, read.pages.length);
	if (!Array.isArray(selected)) return selected;

	const digest = createHash('sha1').update(bytes).digest('hex').slice(0, 12);
	const tableFormat: 'markdown' | 'html' | null = request.table_format ?? null;
	const withBase64 = request.include_image_base64 === true;
	const imageLimit: number | null = request.image_limit ?? null;
	const minSize: number | null = request.image_min_size ?? null;
	const granularity: string | null = request.confidence_scores_granularity ?? null;
	const includeBlocks = request.include_blocks !== false;
	const bbox = isObject(request.bbox_annotation_format) ? request.bbox_annotation_format.json_schema.schema : undefined;
	let imagesSoFar = 0;
	let tablesSoFar = 0;

	const pages = selected.map((index) => {
		let lines = [...read.pages[index]];
		let header: string | null = null;
		let footer: string | null = null;
		if (request.extract_header === true && lines.length > 1) header = lines.shift()!;
		if (request.extract_footer === true && lines.length > 1) footer = lines.pop()!;
		const pieces: string[] = [];
		const tables: unknown[] = [];
		const images: unknown[] = [];
		for (let at = 0; at < lines.length; at++) {
			const figure = /^\[figure (\d+)x(\d+)\]$/.exec(lines[at]);
			if (figure) {
				const [width, height] = [Number(figure[1]), Number(figure[2])];
				if ((minSize !== null && Math.min(width, height) < minSize) || (imageLimit !== null && imagesSoFar >= imageLimit)) continue;
				const id = `img-${imagesSoFar++}.jpeg`;
				const image: Record<string, unknown> = { id, top_left_x: 50, top_left_y: 100, bottom_right_x: 50 + width, bottom_right_y: 100 + height, image_base64: withBase64 ? `data:image/jpeg;base64,${figureBytes(digest, id).toString('base64')}` : null };
				if (bbox) image.image_annotation = JSON.stringify(fillSchema(bbox, `figure: ${id} of ${digest}`));
				images.push(image);
				pieces.push(`![${id}](${id})`);
				continue;
			}
			if (lines[at].includes(' | ')) {
				const rows: string[][] = [];
				while (at < lines.length && lines[at].includes(' | ')) rows.push(lines[at++].split(' | ').map((cell) => cell.trim()));
				at--;
				if (tableFormat) {
					const id = `tbl-${tablesSoFar++}.${tableFormat === 'html' ? 'html' : 'md'}`;
					tables.push({ id, content: tableText(rows, tableFormat), format: tableFormat });
					pieces.push(`[${id}](${id})`);
				} else pieces.push(tableText(rows, 'markdown'));
				continue;
			}
			pieces.push(lines[at]);
		}
		const markdown = pieces.join('\n\n');
		const page: Record<string, unknown> = { index, markdown, images, tables, hyperlinks: [], header, footer, dimensions: { dpi: 200, height: 2339, width: 1654 } };
		if (includeBlocks) {
			page.blocks = pieces.map((content, position) => {
				const block: Record<string, unknown> = { type: 'text', content, top_left_x: 56, top_left_y: 40 + position * 28, bottom_right_x: 1600, bottom_right_y: 64 + position * 28 };
				if (granularity === 'block') block.confidence_scores = { average_content_confidence_score: 0.97, minimum_content_confidence_score: 0.9, block_type_confidence_score: 0.99 };
				return block;
			});
		}
		if (granularity) {
			const scores: Record<string, unknown> = { average_page_confidence_score: 0.96, minimum_page_confidence_score: 0.81 };
			if (granularity === 'word') {
				scores.word_confidence_scores = [...markdown.matchAll(/\S+/g)].map((word) => ({ text: word[0], confidence: 0.95, start_index: word.index }));
			}
			page.confidence_scores = scores;
		}
		return page;
	});
	const response: Record<string, unknown> = {
		pages,
		model: card.id,
		document_annotation: isObject(request.document_annotation_format)
			? JSON.stringify(fillSchema(request.document_annotation_format.json_schema.schema, selected.map((index) => read.pages[index].join('\n')).join('\n')))
			: null,
		usage_info: { pages_processed: pages.length, doc_size_bytes: bytes.length },
	};
	return { status: 200, json: response };
}

/** A chat message's `document_url` or `file` chunk checked and read (first line), or a problem. */
export function chatDocumentText(chunk: Record<string, any>, deps: OcrDeps): { text: string } | { problem: string } {
	let bytes: Buffer | undefined;
	if (chunk.type === 'file') {
		const file = deps.storedFile(chunk.file_id);
		if (!file) return { problem: `File ${chunk.file_id} not found` };
		bytes = file.data;
	} else {
		const url: string = chunk.document_url;
		if (url.startsWith('data:')) {
			const match = /^data:([\w.+-]+\/[\w.+-]+);base64,/.exec(url);
			const payload = match ? url.slice(match[0].length) : '';
			if (!match || payload.length % 4 !== 0 || !BASE64_RE.test(payload)) return { problem: 'document_url must be an http(s) URL or a base64 data URL' };
			bytes = Buffer.from(payload, 'base64');
		} else {
			bytes = deps.signedFile(url);
			if (!bytes) {
				if (!/^https?:\/\//i.test(url)) return { problem: 'document_url must be an http(s) URL or a base64 data URL' };
				return { text: `document at ${url}` };
			}
		}
	}
	if (bytes.length > MAX_OCR_BYTES) return { problem: 'Document too large: the maximum is 50 MB' };
	try {
		const read = readDocument(bytes);
		return { text: read.pages[0]?.[0] ?? '' };
	} catch (cause) {
		if (cause instanceof UnreadableDocument) return { problem: `Unsupported or invalid document: ${cause.message}` };
		throw cause;
	}
}
