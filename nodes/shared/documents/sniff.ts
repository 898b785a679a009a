/**
 * What kind of document a file is, from its bytes (a file name or stated MIME type can lie), and how
 * many pages a PDF has, read from its page tree. Pure: no n8n import, no copy of the file.
 */

export type DocumentKind = 'pdf' | 'docx' | 'pptx' | 'png' | 'jpeg' | 'avif' | 'webp' | 'gif' | 'tiff' | 'bmp';

export interface DocumentType {
	kind: DocumentKind;
	mimeType: string;
	/** Whether Mistral takes it as an image (`image_url`) rather than a document (`document_url`). */
	image: boolean;
	/** What users call it, for messages. */
	label: string;
	extension: string;
}

const TYPES: Record<DocumentKind, DocumentType> = {
	pdf: { kind: 'pdf', mimeType: 'application/pdf', image: false, label: 'PDF', extension: 'pdf' },
	docx: {
		kind: 'docx',
		mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
		image: false,
		label: 'Word document (DOCX)',
		extension: 'docx',
	},
	pptx: {
		kind: 'pptx',
		mimeType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
		image: false,
		label: 'PowerPoint presentation (PPTX)',
		extension: 'pptx',
	},
	png: { kind: 'png', mimeType: 'image/png', image: true, label: 'PNG image', extension: 'png' },
	jpeg: { kind: 'jpeg', mimeType: 'image/jpeg', image: true, label: 'JPEG image', extension: 'jpg' },
	avif: { kind: 'avif', mimeType: 'image/avif', image: true, label: 'AVIF image', extension: 'avif' },
	webp: { kind: 'webp', mimeType: 'image/webp', image: true, label: 'WEBP image', extension: 'webp' },
	gif: { kind: 'gif', mimeType: 'image/gif', image: true, label: 'GIF image', extension: 'gif' },
	tiff: { kind: 'tiff', mimeType: 'image/tiff', image: true, label: 'TIFF image', extension: 'tiff' },
	bmp: { kind: 'bmp', mimeType: 'image/bmp', image: true, label: 'BMP image', extension: 'bmp' },
};

export const ACCEPTED_DOCUMENTS = 'PDF, DOCX, PPTX, PNG, JPEG, AVIF, WEBP, GIF, TIFF or BMP';

export function documentTypeOf(kind: DocumentKind): DocumentType {
	return TYPES[kind];
}

function startsWith(bytes: Uint8Array, signature: readonly number[], at = 0): boolean {
	return signature.every((byte, index) => bytes[at + index] === byte);
}

const ascii = (text: string) => [...text].map((char) => char.charCodeAt(0));

/** The document type of `bytes`, or undefined when it is none Mistral OCR reads. */
export function sniffDocument(bytes: Buffer): DocumentType | undefined {
	if (bytes.length < 4) return undefined;
	// A PDF may carry a few bytes of junk before its header; readers look in the first KB.
	const pdfAt = bytes.subarray(0, 1024).indexOf('%PDF-');
	if (pdfAt !== -1) return TYPES.pdf;
	if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return TYPES.png;
	if (startsWith(bytes, [0xff, 0xd8, 0xff])) return TYPES.jpeg;
	if (startsWith(bytes, ascii('GIF8'))) return TYPES.gif;
	if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return TYPES.webp;
	if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return TYPES.tiff;
	if (startsWith(bytes, ascii('BM')) && bytes.length > 26 && bytes.readUInt32LE(2) === bytes.length) return TYPES.bmp;
	if (startsWith(bytes, ascii('ftyp'), 4) && (startsWith(bytes, ascii('avif'), 8) || startsWith(bytes, ascii('avis'), 8))) return TYPES.avif;
	if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return officeKind(bytes);
	return undefined;
}

/** DOCX and PPTX are zip files whose [Content_Types].xml and main part say which they are. */
function officeKind(bytes: Buffer): DocumentType | undefined {
	const names = zipEntryNames(bytes);
	if (!names || !names.includes('[Content_Types].xml')) return undefined;
	if (names.includes('word/document.xml')) return TYPES.docx;
	if (names.includes('ppt/presentation.xml')) return TYPES.pptx;
	return undefined;
}

/** The names in a zip's central directory (undefined when it has none that can be read). */
export function zipEntryNames(bytes: Buffer): string[] | undefined {
	const EOCD = 0x06054b50;
	const CENTRAL = 0x02014b50;
	// The end record sits in the last 22 bytes plus a comment of up to 65,535 bytes.
	const floor = Math.max(0, bytes.length - 22 - 0xffff);
	let end = -1;
	for (let at = bytes.length - 22; at >= floor; at--) {
		if (bytes.readUInt32LE(at) === EOCD) {
			end = at;
			break;
		}
	}
	if (end === -1) return undefined;
	const count = bytes.readUInt16LE(end + 10);
	let at = bytes.readUInt32LE(end + 16);
	const names: string[] = [];
	for (let entry = 0; entry < count; entry++) {
		if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== CENTRAL) return undefined;
		const nameLength = bytes.readUInt16LE(at + 28);
		const extraLength = bytes.readUInt16LE(at + 30);
		const commentLength = bytes.readUInt16LE(at + 32);
		names.push(bytes.toString('utf8', at + 46, at + 46 + nameLength));
		at += 46 + nameLength + extraLength + commentLength;
	}
	return names;
}

/**
 * The page count a PDF's page tree states: the largest `/Count` of a `/Type /Pages` dictionary (the
 * root's). Undefined when the tree is not in plain sight (e.g. inside compressed object streams);
 * then Mistral alone judges the page count. Reads the buffer in place.
 */
export function pdfPageCount(bytes: Buffer): number | undefined {
	let best: number | undefined;
	let at = bytes.indexOf('/Count');
	while (at !== -1) {
		const start = bytes.lastIndexOf('<<', at);
		const close = bytes.indexOf('>>', at);
		// A page tree's /Kids list grows with the pages: up to a megabyte of dictionary is read.
		if (start !== -1 && close !== -1 && at - start < 1 << 20 && close - at < 1 << 20) {
			const dictionary = bytes.toString('latin1', start, close);
			const count = /\/Count\s+(\d+)/.exec(dictionary);
			if (count && /\/Type\s*\/Pages\b/.test(dictionary)) {
				const value = Number(count[1]);
				if (best === undefined || value > best) best = value;
			}
		}
		at = bytes.indexOf('/Count', at + 6);
	}
	return best;
}

/** The page count Mistral will see: a PDF's page tree, 1 for an image, unknown for office files. */
export function pageCountOf(bytes: Buffer, type: DocumentType): number | undefined {
	if (type.image) return 1;
	if (type.kind === 'pdf') return pdfPageCount(bytes);
	return undefined;
}
