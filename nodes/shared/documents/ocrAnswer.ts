/**
 * Reads Mistral's OCRResponse into what the node outputs: one record per document (markdown of all
 * pages, the pages, the parsed annotation, usage) or one per page. Embedded images come apart from
 * the fields (their base64 becomes n8n binary data). Pure.
 */
import { parseAnnotation } from './annotations';
import { AnswerError } from '../errors';

function isJson(text: string): boolean {
	try {
		JSON.parse(text);
		return true;
	} catch {
		return false;
	}
}

export interface ExtractedImage {
	/** Mistral's image id, e.g. "img-0.jpeg": the binary property's name. */
	id: string;
	pageIndex: number;
	mimeType: string;
	base64: string;
}

export interface PageRecord {
	index: number;
	markdown: string;
	images: Array<Record<string, unknown>>;
	tables: unknown[];
	hyperlinks?: unknown[];
	header?: string | null;
	footer?: string | null;
	dimensions?: unknown;
	blocks?: unknown;
	confidence_scores?: unknown;
}

export interface OcrResult {
	model: string;
	markdown: string;
	pages: PageRecord[];
	annotation?: unknown;
	usage: { pages_processed: number; doc_size_bytes?: number | null };
	images: ExtractedImage[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function imageMimeType(id: string, base64: string): { mimeType: string; data: string } {
	const dataUrl = /^data:([\w.+-]+\/[\w.+-]+);base64,/.exec(base64);
	if (dataUrl) return { mimeType: dataUrl[1], data: base64.slice(dataUrl[0].length) };
	const extension = /\.(\w+)$/.exec(id)?.[1]?.toLowerCase();
	const mimeType = extension === 'png' ? 'image/png' : extension === 'webp' ? 'image/webp' : extension === 'gif' ? 'image/gif' : 'image/jpeg';
	return { mimeType, data: base64 };
}

/** Pages joined for "markdown of all pages": blank lines between them. */
export const PAGE_SEPARATOR = '\n\n';

export function readOcrAnswer(raw: unknown): OcrResult {
	if (!isObject(raw) || !Array.isArray(raw.pages)) throw new AnswerError('Mistral answered without "pages": not an OCR answer. Check the Base URL and the model');
	const images: ExtractedImage[] = [];
	const pages: PageRecord[] = raw.pages.map((page, position) => {
		if (!isObject(page) || typeof page.markdown !== 'string') throw new AnswerError(`Page ${position} of Mistral's answer has no markdown`);
		const index = typeof page.index === 'number' ? page.index : position;
		const pageImages = (Array.isArray(page.images) ? page.images : []).filter(isObject).map((image) => {
			const { image_base64: base64, image_annotation: annotation, ...fields } = image;
			const record: Record<string, unknown> = { ...fields };
			if (annotation !== undefined && annotation !== null) {
				// An image annotation that is not JSON is kept as Mistral's text.
				record.annotation = typeof annotation === 'string' && !isJson(annotation) ? annotation : parseAnnotation(annotation);
			}
			if (typeof base64 === 'string' && base64 !== '' && typeof image.id === 'string') {
				const { mimeType, data } = imageMimeType(image.id, base64);
				images.push({ id: image.id, pageIndex: index, mimeType, base64: data });
			}
			return record;
		});
		const record: PageRecord = { index, markdown: page.markdown, images: pageImages, tables: Array.isArray(page.tables) ? page.tables : [] };
		for (const key of ['hyperlinks', 'header', 'footer', 'dimensions', 'blocks', 'confidence_scores'] as const) {
			if (page[key] !== undefined && page[key] !== null) (record as unknown as Record<string, unknown>)[key] = page[key];
		}
		return record;
	});
	if (typeof raw.document_annotation === 'string' && !isJson(raw.document_annotation)) {
		throw new AnswerError(`Mistral answered a document annotation that is not valid JSON: ${raw.document_annotation.slice(0, 200)}`);
	}
	const annotation = parseAnnotation(raw.document_annotation);
	const usage = isObject(raw.usage_info) ? raw.usage_info : {};
	return {
		model: typeof raw.model === 'string' ? raw.model : '',
		markdown: pages.map((page) => page.markdown).join(PAGE_SEPARATOR),
		pages,
		annotation,
		usage: {
			pages_processed: typeof usage.pages_processed === 'number' ? usage.pages_processed : pages.length,
			...(usage.doc_size_bytes !== undefined ? { doc_size_bytes: usage.doc_size_bytes as number | null } : {}),
		},
		images,
	};
}

/** A name n8n can use for a binary property, from Mistral's image id. */
export function binaryNameFor(id: string, taken: ReadonlySet<string>): string {
	const base = id.replace(/[^\w.-]/g, '_') || 'image';
	let name = base;
	for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
	return name;
}
