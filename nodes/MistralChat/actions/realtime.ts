/** Mistral Chat in realtime mode: one request per item, in parallel, or streamed for a single item. */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { runsAsAgentTool } from '../../shared/agentTool';
import { DEFAULT_CHAT_CONCURRENCY, DEFAULT_CHAT_TIMEOUT_S } from '../../shared/chat/settings';
import { readChatStream } from '../../shared/chat/stream';
import { readTransportOptions } from '../../shared/commonOptions';
import { settleWithConcurrency } from '../../shared/concurrency';
import { AnswerError } from '../../shared/errors';
import { deleteUploads, executionFiles } from '../../shared/files/glue';
import { collectOutput, itemError } from '../../shared/itemResults';
import { describeStats, MistralClient } from '../../shared/transport/client';
import { answerItems, buildRequest, type ChatItemRequest, inputFieldsKept } from './items';

/**
 * Whether to stream this run: only when n8n streams the execution and the answer goes to the user
 * (an agent's tool answers the agent). Callers stream a single item only: chunks of parallel items
 * would interleave into nonsense.
 */
function shouldStream(context: IExecuteFunctions): boolean {
	if (typeof context.isStreaming !== 'function' || !context.isStreaming()) return false;
	return !runsAsAgentTool(context);
}

/** Sends the answer's text to n8n's stream (a streaming Webhook or Chat Trigger) while it arrives. */
async function streamAnswer(context: IExecuteFunctions, client: MistralClient, request: ChatItemRequest, itemIndex: number): Promise<IDataObject> {
	// On failure n8n itself sends the "error" chunk.
	await context.sendChunk('begin', itemIndex);
	let response: unknown;
	try {
		const opened = await client.postStream('/chat/completions', { ...request.body, stream: true } as IDataObject, { model: request.model }, itemIndex);
		response = await readChatStream(opened, async (delta) => {
			if (delta.kind === 'text' && delta.choice === 0) await context.sendChunk('item', itemIndex, delta.text);
		});
	} catch (error) {
		throw error instanceof AnswerError ? itemError(context.getNode(), error, itemIndex) : error;
	}
	await context.sendChunk('end', itemIndex);
	return response as IDataObject;
}

export async function executeChatRealtime(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const firstOptions = (this.getNodeParameter('options', 0, {}) as IDataObject) ?? {};
	const transport = readTransportOptions(firstOptions, DEFAULT_CHAT_CONCURRENCY, DEFAULT_CHAT_TIMEOUT_S);
	const client = new MistralClient(this, transport);
	const simplify = this.getNodeParameter('simplify', 0, true) as boolean;
	const streaming = items.length === 1 && shouldStream(this);
	const keepInputFields = inputFieldsKept(this);

	const files = executionFiles(this, transport);
	try {
		const outcomes = await settleWithConcurrency(
			items,
			transport.maxConcurrency,
			async (item, itemIndex): Promise<INodeExecutionData[]> => {
				const options = (this.getNodeParameter('options', itemIndex, {}) as IDataObject) ?? {};
				let request: ChatItemRequest;
				try {
					request = await buildRequest(this, itemIndex, options, files);
				} catch (error) {
					throw itemError(this.getNode(), error, itemIndex);
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
