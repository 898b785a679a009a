import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { mistralNodeMethods } from '../shared/nodeMethods';
import { executeDocumentAi } from './actions/execute';
import { documentAiProperties, TOOL_DESCRIPTION } from './description';

export class MistralDocumentAi implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Mistral Document AI',
		name: 'mistralDocumentAi',
		icon: { light: 'file:mistral.svg', dark: 'file:mistral.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter.model?.cachedResultName || $parameter.model?.value || $parameter.model }}',
		description:
			'Read PDFs, Word and PowerPoint files and images with Mistral OCR: markdown, tables, images, and fields extracted by a JSON schema (invoices, receipts, IDs, contracts)',
		defaults: { name: 'Mistral Document AI' },
		documentationUrl: 'https://github.com/n8n-nodes-mistral/n8n-nodes-mistral/blob/main/README.md#mistral-document-ai',
		// "Mistral Document AI Tool": an AI Agent passes a document URL and gets its markdown.
		usableAsTool: {
			replacements: {
				description: TOOL_DESCRIPTION,
				documentationUrl: 'https://github.com/n8n-nodes-mistral/n8n-nodes-mistral/blob/main/README.md#mistral-document-ai',
			},
		},
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'mistralAiApi', required: true, testedBy: 'mistralAiApiTest' }],
		properties: documentAiProperties,
	};

	methods = mistralNodeMethods('ocr');

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeDocumentAi.call(this);
	}
}
