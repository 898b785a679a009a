import type { INodeProperties } from 'n8n-workflow';

import { processingProperties } from '../shared/batch/parameters';
import { transportOptions } from '../shared/commonOptions';
import { DOCUMENT_SCHEMAS } from '../shared/documents/annotations';
import { modelParameter } from '../shared/models';

export const DEFAULT_DOCUMENT_CONCURRENCY = 4;
/** A long PDF can take minutes to read. */
export const DEFAULT_DOCUMENT_TIMEOUT_S = 300;
export const DEFAULT_UPLOAD_ABOVE_MB = 10;

/** What the agent reads about "Mistral Document AI Tool". */
export const TOOL_DESCRIPTION =
	'Read a document (PDF, Word, PowerPoint or image) at a URL with Mistral OCR and get its text as markdown, page by page';
const TOOL_URL_DESCRIPTION = 'The http(s) URL of the document to read (PDF, DOCX, PPTX or an image)';

/** The editable JSON field of each ready schema, by template. */
export const TEMPLATE_FIELDS: Record<keyof typeof DOCUMENT_SCHEMAS, { name: string; displayName: string }> = {
	invoice: { name: 'invoiceSchema', displayName: 'Invoice Schema (JSON)' },
	receipt: { name: 'receiptSchema', displayName: 'Receipt Schema (JSON)' },
	idDocument: { name: 'idDocumentSchema', displayName: 'ID Document Schema (JSON)' },
	contract: { name: 'contractSchema', displayName: 'Contract Schema (JSON)' },
};

const schemaField = (template: keyof typeof DOCUMENT_SCHEMAS, label: string): INodeProperties => ({
	displayName: TEMPLATE_FIELDS[template].displayName,
	name: TEMPLATE_FIELDS[template].name,
	type: 'json',
	typeOptions: { rows: 10 },
	default: JSON.stringify(DOCUMENT_SCHEMAS[template].schema, null, 2),
	description: `The ${label.toLowerCase()} fields to extract, as a JSON Schema. Edit it freely: add, remove or rename properties.`,
	displayOptions: { show: { documentAnnotation: [template] } },
});

export const documentAiProperties: INodeProperties[] = [
	{
		displayName: 'Description',
		name: 'toolDescription',
		type: 'string',
		typeOptions: { rows: 2 },
		default: TOOL_DESCRIPTION,
		required: true,
		description: 'What the agent reads about this tool: when to use it and what it returns',
		displayOptions: { show: { '@tool': [true] } },
	},
	{ ...modelParameter('mistral-ocr-latest', 'searchModels', 'OCR'), description: 'The OCR model. "From List" shows the models the server marks as OCR-capable.' },
	...processingProperties('documents'),
	{
		displayName: 'Document Source',
		name: 'source',
		type: 'options',
		default: 'binary',
		description: 'Where each item\'s document comes from',
		displayOptions: { hide: { '@tool': [true] } },
		options: [
			{ name: 'Binary File', value: 'binary', description: 'A file in the input item: PDF, DOCX, PPTX, PNG, JPEG, AVIF, WEBP, GIF, TIFF (up to 50 MB)' },
			{ name: 'URL', value: 'url', description: 'An http(s) URL Mistral downloads the document from' },
		],
	},
	{
		displayName: 'Input Binary Field',
		name: 'binaryProperty',
		type: 'string',
		default: 'data',
		required: true,
		description: 'Name of the binary property of the input item that holds the document',
		hint: 'The file type is read from its content, not its name. Large files are uploaded to Mistral and deleted afterwards.',
		displayOptions: { show: { source: ['binary'] }, hide: { '@tool': [true] } },
	},
	{
		displayName: 'Document URL',
		name: 'documentUrl',
		type: 'string',
		default: '={{ $json.url }}',
		placeholder: 'https://example.com/report.pdf',
		description: 'The http(s) URL of the document (an URL ending in .png, .jpg, .avif… is sent as an image)',
		displayOptions: { show: { source: ['url'] }, hide: { '@tool': [true] } },
	},
	{
		displayName: 'Document URL',
		name: 'documentUrl',
		type: 'string',
		default: `={{ /*n8n-auto-generated-fromAI-override*/ $fromAI('documentUrl', \`${TOOL_URL_DESCRIPTION}\`, 'string') }}`,
		description: 'The URL of the document; the agent fills it',
		displayOptions: { show: { '@tool': [true] } },
	},
	{
		displayName: 'Output',
		name: 'output',
		type: 'options',
		default: 'document',
		description: 'How the results come out',
		options: [
			{ name: 'One Item per Document', value: 'document', description: 'Markdown of all pages, the pages, the annotation and usage in one item' },
			{ name: 'One Item per Page', value: 'page', description: 'Each page its own item (markdown, page index, images, tables): ready for text splitters and vector stores' },
		],
	},
	{
		displayName: 'Pages',
		name: 'pages',
		type: 'string',
		default: '',
		placeholder: 'e.g. 0-3, 7',
		description: 'Which pages to read; empty for all. Page numbers start at 0 (the first page), as in the output. Ranges like "0-3,7" or "2–5; 9".',
	},
	{
		displayName: 'Document Annotation',
		name: 'documentAnnotation',
		type: 'options',
		default: 'none',
		description: 'Fields to extract from the whole document into "annotation", following a JSON Schema',
		options: [
			{ name: 'Contract', value: 'contract', description: 'Parties, dates, term, law (editable)' },
			{ name: 'Custom Schema', value: 'custom', description: 'Your own JSON Schema' },
			{ name: 'ID Document', value: 'idDocument', description: 'Passport or ID card fields (editable)' },
			{ name: 'Invoice', value: 'invoice', description: 'Number, dates, seller, buyer, totals, line items (editable)' },
			{ name: 'None', value: 'none' },
			{ name: 'Receipt', value: 'receipt', description: 'Merchant, date, total, items (editable)' },
		],
	},
	schemaField('invoice', 'Invoice'),
	schemaField('receipt', 'Receipt'),
	schemaField('idDocument', 'ID Document'),
	schemaField('contract', 'Contract'),
	{
		displayName: 'Custom Schema (JSON)',
		name: 'customSchema',
		type: 'json',
		typeOptions: { rows: 8 },
		default: '{\n  "type": "object",\n  "properties": {\n    "title": { "type": "string" },\n    "summary": { "type": "string" }\n  },\n  "required": ["title"]\n}',
		description: 'A JSON Schema (top level "type": "object") of the fields to extract',
		displayOptions: { show: { documentAnnotation: ['custom'] } },
	},
	{
		displayName: 'Annotation Prompt',
		name: 'annotationPrompt',
		type: 'string',
		typeOptions: { rows: 2 },
		default: '',
		placeholder: 'e.g. Amounts in the invoice currency; dates as YYYY-MM-DD',
		description: 'Optional instructions for filling the document annotation',
		displayOptions: { hide: { documentAnnotation: ['none'] } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Confidence Scores',
				name: 'confidence',
				type: 'options',
				default: 'none',
				description: 'Whether Mistral rates how sure it is of the text',
				options: [
					{ name: 'None', value: 'none' },
					{ name: 'Per Page', value: 'page', description: 'Average and minimum per page' },
					{ name: 'Per Block', value: 'block', description: 'Per paragraph-level block (turns on Include Blocks)' },
					{ name: 'Per Word', value: 'word', description: 'Every word with its score (large output)' },
				],
			},
			{
				displayName: 'Extract Footer',
				name: 'extractFooter',
				type: 'boolean',
				default: false,
				description: 'Whether to move each page\'s footer out of the markdown into "footer"',
			},
			{
				displayName: 'Extract Header',
				name: 'extractHeader',
				type: 'boolean',
				default: false,
				description: 'Whether to move each page\'s header out of the markdown into "header"',
			},
			{
				displayName: 'Image Annotation Schema (JSON)',
				name: 'bboxSchema',
				type: 'json',
				typeOptions: { rows: 6 },
				default: '{\n  "type": "object",\n  "properties": {\n    "kind": { "type": "string", "description": "chart, photo, logo, signature, table, …" },\n    "description": { "type": "string" }\n  }\n}',
				description: 'A JSON Schema filled for each figure or table found (bbox annotation), into the image\'s "annotation"',
			},
			{
				displayName: 'Image Limit',
				name: 'imageLimit',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 10,
				description: 'With Include Images: at most this many pictures per document',
			},
			{
				displayName: 'Image Minimum Size (Pixels)',
				name: 'imageMinSize',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description: 'With Include Images: skip pictures smaller than this in height or width (0: keep all)',
			},
			{
				displayName: 'Include Blocks',
				name: 'includeBlocks',
				type: 'boolean',
				default: false,
				description: 'Whether to add the paragraph-level blocks of each page with their bounding boxes',
			},
			{
				displayName: 'Include Images',
				name: 'includeImages',
				type: 'boolean',
				default: false,
				description: 'Whether to output the pictures found in the document as binary properties named by their IDs (e.g. "img-0.jpeg")',
			},
			{
				displayName: 'Table Format',
				name: 'tableFormat',
				type: 'options',
				default: 'none',
				description: 'Where tables go',
				options: [
					{ name: 'Inline in the Markdown', value: 'none', description: 'Tables as markdown tables inside the text' },
					{ name: 'Separate, as Markdown', value: 'markdown', description: 'Into each page\'s "tables", with a placeholder in the text' },
					{ name: 'Separate, as HTML', value: 'html', description: 'Into each page\'s "tables" as HTML (merged cells survive)' },
				],
			},
			{
				displayName: 'Upload Files Larger Than (MB)',
				name: 'uploadAboveMb',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 50 },
				default: DEFAULT_UPLOAD_ABOVE_MB,
				description: 'Files up to this size go inline in the request; larger ones are uploaded to Mistral\'s Files API and deleted when the node is done (also after a failure or Stop)',
			},
			...transportOptions(DEFAULT_DOCUMENT_CONCURRENCY, 'Each request carries a whole document', DEFAULT_DOCUMENT_TIMEOUT_S),
		],
	},
];
