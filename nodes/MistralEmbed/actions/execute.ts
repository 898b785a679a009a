import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { isBatchProcessing } from '../../shared/batch/parameters';
import { readTransportOptions } from '../../shared/commonOptions';
import type { Settled } from '../../shared/concurrency';
import { collectOutput, stopError } from '../../shared/itemResults';
import { BATCH_PARAMETERS, checkNodeOptions, TRANSPORT_OPTIONS } from '../../shared/nodeOptions';
import { checkedChoice, checkedNumber } from '../../shared/optionRanges';
import { itemFieldReader } from '../../shared/parameterReaders';
import { describeStats, MistralClient } from '../../shared/transport/client';
import {
	DEFAULT_BATCH_SIZE,
	DEFAULT_EMBED_CONCURRENCY,
	DEFAULT_EMBED_TIMEOUT_S,
	DEFAULT_MAX_TOKENS_PER_REQUEST,
	EMBED_OPTIONS,
} from '../description';
import { executeEmbedBatch } from './batch';
import type { BatchLimits } from './batching';
import { TokenCalibration } from './calibration';
import { embedSlots } from './embedSlots';
import { type EmbedSlot, type ItemInput, readItemInput } from './inputs';
import { type Dtype, UNUSABLE_ANSWER_FIX } from './vectors';

export interface EmbedSettings {
	model: string;
	dtype: Dtype;
	outputDimension?: number;
	base64: boolean;
}

export interface SlotResult {
	vector?: number[];
	error?: unknown;
	usage?: IDataObject;
}

/** The server numbers inputs within its batch; the user knows items, which the error names already. */
export function withoutBatchPosition(error: unknown): unknown {
	if (error instanceof Error) error.message = error.message.replace(/\binput at index \d+/gi, 'The text');
	return error;
}

export function requestBody(settings: EmbedSettings, texts: string[]): IDataObject {
	const body: IDataObject = { model: settings.model, input: texts };
	if (settings.outputDimension !== undefined) body.output_dimension = settings.outputDimension;
	if (settings.dtype !== 'float') body.output_dtype = settings.dtype;
	if (settings.base64) body.encoding_format = 'base64';
	return body;
}

/** The "Text" of every item (a plain `{{ $json.field }}` is read without n8n's sandbox). */
export function textReader(context: IExecuteFunctions, items: INodeExecutionData[]): (itemIndex: number) => unknown {
	return itemFieldReader(context, items, 'text');
}

/** Batch Size and Max Tokens per Request, checked (Mistral Embed and Mistral Embeddings). */
export function readBatchLimits(options: IDataObject): BatchLimits {
	return {
		maxInputs: checkedNumber('batchSize', options.batchSize, DEFAULT_BATCH_SIZE),
		maxTokens: checkedNumber('maxTokensPerRequest', options.maxTokensPerRequest, DEFAULT_MAX_TOKENS_PER_REQUEST),
	};
}

/** Every option of Mistral Embed, checked before the first request (throws a NodeOperationError naming the option). */
export function checkEmbedOptions(context: IExecuteFunctions): void {
	checkNodeOptions(context, 0, [...BATCH_PARAMETERS, 'listMode'], [...EMBED_OPTIONS, ...TRANSPORT_OPTIONS]);
}

/** The settings every request of a run shares, read once from the node's parameters. */
export function readEmbedSettings(context: IExecuteFunctions, options: IDataObject): { settings: EmbedSettings; limits: BatchLimits } {
	const dtype = checkedChoice<Dtype>('outputDtype', options.outputDtype, 'float');
	const settings: EmbedSettings = {
		model: (context.getNodeParameter('model', 0, '', { extractValue: true }) as string).trim(),
		dtype,
		outputDimension: checkedNumber('outputDimension', options.outputDimension),
		base64: dtype === 'float' && checkedChoice('vectorTransport', options.vectorTransport, 'base64') === 'base64',
	};
	if (settings.model === '') {
		throw new NodeOperationError(context.getNode(), '"Model" is empty. Pick a model or enter its ID', { itemIndex: 0 });
	}
	return { settings, limits: readBatchLimits(options) };
}

export async function executeEmbed(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	checkEmbedOptions(this);
	if (isBatchProcessing(this)) return await executeEmbedBatch.call(this);
	const items = this.getInputData();
	const options = (this.getNodeParameter('options', 0, {}) as IDataObject) ?? {};
	const transport = readTransportOptions(options, DEFAULT_EMBED_CONCURRENCY, DEFAULT_EMBED_TIMEOUT_S);
	const client = new MistralClient(this, transport);
	const { settings, limits } = readEmbedSettings(this, options);

	const readText = textReader(this, items);
	const inputs: ItemInput[] = items.map((_item, itemIndex) => readItemInput(readText(itemIndex), itemIndex));
	const continueOnFail = this.continueOnFail();
	const firstInvalid = inputs.findIndex((input) => input.kind === 'invalid');
	const invalidInput = (message: string, itemIndex: number) => new NodeOperationError(this.getNode(), message, { itemIndex });
	if (firstInvalid !== -1 && !continueOnFail) {
		// Before any request is sent, in the form every other stop error takes.
		throw stopError(this, invalidInput((inputs[firstInvalid] as { message: string }).message, firstInvalid), firstInvalid);
	}

	const slots: EmbedSlot[] = [];
	for (const input of inputs) {
		if (input.kind === 'single') slots.push(input.slot);
		else if (input.kind === 'list') slots.push(...input.slots);
	}
	const results = new Map<EmbedSlot, SlotResult>();
	// Batches are packed as they are sent, with a budget learned from the server's token counts.
	const calibration = new TokenCalibration(limits.maxTokens, true);
	/**
	 * Records a failure that no retry or split will undo. Without Continue On Fail the node is going
	 * to stop, so it throws: the pool then starts no new batch, and this batch sends no more halves.
	 */
	const failForGood = (slots: EmbedSlot[], error: unknown): void => {
		for (const slot of slots) results.set(slot, { error });
		if (!continueOnFail) throw error as Error;
	};
	const { batches, outcomes: batchOutcomes } = await embedSlots(slots, {
		client,
		model: settings.model,
		dtype: settings.dtype,
		body: (texts) => requestBody(settings, texts),
		calibration,
		maxInputs: limits.maxInputs,
		maxConcurrency: transport.maxConcurrency,
		stopOnError: !continueOnFail,
		itemIndexOf: (slot) => slot.itemIndex,
		onVectors: (batch, vectors, usage) => batch.forEach((slot, position) => results.set(slot, { vector: vectors[position], usage })),
		onFailure: (batch, error, cause) =>
			failForGood(
				batch,
				cause === 'input'
					? withoutBatchPosition(error)
					: new NodeOperationError(this.getNode(), (error as Error).message, { itemIndex: batch[0].itemIndex, description: UNUSABLE_ANSWER_FIX }),
			),
	});
	const learned = calibration.snapshot();
	this.logger.debug(
		`Mistral Embed: ${slots.length} text(s) in ${batches.length} batch(es), token ratio ${learned.observedRatio?.toFixed(3) ?? 'not reported'} (${learned.rejections} rejected for tokens), ${describeStats(client.stats)}`,
	);
	batchOutcomes.forEach((outcome, batchIndex) => {
		if (outcome && !outcome.ok) for (const slot of batches[batchIndex]) if (!results.has(slot)) results.set(slot, { error: outcome.error });
	});

	const keepInput = this.getNodeParameter('includeInputFields', 0, true) as boolean;
	const itemOutcomes = embedItemOutcomes(this, inputs, results, settings.model, options, (itemIndex) => items[itemIndex].json);
	return [collectOutput(this, itemOutcomes, () => keepInput)];
}

/** Each item's output items (or error) from its texts' results, in realtime and batch mode alike. */
export function embedItemOutcomes(
	context: IExecuteFunctions,
	inputs: ItemInput[],
	results: Map<EmbedSlot, SlotResult>,
	model: string,
	options: IDataObject,
	inputJson: (itemIndex: number) => IDataObject,
): Array<Settled<INodeExecutionData[]>> {
	const outputField = (context.getNodeParameter('outputField', 0, 'embedding') as string).trim() || 'embedding';
	const keepInput = context.getNodeParameter('includeInputFields', 0, true) as boolean;
	const listMode = checkedChoice('listMode', context.getNodeParameter('listMode', 0, 'vectors'), 'vectors');
	const includeUsage = options.includeUsage === true;

	return inputs.map((input, itemIndex) => {
		if (input.kind === 'invalid') return { ok: false, error: new NodeOperationError(context.getNode(), input.message, { itemIndex }) };
		const itemSlots = input.kind === 'single' ? [input.slot] : input.slots;
		const slotResults = itemSlots.map((slot) => results.get(slot) ?? {});
		const failed = slotResults.find((result) => result.error !== undefined || result.vector === undefined);
		if (failed) return { ok: false, error: failed.error ?? new NodeOperationError(context.getNode(), 'No vector was returned', { itemIndex }) };

		const base = keepInput ? inputJson(itemIndex) : {};
		const extras = (result: SlotResult): IDataObject => (includeUsage ? { model, usage: result.usage ?? null } : {});
		if (input.kind === 'list' && listMode === 'items') {
			return {
				ok: true,
				value: itemSlots.map((slot, position) => ({
					json: { ...base, text: slot.text, textIndex: slot.elementIndex, [outputField]: slotResults[position].vector, ...extras(slotResults[position]) },
					pairedItem: { item: itemIndex },
				})),
			};
		}
		const value = input.kind === 'list' ? slotResults.map((result) => result.vector as number[]) : slotResults[0].vector;
		return { ok: true, value: [{ json: { ...base, [outputField]: value, ...extras(slotResults[0]) }, pairedItem: { item: itemIndex } }] };
	});
}
