/**
 * The test server's own readers of documents, written apart from the node's code so they can catch
 * it out: a PDF's pages and their text (page tree Kids → content streams → `(…) Tj` strings), a DOCX's
 * text by page (zip entries, stored or deflated → <w:t> runs split at page breaks), a PNG's size
 * and its tEXt comment. Enough for the documents the tests write, and honest about what they are not.
 */
import { inflateRawSync, inflateSync } from 'node:zlib';

export interface ReadDocument {
	kind: 'pdf' | 'docx' | 'pptx' | 'png' | 'jpeg' | 'image';
	/** Text lines of each page. */
	pages: string[][];
}

export class UnreadableDocument extends Error {}

function objectBody(text: string, id: number): string | undefined {
	const match = new RegExp(`(?:^|\\s)${id}\\s+0\\s+obj\\b`).exec(text);
	if (!match) return undefined;
	const start = match.index + match[0].length;
	const end = text.indexOf('endobj', start);
	return end === -1 ? undefined : text.slice(start, end);
}

function pdfString(raw: string): string {
	return raw.replace(/\\([\\()nrt])/g, (_, char: string) => ({ n: '\n', r: '\r', t: '\t' })[char as 'n'] ?? char);
}

function readPdf(bytes: Buffer): string[][] {
	const text = bytes.toString('latin1');
	const root = /\/Root\s+(\d+)\s+0\s+R/.exec(text);
	if (!root) throw new UnreadableDocument('the PDF has no /Root');
	const catalog = objectBody(text, Number(root[1]));
	const pagesRef = catalog && /\/Pages\s+(\d+)\s+0\s+R/.exec(catalog);
	const tree = pagesRef ? objectBody(text, Number(pagesRef[1])) : undefined;
	const kids = tree && /\/Kids\s*\[([^\]]*)\]/.exec(tree);
	if (!kids) throw new UnreadableDocument('the PDF has no page tree');
	const pageIds = [...kids[1].matchAll(/(\d+)\s+0\s+R/g)].map((match) => Number(match[1]));
	return pageIds.map((id) => {
		const page = objectBody(text, id) ?? '';
		if (!/\/Type\s*\/Page\b/.test(page)) throw new UnreadableDocument(`object ${id} in /Kids is not a page`);
		const contents = /\/Contents\s+(\d+)\s+0\s+R/.exec(page);
		const stream = contents ? objectBody(text, Number(contents[1])) ?? '' : '';
		const data = /stream\r?\n([\s\S]*?)\r?\nendstream/.exec(stream)?.[1] ?? '';
		return [...data.matchAll(/\(((?:\\.|[^\\)])*)\)\s*Tj/g)].map((match) => pdfString(match[1]));
	});
}

function zipEntries(bytes: Buffer): Map<string, Buffer> {
	const entries = new Map<string, Buffer>();
	let at = 0;
	while (at + 30 <= bytes.length && bytes.readUInt32LE(at) === 0x04034b50) {
		const method = bytes.readUInt16LE(at + 8);
		const size = bytes.readUInt32LE(at + 18);
		const nameLength = bytes.readUInt16LE(at + 26);
		const extraLength = bytes.readUInt16LE(at + 28);
		const name = bytes.toString('utf8', at + 30, at + 30 + nameLength);
		const start = at + 30 + nameLength + extraLength;
		const data = bytes.subarray(start, start + size);
		entries.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
		at = start + size;
	}
	return entries;
}

const unxml = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');

function readOffice(bytes: Buffer): ReadDocument {
	const entries = zipEntries(bytes);
	if (!entries.has('[Content_Types].xml')) throw new UnreadableDocument('the zip has no [Content_Types].xml');
	const word = entries.get('word/document.xml');
	if (word) {
		const pages = word
			.toString('utf8')
			.split(/<w:br\s+w:type="page"\s*\/>/)
			.map((page) => [...page.matchAll(/<w:p\b[^>]*>([\s\S]*?)<\/w:p>/g)].map((paragraph) => [...paragraph[1].matchAll(/<w:t\b[^>]*>([^<]*)<\/w:t>/g)].map((run) => unxml(run[1])).join('')).filter((line) => line !== ''));
		return { kind: 'docx', pages };
	}
	const slides = [...entries.keys()].filter((name) => /^ppt\/slides\/slide\d+\.xml$/.test(name)).sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0]));
	if (entries.has('ppt/presentation.xml')) {
		return { kind: 'pptx', pages: slides.map((name) => [...entries.get(name)!.toString('utf8').matchAll(/<a:t>([^<]*)<\/a:t>/g)].map((run) => unxml(run[1]))) };
	}
	throw new UnreadableDocument('the zip is neither a DOCX nor a PPTX');
}

function readPng(bytes: Buffer): ReadDocument {
	let at = 8;
	let comment = '';
	let size = '';
	while (at + 8 <= bytes.length) {
		const length = bytes.readUInt32BE(at);
		const type = bytes.toString('latin1', at + 4, at + 8);
		const data = bytes.subarray(at + 8, at + 8 + length);
		if (type === 'IHDR') size = `${data.readUInt32BE(0)}x${data.readUInt32BE(4)}`;
		if (type === 'tEXt') comment = data.toString('latin1').split('\0')[1] ?? '';
		if (type === 'zTXt') comment = inflateSync(data.subarray(data.indexOf(0) + 2)).toString('latin1');
		at += 12 + length;
	}
	return { kind: 'png', pages: [[comment || `PNG image ${size}`]] };
}

export function readDocument(bytes: Buffer): ReadDocument {
	if (bytes.length === 0) throw new UnreadableDocument('the document is empty');
	if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') return { kind: 'pdf', pages: readPdf(bytes) };
	if (bytes[0] === 0x89 && bytes.subarray(1, 4).toString('latin1') === 'PNG') return readPng(bytes);
	if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return { kind: 'jpeg', pages: [[`JPEG image of ${bytes.length} bytes`]] };
	if (bytes.subarray(4, 8).toString('latin1') === 'ftyp' || bytes.subarray(0, 4).toString('latin1') === 'RIFF' || bytes.subarray(0, 4).toString('latin1') === 'GIF8') {
		return { kind: 'image', pages: [[`Image of ${bytes.length} bytes`]] };
	}
	if (bytes.readUInt32LE(0) === 0x04034b50) return readOffice(bytes);
	throw new UnreadableDocument('the file is not a PDF, an office document or an image');
}
