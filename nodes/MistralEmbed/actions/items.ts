/**
 * Mistral Embed's adapters between n8n items and the embeddings core, for realtime and batch mode
 * alike: each item's text, the run's settings, and each item's output items from its texts' vectors.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { Settled } from '../../shared/concurrency';
import { type EmbedSlot, type ItemInput, readItemInput } from '../../shared/embeddings/inputs';
import type { BatchLimits } from '../../shared/packing/batching';
import { batchLimitsFrom, type EmbedSettings, embedSettingsFrom } from '../../shared/embeddings/settings';
import { itemError, stopError } from '../../shared/itemResults';
import { readModel } from '../../shared/models';
import { BATCH_PARAMETERS, checkNodeOptions, TRANSPORT_OPTIONS } from '../../shared/nodeOptions';
import { checkedChoice } from '../../shared/optionRanges';
import { EMBED_OPTIONS } from '../../shared/embeddingOptions';
import { itemFieldReader } from '../../shared/parameterReaders';

export interface SlotResult {
	vector?: number[];
	error?: unknown;
	usage?: Record<string, unknown>;
}

/**
 * Each item's text(s), checked before any request is sent. Without Continue On Fail the first
 * invalid item stops the node here, in the form every other stop error takes.
 */
export function readItemInputs(context: IExecuteFunctions, items: INodeExecutionData[]): ItemInput[] {
	// A plain `{{ $json.field }}` is read without n8n's sandbox.
	const readText = itemFieldReader(context, items, 'text');
	const inputs = items.map((_item, itemIndex) => readItemInput(readText(itemIndex), itemIndex));
	const firstInvalid = inputs.findIndex((input) => input.kind === 'invalid');
	if (firstInvalid !== -1 && !context.continueOnFail()) {
		const message = (inputs[firstInvalid] as { message: string }).message;
		throw stopError(context, itemError(context.getNode(), message, firstInvalid), firstInvalid);
	}
	return inputs;
}

/** The texts an item sends: one, a list's, or none when its input is invalid. */
export function slotsOf(input: ItemInput): EmbedSlot[] {
	return input.kind === 'single' ? [input.slot] : input.kind === 'list' ? input.slots : [];
}

/** Every option of Mistral Embed, checked before the first request (throws a NodeOperationError naming the option). */
export function checkEmbedOptions(context: IExecuteFunctions): void {
	checkNodeOptions(context, 0, [...BATCH_PARAMETERS, 'listMode'], [...EMBED_OPTIONS, ...TRANSPORT_OPTIONS]);
}

/** The settings every request of a run shares, read once from the node's parameters. */
export function readEmbedSettings(context: IExecuteFunctions, options: IDataObject): { settings: EmbedSettings; limits: BatchLimits } {
	const model = readModel(context, 0);
	return { settings: embedSettingsFrom(model, options), limits: batchLimitsFrom(options) };
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
		if (input.kind === 'invalid') return { ok: false, error: itemError(context.getNode(), input.message, itemIndex) };
		const itemSlots = input.kind === 'single' ? [input.slot] : input.slots;
		const slotResults = itemSlots.map((slot) => results.get(slot) ?? {});
		const failed = slotResults.find((result) => result.error !== undefined || result.vector === undefined);
		if (failed) return { ok: false, error: failed.error ?? itemError(context.getNode(), 'No vector was returned', itemIndex) };

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
