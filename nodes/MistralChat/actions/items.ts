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
import { itemBinary } from '../../shared/parameterReaders';
import { itemError, stopError } from '../../shared/itemResults';
import { audioChunkFromBytes, audioChunkFromUrl } from '../../shared/audio/chatAudio';
import { chatDocumentType, inlineDocumentChunk, urlDocumentChunk } from '../../shared/documents/chatDocuments';
import { uploadName } from '../../shared/files/filesApi';
import type { ExecutionFiles } from '../../shared/files/glue';
import { asNodeError, BATCH_PARAMETERS, checkNodeOptions, TRANSPORT_OPTIONS } from '../../shared/nodeOptions';
import { checkedChoice } from '../../shared/optionRanges';
import { SAMPLING_OPTIONS } from '../../shared/samplingOptions';
import { CHAT_OPTIONS } from '../description';

/** Documents up to this size go inline as data URLs; larger ones are uploaded. */
const INLINE_DOCUMENT_BYTES = 10 * 1024 * 1024;

interface ImageEntry {
	source?: string;
	binaryProperty?: string;
	url?: string;
	detail?: string;
}

/** The item's Images entries, each with its Source and Detail checked against the option table. */
function imageSettings(context: IExecuteFunctions, itemIndex: number): Array<ImageEntry & { source: string; detail: string }> {
	const entries = (context.getNodeParameter('images.image', itemIndex, []) as ImageEntry[]) ?? [];
	return entries.map((entry, position) => {
		try {
			return { ...entry, source: checkedChoice('source', entry.source, 'binary'), detail: checkedChoice('detail', entry.detail, 'auto') };
		} catch (error) {
			(error as Error).message = `Image ${position + 1}: ${(error as Error).message}`;
			throw asNodeError(context, error, itemIndex);
		}
	});
}

async function imageChunks(context: IExecuteFunctions, itemIndex: number): Promise<ContentChunk[]> {
	const chunks: ContentChunk[] = [];
	for (const [position, entry] of imageSettings(context, itemIndex).entries()) {
		const { source, detail } = entry;
		let url: string;
		if (source === 'binary') {
			const property = (entry.binaryProperty ?? 'data').trim();
			const label = `Image ${position + 1} (binary property "${property}")`;
			const binary = itemBinary(context, itemIndex, property, label);
			const bytes = await context.helpers.getBinaryDataBuffer(itemIndex, property);
			url = imageDataUrl(bytes, label, binary.mimeType);
		} else {
			url = checkImageUrl(entry.url, `Image ${position + 1} URL`);
		}
		chunks.push({ type: 'image_url', image_url: detail !== 'auto' ? { url, detail } : url });
	}
	return chunks;
}

interface DocumentEntry {
	source?: string;
	binaryProperty?: string;
	url?: string;
}

/**
 * The item's documents as `document_url` chunks: small files inline, large ones (realtime only)
 * uploaded to the Files API and read by Mistral through a signed URL, deleted when the node is done.
 */
async function documentChunks(context: IExecuteFunctions, itemIndex: number, files?: ExecutionFiles): Promise<ContentChunk[]> {
	const entries = (context.getNodeParameter('documents.document', itemIndex, []) as DocumentEntry[]) ?? [];
	const chunks: ContentChunk[] = [];
	for (const [position, entry] of entries.entries()) {
		if ((entry.source ?? 'binary') !== 'binary') {
			chunks.push(urlDocumentChunk(entry.url, `Document ${position + 1} URL`));
			continue;
		}
		const property = (entry.binaryProperty ?? 'data').trim() || 'data';
		const label = `Document ${position + 1} (binary property "${property}")`;
		const binary = itemBinary(context, itemIndex, property, label);
		const bytes = await context.helpers.getBinaryDataBuffer(itemIndex, property);
		const type = chatDocumentType(bytes, label, binary.mimeType);
		const name = uploadName(binary.fileName, type.extension);
		if (bytes.length <= INLINE_DOCUMENT_BYTES) {
			chunks.push(inlineDocumentChunk(bytes, type, name));
			continue;
		}
		if (!files) throw new InputError(`${label} is ${(bytes.length / 1024 / 1024).toFixed(1)} MB: in batch mode documents go inline, up to 10 MB. Give it as a URL, or use realtime processing`);
		const uploaded = files.uploads.track(await files.files.upload(bytes, name, type.mimeType, 'ocr', itemIndex));
		chunks.push({ type: 'document_url', document_url: await files.files.signedUrl(uploaded.id, 1, itemIndex), document_name: name });
	}
	return chunks;
}

interface AudioEntry {
	source?: string;
	binaryProperty?: string;
	url?: string;
}

/** The Audio parameter's recordings as `input_audio` chunks (audio-capable models such as Voxtral). */
async function audioChunks(context: IExecuteFunctions, itemIndex: number): Promise<ContentChunk[]> {
	const entries = (context.getNodeParameter('audio.recording', itemIndex, []) as AudioEntry[]) ?? [];
	const chunks: ContentChunk[] = [];
	for (const [position, entry] of entries.entries()) {
		if ((entry.source ?? 'binary') !== 'binary') {
			chunks.push(audioChunkFromUrl(entry.url, `Audio ${position + 1} URL`));
			continue;
		}
		const property = (entry.binaryProperty ?? 'data').trim();
		const label = `Audio ${position + 1} (binary property "${property}")`;
		const binary = itemBinary(context, itemIndex, property, label);
		const bytes = await context.helpers.getBinaryDataBuffer(itemIndex, property);
		chunks.push(audioChunkFromBytes(bytes, label, binary.fileName, binary.mimeType));
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
export async function buildRequest(context: IExecuteFunctions, itemIndex: number, options: IDataObject, files?: ExecutionFiles): Promise<ChatItemRequest> {
	const historyField = typeof options.historyField === 'string' ? options.historyField.trim() : '';
	const item = context.getInputData()[itemIndex];
	const messages = buildConversation({
		systemMessage: context.getNodeParameter('systemMessage', itemIndex, ''),
		history: historyField ? normalizeHistory(item.json[historyField], historyField) : [],
		extraMessages: extraMessages(context, itemIndex),
		prompt: context.getNodeParameter('prompt', itemIndex, ''),
		images: [...(await imageChunks(context, itemIndex)), ...(await audioChunks(context, itemIndex)), ...(await documentChunks(context, itemIndex, files))],
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

/**
 * Every option checked before the first request: the node-wide ones (transport, batch) on item 0,
 * the per-item ones (sampling, response format) on every item. With Continue On Fail a bad item
 * becomes its own error item instead, when its request is built (with the same message).
 */
export function checkChatOptions(context: IExecuteFunctions): void {
	checkNodeOptions(context, 0, BATCH_PARAMETERS, TRANSPORT_OPTIONS);
	if (context.continueOnFail()) return;
	for (const itemIndex of context.getInputData().keys()) {
		try {
			checkNodeOptions(context, itemIndex, ['responseFormat'], [...SAMPLING_OPTIONS, ...CHAT_OPTIONS]);
			imageSettings(context, itemIndex);
		} catch (error) {
			throw stopError(context, error, itemIndex);
		}
	}
}
