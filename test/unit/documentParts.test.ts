/** The pure document parts: sniffing by bytes, PDF page counts (checked against the test server's own reader), page ranges, schemas. */
import { toMistralMessages } from '../../nodes/MistralChatModel/conversation';
import { DOCUMENT_SCHEMAS, readSchema } from '../../nodes/shared/documents/annotations';
import { base64Length, checkDocumentLimits, decodeBase64Into, ocrRequestBody, urlDocument } from '../../nodes/shared/documents/ocrRequest';
import { describePages, parsePageSelection } from '../../nodes/shared/documents/pages';
import { documentTypeOf, pdfPageCount, sniffDocument } from '../../nodes/shared/documents/sniff';
import { multipartBody, uploadBuffer } from '../../nodes/shared/transport/multipart';
import { makeDocx, makePdf, makePng, makeStoredZip, samplePages } from '../fixtures/documents';
import { readDocument } from '../server/documentReaders';

describe('document sniffing', () => {
	it('tells documents by their bytes, not their names', () => {
		expect(sniffDocument(makePdf(samplePages('a', 2)))?.kind).toBe('pdf');
		expect(sniffDocument(makePng('x'))?.kind).toBe('png');
		expect(sniffDocument(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]))?.kind).toBe('jpeg');
		expect(sniffDocument(Buffer.from('\0\0\0\x1cftypavif\0\0\0\0', 'latin1'))?.kind).toBe('avif');
		expect(sniffDocument(makeDocx([['hello']]))?.kind).toBe('docx');
		const pptx = makeStoredZip([
			{ name: '[Content_Types].xml', data: Buffer.from('<Types/>') },
			{ name: 'ppt/presentation.xml', data: Buffer.from('<p:presentation/>') },
		]);
		expect(sniffDocument(pptx)?.kind).toBe('pptx');
		// A zip that is neither, text, and a truncated header are not documents.
		expect(sniffDocument(makeStoredZip([{ name: 'readme.txt', data: Buffer.from('hi') }]))).toBeUndefined();
		expect(sniffDocument(Buffer.from('Hello, this is plain text'))).toBeUndefined();
		expect(sniffDocument(Buffer.from('%P'))).toBeUndefined();
	});

	it('counts PDF pages as the test server reads them (1 to 1,001 pages)', () => {
		for (const pages of [1, 2, 7, 30, 1001]) {
			const pdf = makePdf(samplePages('n', pages));
			expect(pdfPageCount(pdf)).toBe(pages);
			expect(readDocument(pdf).pages).toHaveLength(pages);
		}
		expect(pdfPageCount(Buffer.from('%PDF-1.7 compressed object streams only'))).toBeUndefined();
	});
});

describe('page selections', () => {
	it('read ranges as users type them', () => {
		expect(parsePageSelection('0-3,7')).toEqual([0, 1, 2, 3, 7]);
		expect(parsePageSelection(' 2–4; 9 , 3 ')).toEqual([2, 3, 4, 9]);
		expect(parsePageSelection('[1, 5]')).toEqual([1, 5]);
		expect(parsePageSelection([4, 2, 2])).toEqual([2, 4]);
		expect(parsePageSelection('')).toBeUndefined();
		expect(parsePageSelection(null)).toBeUndefined();
		expect(describePages([0, 1, 2, 3, 7, 9, 10])).toBe('0-3,7,9-10');
	});

	it('name what is wrong', () => {
		expect(() => parsePageSelection('5-2')).toThrow('ends before it starts. Write it as "2-5"');
		expect(() => parsePageSelection('one')).toThrow('"one" is not a page number or range');
		expect(() => parsePageSelection('-1')).toThrow('is not a page number');
		expect(() => parsePageSelection({})).toThrow('"Pages" must be text');
	});

	it('beyond the document are refused with the page count', () => {
		expect(() => checkDocumentLimits(1000, documentTypeOf('pdf'), 3, [1, 3, 4])).toThrow('asks for pages 3-4, but the PDF has 3 pages (numbered 0 to 2)');
		expect(() => checkDocumentLimits(1000, documentTypeOf('pdf'), 3, [0, 2])).not.toThrow();
	});
});

describe('annotation schemas and request bodies', () => {
	it('accept the ready schemas and Mistral\'s own {name, schema} form; refuse what is not an object schema', () => {
		for (const template of Object.values(DOCUMENT_SCHEMAS)) expect(readSchema(JSON.stringify(template.schema), 'S')).toEqual(template.schema);
		expect(readSchema({ name: 'x', schema: { type: 'object', properties: {} } }, 'S')).toEqual({ type: 'object', properties: {} });
		expect(() => readSchema('{"type": "string"}', 'S')).toThrow('needs "type": "object"');
		expect(() => readSchema('{oops}', 'S')).toThrow('"S" is not valid JSON');
		expect(() => readSchema('', 'S')).toThrow('"S" is empty');
		expect(() => readSchema({ type: 'object', required: 'a' }, 'S')).toThrow('"required" that is not a list');
	});

	it('send only spec fields, images and blocks switched explicitly', () => {
		const body = ocrRequestBody(' mistral-ocr-latest ', urlDocument('https://example.com/files/scan.pdf'), { pages: [0, 2], tableFormat: 'none', confidence: 'none' });
		expect(body).toEqual({
			model: 'mistral-ocr-latest',
			document: { type: 'document_url', document_url: 'https://example.com/files/scan.pdf', document_name: 'scan.pdf' },
			pages: [0, 2],
			include_image_base64: false,
			include_blocks: false,
		});
		expect(urlDocument('https://example.com/p.JPG')).toEqual({ type: 'image_url', image_url: 'https://example.com/p.JPG' });
		expect(() => urlDocument('ftp://x/y.pdf')).toThrow('not an http(s) URL');
	});
});

describe('Mistral Chat Model', () => {
	it('passes a PDF the agent hands over as a document_url, an image as image_url', () => {
		const messages = toMistralMessages([
			{
				role: 'user',
				content: [
					{ type: 'text', text: 'Summarise' },
					{ type: 'file', mediaType: 'application/pdf', data: 'JVBERi0xLjQ=' },
					{ type: 'file', mediaType: 'image/png', data: 'iVBORw0KGgo=' },
				],
			},
		] as never);
		expect(messages[0].content).toEqual([
			{ type: 'text', text: 'Summarise' },
			{ type: 'document_url', document_url: 'data:application/pdf;base64,JVBERi0xLjQ=' },
			{ type: 'image_url', image_url: 'data:image/png;base64,iVBORw0KGgo=' },
		]);
	});
});

describe('upload buffers (large uploads)', () => {
	it('give the same body as multipartBody, built around the file in place (no copy)', () => {
		const data = makePdf(samplePages('m', 2));
		const buffer = uploadBuffer(data.length);
		data.copy(buffer.file);
		const body = buffer.finish([{ name: 'purpose', value: 'ocr' }], { name: 'file', filename: 'm.pdf', contentType: 'application/pdf' });
		const boundary = /boundary=(.+)$/.exec(body.contentType)![1];
		const expected = multipartBody(
			[
				{ name: 'purpose', value: 'ocr' },
				{ name: 'file', filename: 'm.pdf', contentType: 'application/pdf', data },
			],
			boundary,
		);
		expect(body.body.equals(expected.body)).toBe(true);
		expect(body.body.buffer).toBe(buffer.file.buffer);
	});
});

describe('base64 decoding in slices', () => {
	it('gives the same bytes as Buffer.from, across slice boundaries and with padding', () => {
		for (const size of [1, 2, 3, 4 * 1024 * 1024 + 5, 9 * 1024 * 1024 + 1]) {
			const bytes = Buffer.alloc(size);
			for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >>> 7)) & 0xff;
			const text = bytes.toString('base64');
			expect(base64Length(text)).toBe(size);
			const target = Buffer.alloc(size);
			expect(decodeBase64Into(text, target)).toBe(size);
			expect(target.equals(bytes)).toBe(true);
		}
		expect(base64Length('abc')).toBeUndefined();
	});
});
