/**
 * Mistral Chat's adapters between n8n items and the chat core, for realtime and batch mode alike:
 * the request of item N from the node's parameters, and the output items of one answer.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { runsAsAgentTool } from '../../shared/agentTool';
import { simplifyAnswer } from '../../shared/chat/answer';
import { checkImageUrl, imageDataUrl } from '../../shared/chat/images';
import { buildConversation, type ChatMessage, type ContentChunk, normalizeHistory, normalizeMessage } from '../../shared/chat/messages';
import { buildChatBody, type ChatOptions } from '../../shared/chat/requestBody';
import { InputError } from '../../shared/errors';
import { itemError } from '../../shared/itemResults';

interface ImageEntry {
	source?: string;
	binaryProperty?: string;
	url?: string;
	detail?: string;
}

async function imageChunks(context: IExecuteFunctions, itemIndex: number): Promise<ContentChunk[]> {
	const entries = (context.getNodeParameter('images.image', itemIndex, []) as ImageEntry[]) ?? [];
	const chunks: ContentChunk[] = [];
	for (const [position, entry] of entries.entries()) {
		let url: string;
		if ((entry.source ?? 'binary') === 'binary') {
			const property = (entry.binaryProperty ?? 'data').trim();
			const label = `Image ${position + 1} (binary property "${property}")`;
			const binary = context.getInputData()[itemIndex]?.binary?.[property];
			if (!binary) {
				const available = Object.keys(context.getInputData()[itemIndex]?.binary ?? {});
				throw new InputError(
					`${label} is missing from the input item${available.length ? `; it has ${available.map((name) => `"${name}"`).join(', ')}` : '; it has no binary data'}`,
				);
			}
			const bytes = await context.helpers.getBinaryDataBuffer(itemIndex, property);
			url = imageDataUrl(bytes, label, binary.mimeType);
		} else {
			url = checkImageUrl(entry.url, `Image ${position + 1} URL`);
		}
		const detail = entry.detail && entry.detail !== 'auto' ? entry.detail : undefined;
		chunks.push({ type: 'image_url', image_url: detail ? { url, detail } : url });
	}
	return chunks;
}

function extraMessages(context: IExecuteFunctions, itemIndex: number): ChatMessage[] {
	const entries = context.getNodeParameter('extraMessages.message', itemIndex, []) as IDataObject[];
	return entries.map((entry, index) => normalizeMessage(entry, `Extra message ${index + 1}`));
}

export interface ChatItemRequest {
	body: Record<string, unknown>;
	model: string;
	/** JSON mode or a JSON schema: the answer's text is parsed. */
	expectJson: boolean;
}

/** Item N's chat request, built from the node's parameters: the same in realtime and batch mode. */
export async function buildRequest(context: IExecuteFunctions, itemIndex: number, options: IDataObject): Promise<ChatItemRequest> {
	const historyField = typeof options.historyField === 'string' ? options.historyField.trim() : '';
	const item = context.getInputData()[itemIndex];
	const messages = buildConversation({
		systemMessage: context.getNodeParameter('systemMessage', itemIndex, ''),
		history: historyField ? normalizeHistory(item.json[historyField], historyField) : [],
		extraMessages: extraMessages(context, itemIndex),
		prompt: context.getNodeParameter('prompt', itemIndex, ''),
		images: await imageChunks(context, itemIndex),
	});
	const responseFormat = context.getNodeParameter('responseFormat', itemIndex, 'text') as string;
	const model = context.getNodeParameter('model', itemIndex, '', { extractValue: true }) as string;
	const body = buildChatBody(model, messages, options as ChatOptions, {
		responseFormat,
		schemaName: responseFormat === 'json_schema' ? (context.getNodeParameter('schemaName', itemIndex, '') as string) : undefined,
		jsonSchema: responseFormat === 'json_schema' ? context.getNodeParameter('jsonSchema', itemIndex, '') : undefined,
		strictSchema: responseFormat === 'json_schema' ? (context.getNodeParameter('strictSchema', itemIndex, true) as boolean) : undefined,
	});
	return { body, model: body.model as string, expectJson: responseFormat !== 'text' };
}

/** Whether item N keeps its input fields (on by default; an unreadable setting keeps them too). */
export function inputFieldsKept(context: IExecuteFunctions): (itemIndex: number) => boolean {
	// As "Mistral Chat Tool" the input item holds the agent's own arguments: it gets the answer only
	// (Include Input Fields is hidden there, and its fallback below would keep them).
	const runsAsTool = runsAsAgentTool(context);
	return (itemIndex) => {
		if (runsAsTool) return false;
		try {
			return context.getNodeParameter('includeInputFields', itemIndex, true) as boolean;
		} catch {
			return true;
		}
	};
}

/** The output items of one answer, in realtime and batch mode alike. */
export function answerItems(
	context: IExecuteFunctions,
	response: IDataObject,
	itemIndex: number,
	inputJson: IDataObject,
	expectJson: boolean,
	simplify: boolean,
	keepInput: boolean,
): INodeExecutionData[] {
	let results: IDataObject[];
	try {
		results = simplify ? (simplifyAnswer(response, expectJson) as IDataObject[]) : [response];
	} catch (error) {
		throw itemError(context.getNode(), error, itemIndex);
	}
	return results.map((json) => ({
		json: keepInput ? { ...inputJson, ...json } : json,
		pairedItem: { item: itemIndex },
	}));
}
