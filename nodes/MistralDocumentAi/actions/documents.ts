/**
 * n8n glue for one item's document: its settings read from the node's parameters, its file read
 * from the item (binary) or its URL, checked (type by content, size and page limits, pages asked
 * for), and sent inline or uploaded. The rules themselves live in nodes/shared/documents.
 */
import type { IBinaryData, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { DOCUMENT_SCHEMAS, readSchema } from '../../shared/documents/annotations';
import { binaryNameFor, type OcrResult } from '../../shared/documents/ocrAnswer';
import { base64Length, checkDocumentLimits, decodeBase64Into, MAX_DOCUMENT_BYTES, inlineDocument, type OcrDocument, type OcrOptions, ocrRequestBody, urlDocument, wholeNumber } from '../../shared/documents/ocrRequest';
import { parsePageSelection } from '../../shared/documents/pages';
import { ACCEPTED_DOCUMENTS, pageCountOf, sniffDocument } from '../../shared/documents/sniff';
import type { ExecutionFiles } from '../../shared/files/glue';
import { uploadName } from '../../shared/files/filesApi';
import { uploadBuffer } from '../../shared/transport/multipart';
import { DEFAULT_UPLOAD_ABOVE_MB, TEMPLATE_FIELDS } from '../description';
import { InputError, AnswerError } from '../../shared/errors';

export interface DocumentInfo extends IDataObject {
	source: 'binary' | 'url';
	fileName?: string;
	mimeType?: string;
	bytes?: number;
	url?: string;
	uploaded?: boolean;
}

export interface PreparedRequest {
	itemIndex: number;
	model: string;
	body: IDataObject;
	info: DocumentInfo;
	/** The file uploaded for this request, deleted once its answer is in. */
	fileId?: string;
}

/** Errors of the user's input become n8n errors that name the item. */
export function inputProblem(context: IExecuteFunctions, error: unknown, itemIndex: number): unknown {
	if (error instanceof InputError) {
		return new NodeOperationError(context.getNode(), error.message, { itemIndex });
	}
	return error;
}

function annotationOptions(context: IExecuteFunctions, itemIndex: number): Pick<OcrOptions, 'documentAnnotation'> {
	const choice = context.getNodeParameter('documentAnnotation', itemIndex, 'none') as string;
	if (!choice || choice === 'none') return {};
	const template = choice in DOCUMENT_SCHEMAS ? DOCUMENT_SCHEMAS[choice as keyof typeof DOCUMENT_SCHEMAS] : undefined;
	if (!template && choice !== 'custom') throw new InputError(`"Document Annotation" is "${choice}"; choose None, Invoice, Receipt, ID Document, Contract or Custom Schema`);
	const { name: field, displayName: label } = template ? TEMPLATE_FIELDS[choice as keyof typeof TEMPLATE_FIELDS] : { name: 'customSchema', displayName: 'Custom Schema (JSON)' };
	const raw = context.getNodeParameter(field, itemIndex, template ? template.schema : '') as unknown;
	const schema = readSchema(raw, label);
	const prompt = context.getNodeParameter('annotationPrompt', itemIndex, '') as unknown;
	if (prompt !== undefined && prompt !== null && typeof prompt !== 'string') throw new InputError('"Annotation Prompt" must be text');
	return { documentAnnotation: { name: template?.name ?? 'document', schema, prompt: (prompt as string | undefined) ?? undefined } };
}

export function readOcrOptions(context: IExecuteFunctions, itemIndex: number): OcrOptions {
	const options = (context.getNodeParameter('options', itemIndex, {}) as IDataObject) ?? {};
	const table = options.tableFormat ?? 'none';
	if (!['none', 'markdown', 'html'].includes(String(table))) throw new InputError(`"Table Format" is ${JSON.stringify(table)}; use none, markdown or html`);
	const confidence = options.confidence ?? 'none';
	if (!['none', 'page', 'block', 'word'].includes(String(confidence))) throw new InputError(`"Confidence Scores" is ${JSON.stringify(confidence)}; use none, page, block or word`);
	const includeImages = options.includeImages === true;
	const result: OcrOptions = {
		pages: parsePageSelection(context.getNodeParameter('pages', itemIndex, '')),
		tableFormat: table as OcrOptions['tableFormat'],
		extractHeader: options.extractHeader === true,
		extractFooter: options.extractFooter === true,
		includeImages,
		imageLimit: includeImages ? wholeNumber(options.imageLimit ?? 10, 'Image Limit', 0, 10_000) : undefined,
		imageMinSize: includeImages ? wholeNumber(options.imageMinSize || undefined, 'Image Minimum Size', 1, 100_000) : undefined,
		includeBlocks: options.includeBlocks === true || confidence === 'block',
		confidence: confidence as OcrOptions['confidence'],
		...annotationOptions(context, itemIndex),
	};
	if (options.bboxSchema !== undefined && options.bboxSchema !== '') {
		result.bboxAnnotation = { name: 'image', schema: readSchema(options.bboxSchema, 'Image Annotation Schema (JSON)') };
	}
	return result;
}

export function uploadThresholdBytes(context: IExecuteFunctions): number {
	const options = (context.getNodeParameter('options', 0, {}) as IDataObject) ?? {};
	const megabytes = options.uploadAboveMb === undefined ? DEFAULT_UPLOAD_ABOVE_MB : Number(options.uploadAboveMb);
	if (!Number.isFinite(megabytes) || megabytes < 0) throw new InputError(`"Upload Files Larger Than (MB)" must be a number from 0 to 50, got ${JSON.stringify(options.uploadAboveMb)}`);
	return megabytes * 1024 * 1024;
}

function binaryOf(context: IExecuteFunctions, itemIndex: number, property: string): IBinaryData {
	const binaries = context.getInputData()[itemIndex]?.binary ?? {};
	const binary = binaries[property];
	if (!binary) {
		const available = Object.keys(binaries);
		throw new InputError(
			`The input item has no binary property "${property}"${available.length ? `; it has ${available.map((name) => `"${name}"`).join(', ')}. Set "Input Binary Field" to one of them` : '. Add a node before that reads the file (e.g. Read/Write Files from Disk, HTTP Request), or choose "URL" as the source'}`,
		);
	}
	return binary;
}

/**
 * Builds one item's OCR request. A binary file is read, typed by its bytes and checked against
 * Mistral's limits before anything is sent; above `uploadAbove` bytes it is uploaded (purpose
 * "ocr", tracked in `files` for deletion) and referenced by its file id, else sent inline as a data URL.
 */
export async function prepareRequest(
	context: IExecuteFunctions,
	itemIndex: number,
	uploadAbove: number,
	files: ExecutionFiles,
): Promise<PreparedRequest> {
	const model = context.getNodeParameter('model', itemIndex, '', { extractValue: true }) as string;
	const options = readOcrOptions(context, itemIndex);
	const runsAsTool = context.getNode().type.endsWith('Tool');
	const source = runsAsTool ? 'url' : (context.getNodeParameter('source', itemIndex, 'binary') as string);
	let document: OcrDocument;
	let info: DocumentInfo;
	let fileId: string | undefined;
	if (source === 'url') {
		const url = context.getNodeParameter('documentUrl', itemIndex, '') as unknown;
		document = urlDocument(url, 'Document URL');
		info = { source: 'url', url: String(url).trim().slice(0, 2048) };
		// Checked before the upload below would be: an invalid option never costs a request.
		ocrRequestBody(model, document, options);
	} else {
		const property = String(context.getNodeParameter('binaryProperty', itemIndex, 'data') ?? '').trim() || 'data';
		const binary = binaryOf(context, itemIndex, property);
		// A large file kept in memory (base64 on the item) is decoded straight into its upload body.
		const inlineLength = binary.id ? undefined : base64Length(binary.data);
		const upload = inlineLength !== undefined && inlineLength > uploadAbove && inlineLength <= MAX_DOCUMENT_BYTES ? uploadBuffer(inlineLength) : undefined;
		let bytes: Buffer;
		if (upload && decodeBase64Into(binary.data, upload.file) === upload.file.length) bytes = upload.file;
		else bytes = await context.helpers.getBinaryDataBuffer(itemIndex, property);
		const type = sniffDocument(bytes);
		if (bytes.length === 0) throw new InputError(`The binary property "${property}" is empty (0 bytes). Check the node before: it produced no file content`);
		if (!type) {
			throw new InputError(
				`The binary property "${property}"${binary.fileName ? ` ("${binary.fileName}")` : ''} is not a document Mistral reads: its content is not a ${ACCEPTED_DOCUMENTS}${binary.mimeType ? ` (it says "${binary.mimeType}")` : ''}. Convert it first, or pick the right binary property`,
			);
		}
		checkDocumentLimits(bytes.length, type, pageCountOf(bytes, type), options.pages);
		const name = uploadName(binary.fileName, type.extension);
		info = { source: 'binary', fileName: name, mimeType: type.mimeType, bytes: bytes.length };
		// Checked before anything is sent (the document part is replaced below).
		ocrRequestBody(model, { type: 'document_url', document_url: '' }, options);
		if (bytes.length > uploadAbove) {
			const size = bytes.length;
			const uploaded = files.uploads.track(
				upload && bytes === upload.file
					? await files.files.uploadFrom(upload, name, type.mimeType, 'ocr', itemIndex)
					: await files.files.upload(bytes, name, type.mimeType, 'ocr', itemIndex),
			);
			fileId = uploaded.id;
			document = { type: 'file', file_id: uploaded.id };
			info = { ...info, bytes: size, uploaded: true };
		} else {
			document = inlineDocument(bytes, type, name);
		}
	}
	return { itemIndex, model, body: ocrRequestBody(model, document, options) as IDataObject, info, fileId };
}

/** The binary properties of extracted pictures (named by their ids), for the pages given. */
async function imageBinaries(context: IExecuteFunctions, result: OcrResult, pageIndexes?: Set<number>): Promise<Record<string, IBinaryData> | undefined> {
	const chosen = result.images.filter((image) => !pageIndexes || pageIndexes.has(image.pageIndex));
	if (chosen.length === 0) return undefined;
	const binaries: Record<string, IBinaryData> = {};
	const taken = new Set<string>();
	for (const image of chosen) {
		const name = binaryNameFor(image.id, taken);
		taken.add(name);
		binaries[name] = await context.helpers.prepareBinaryData(Buffer.from(image.base64, 'base64'), image.id, image.mimeType);
	}
	return binaries;
}

/** The output items of one document's answer: one per document, or one per page. */
export async function resultItems(
	context: IExecuteFunctions,
	result: OcrResult,
	request: Pick<PreparedRequest, 'itemIndex' | 'info'>,
	perPage: boolean,
): Promise<INodeExecutionData[]> {
	const { itemIndex, info } = request;
	const annotation = result.annotation === undefined ? {} : { annotation: result.annotation as IDataObject };
	if (!perPage) {
		const json: IDataObject = {
			markdown: result.markdown,
			pageCount: result.pages.length,
			pages: result.pages as unknown as IDataObject[],
			...annotation,
			model: result.model,
			usage: result.usage,
			document: info,
		};
		const binary = await imageBinaries(context, result);
		return [{ json, ...(binary ? { binary } : {}), pairedItem: { item: itemIndex } }];
	}
	const items: INodeExecutionData[] = [];
	for (const page of result.pages) {
		const { index, ...fields } = page;
		const json: IDataObject = { ...(fields as unknown as IDataObject), pageIndex: index, pageCount: result.pages.length, ...annotation, model: result.model, document: info };
		const binary = await imageBinaries(context, result, new Set([index]));
		items.push({ json, ...(binary ? { binary } : {}), pairedItem: { item: itemIndex } });
	}
	return items;
}

export function readsPerPage(context: IExecuteFunctions): boolean {
	const output = context.getNodeParameter('output', 0, 'document') as string;
	if (output !== 'document' && output !== 'page') throw new NodeOperationError(context.getNode(), `"Output" is ${JSON.stringify(output)}; use "document" or "page"`);
	return output === 'page';
}

export function answerProblem(context: IExecuteFunctions, error: unknown, itemIndex: number): unknown {
	if (error instanceof AnswerError) return new NodeOperationError(context.getNode(), error.message, { itemIndex });
	return error;
}
