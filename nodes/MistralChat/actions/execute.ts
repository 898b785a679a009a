import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { isBatchProcessing } from '../../shared/batch/parameters';
import { readTransportOptions } from '../../shared/commonOptions';
import { settleWithConcurrency } from '../../shared/concurrency';
import { collectOutput, stopError } from '../../shared/itemResults';
import { asNodeError, BATCH_PARAMETERS, checkNodeOptions, TRANSPORT_OPTIONS } from '../../shared/nodeOptions';
import { checkedChoice, OptionValueError } from '../../shared/optionRanges';
import { SAMPLING_OPTIONS } from '../../shared/samplingOptions';
import { describeStats, MistralClient } from '../../shared/transport/client';
import { CHAT_OPTIONS, DEFAULT_CHAT_CONCURRENCY, DEFAULT_CHAT_TIMEOUT_S } from '../description';
import { executeChatBatch } from './batch';
import { chatDocumentType, inlineDocumentChunk, urlDocumentChunk } from '../../shared/documents/chatDocuments';
import { uploadName } from '../../shared/files/filesApi';
import { deleteUploads, executionFiles, type ExecutionFiles } from '../../shared/files/glue';
import { checkImageUrl, imageDataUrl } from './images';
import { buildConversation, type ChatMessage, type ContentChunk, normalizeHistory, normalizeMessage } from './messages';
import { buildChatBody, type ChatOptions } from './requestBody';
import { simplifyResponse } from './response';
import { streamChatCompletion } from './streamChat';
import { StreamedAnswerError } from './streamedAnswer';

/** Documents up to this size go inline as data URLs; larger ones are uploaded. */
const INLINE_DOCUMENT_BYTES = 10 * 1024 * 1024;

interface ImageEntry {
	source?: string;
	binaryProperty?: string;
	url?: string;
	detail?: string;
}

export function problem(context: IExecuteFunctions, error: unknown, itemIndex: number): NodeOperationError {
	if (error instanceof OptionValueError) return asNodeError(context, error, itemIndex) as NodeOperationError;
	if (error instanceof NodeOperationError) return error;
	return new NodeOperationError(context.getNode(), error instanceof Error ? error.message : String(error), { itemIndex });
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
			const binary = context.getInputData()[itemIndex]?.binary?.[property];
			if (!binary) {
				const available = Object.keys(context.getInputData()[itemIndex]?.binary ?? {});
				throw new Error(
					`${label} is missing from the input item${available.length ? `; it has ${available.map((name) => `"${name}"`).join(', ')}` : '; it has no binary data'}`,
				);
			}
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
		const binary = context.getInputData()[itemIndex]?.binary?.[property];
		if (!binary) {
			const available = Object.keys(context.getInputData()[itemIndex]?.binary ?? {});
			throw new Error(`${label} is missing from the input item${available.length ? `; it has ${available.map((name) => `"${name}"`).join(', ')}` : '; it has no binary data'}`);
		}
		const bytes = await context.helpers.getBinaryDataBuffer(itemIndex, property);
		const type = chatDocumentType(bytes, label, binary.mimeType);
		const name = uploadName(binary.fileName, type.extension);
		if (bytes.length <= INLINE_DOCUMENT_BYTES) {
			chunks.push(inlineDocumentChunk(bytes, type, name));
			continue;
		}
		if (!files) throw new Error(`${label} is ${(bytes.length / 1024 / 1024).toFixed(1)} MB: in batch mode documents go inline, up to 10 MB. Give it as a URL, or use realtime processing`);
		const uploaded = files.uploads.track(await files.files.upload(bytes, name, type.mimeType, 'ocr', itemIndex));
		chunks.push({ type: 'document_url', document_url: await files.files.signedUrl(uploaded.id, 1, itemIndex), document_name: name });
	}
	return chunks;
}

function extraMessages(context: IExecuteFunctions, itemIndex: number): ChatMessage[] {
	const entries = context.getNodeParameter('extraMessages.message', itemIndex, []) as IDataObject[];
	return entries.map((entry, index) => normalizeMessage(entry, `Extra message ${index + 1}`));
}

export async function buildRequest(context: IExecuteFunctions, itemIndex: number, options: IDataObject, files?: ExecutionFiles) {
	const historyField = typeof options.historyField === 'string' ? options.historyField.trim() : '';
	const item = context.getInputData()[itemIndex];
	const messages = buildConversation({
		systemMessage: context.getNodeParameter('systemMessage', itemIndex, ''),
		history: historyField ? normalizeHistory(item.json[historyField], historyField) : [],
		extraMessages: extraMessages(context, itemIndex),
		prompt: context.getNodeParameter('prompt', itemIndex, ''),
		images: [...(await imageChunks(context, itemIndex)), ...(await documentChunks(context, itemIndex, files))],
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

/**
 * Whether to stream this run: only when n8n streams the execution, and not when an AI Agent runs the
 * node as one of its tools (its answer goes to the agent, not to the user; n8n marks such a run by
 * logging the node's output as a tool's). Callers stream a single item only: chunks of parallel
 * items would interleave into nonsense.
 */
function shouldStream(context: IExecuteFunctions): boolean {
	if (typeof context.isStreaming !== 'function' || !context.isStreaming()) return false;
	if (typeof context.isToolExecution === 'function' && context.isToolExecution()) return false;
	return context.getNode().rewireOutputLogTo !== NodeConnectionTypes.AiTool;
}

/** Sends the answer's text to n8n's stream (a streaming Webhook or Chat Trigger) while it arrives. */
async function streamAnswer(
	context: IExecuteFunctions,
	client: MistralClient,
	request: Awaited<ReturnType<typeof buildRequest>>,
	itemIndex: number,
): Promise<IDataObject> {
	// On failure n8n itself sends the "error" chunk.
	await context.sendChunk('begin', itemIndex);
	let response: IDataObject;
	try {
		response = await streamChatCompletion(client, request.body as IDataObject, { model: request.model }, itemIndex, async (delta) => {
			if (delta.kind === 'text' && delta.choice === 0) await context.sendChunk('item', itemIndex, delta.text);
		});
	} catch (error) {
		throw error instanceof StreamedAnswerError ? problem(context, error, itemIndex) : error;
	}
	await context.sendChunk('end', itemIndex);
	return response;
}

/** Whether item N keeps its input fields (on by default; an unreadable setting keeps them too). */
export function inputFieldsKept(context: IExecuteFunctions): (itemIndex: number) => boolean {
	// As "Mistral Chat Tool" the input item holds the agent's own arguments: it gets the answer only
	// (Include Input Fields is hidden there, and its fallback below would keep them).
	const runsAsTool = context.getNode().type.endsWith('Tool');
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
		results = simplify ? (simplifyResponse(response, expectJson) as IDataObject[]) : [response];
	} catch (error) {
		throw problem(context, error, itemIndex);
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

export async function executeChat(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	checkChatOptions(this);
	if (isBatchProcessing(this)) return await executeChatBatch.call(this);
	const items = this.getInputData();
	const firstOptions = (this.getNodeParameter('options', 0, {}) as IDataObject) ?? {};
	const transport = readTransportOptions(firstOptions, DEFAULT_CHAT_CONCURRENCY, DEFAULT_CHAT_TIMEOUT_S);
	const client = new MistralClient(this, transport);
	const simplify = this.getNodeParameter('simplify', 0, true) as boolean;
	const runsAsTool = this.getNode().type.endsWith('Tool');
	// An agent's tool answers the agent, never the user's stream.
	const streaming = items.length === 1 && !runsAsTool && shouldStream(this);
	const keepInputFields = inputFieldsKept(this);

	const files = executionFiles(this, transport);
	try {
		const outcomes = await settleWithConcurrency(
			items,
			transport.maxConcurrency,
			async (item, itemIndex): Promise<INodeExecutionData[]> => {
				const options = (this.getNodeParameter('options', itemIndex, {}) as IDataObject) ?? {};
				let request: Awaited<ReturnType<typeof buildRequest>>;
				try {
					request = await buildRequest(this, itemIndex, options, files);
				} catch (error) {
					throw problem(this, error, itemIndex);
				}
				const response =
					streaming && request.body.n === undefined
						? await streamAnswer(this, client, request, itemIndex)
						: await client.post<IDataObject>('/chat/completions', request.body as IDataObject, { model: request.model }, itemIndex);
				return answerItems(this, response, itemIndex, item.json, request.expectJson, simplify, keepInputFields(itemIndex));
			},
			!this.continueOnFail(),
		);
		this.logger.debug(`Mistral Chat: ${items.length} item(s), ${describeStats(client.stats)}`);
		return [collectOutput(this, outcomes, keepInputFields)];
	} finally {
		await deleteUploads(this, files, 'Mistral Chat');
	}
}
