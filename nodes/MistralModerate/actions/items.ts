/** Mistral Moderate's n8n side, shared by realtime and batch mode: settings, item inputs, thresholds, output routing. */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { Settled } from '../../shared/concurrency';
import { collectOutput } from '../../shared/itemResults';
import { decide, type ModerationResult } from '../../shared/moderation/answers';
import { chatTriggerSlot, messagesSlot, type ModerationSlot, textSlot } from '../../shared/moderation/inputs';
import { CHAT_MODERATION_PATH, chatModerationBody, TEXT_MODERATION_PATH, textModerationBody } from '../../shared/moderation/requests';
import { readThresholds, type Thresholds } from '../../shared/moderation/thresholds';
import type { BatchLimits } from '../../shared/packing/batching';
import { itemFieldReader } from '../../shared/parameterReaders';
import { DEFAULT_MODERATE_BATCH_SIZE, MAX_MODERATE_TOKENS_PER_REQUEST } from '../description';

export type InputKind = 'text' | 'conversation';

export interface ModerateSettings {
	model: string;
	input: InputKind;
	onlyListed: boolean;
	simplify: boolean;
	outputField: string;
	keepInput: boolean;
	/** Under an AI Agent everything goes to the first output, the one the agent reads. */
	asTool: boolean;
}

/** An item's result, before it is routed to Passed or Flagged. */
export interface ModeratedItem {
	item: INodeExecutionData;
	flagged: boolean;
}

export function readModerateSettings(context: IExecuteFunctions, options: IDataObject): { settings: ModerateSettings; limits: BatchLimits } {
	const asTool = context.getNode().type.endsWith('Tool');
	const model = String(context.getNodeParameter('model', 0, '', { extractValue: true }) ?? '').trim();
	if (model === '') throw new NodeOperationError(context.getNode(), '"Model" is empty. Pick a moderation model or enter its ID', { itemIndex: 0 });
	const input = asTool ? 'text' : (context.getNodeParameter('input', 0, 'text') as InputKind);
	if (input !== 'text' && input !== 'conversation') {
		throw new NodeOperationError(context.getNode(), `"Input" is ${JSON.stringify(input)}; use "text" or "conversation"`, { itemIndex: 0 });
	}
	const batchSize = Number(options.batchSize ?? DEFAULT_MODERATE_BATCH_SIZE);
	const maxTokens = Number(options.maxTokensPerRequest ?? MAX_MODERATE_TOKENS_PER_REQUEST);
	const settings: ModerateSettings = {
		model,
		input,
		onlyListed: options.onlyListedCategories === true,
		simplify: context.getNodeParameter('simplify', 0, true) !== false,
		outputField: String(context.getNodeParameter('outputField', 0, 'moderation') ?? '').trim() || 'moderation',
		keepInput: context.getNodeParameter('includeInputFields', 0, true) !== false,
		asTool,
	};
	const limits = {
		// Both were checked against the option table (checkNodeOptions) before this is read.
		maxInputs: batchSize,
		maxTokens,
	};
	return { settings, limits };
}

/** Each item's slot (what it asks to moderate) or the error that names what is wrong with it. */
export function readSlots(context: IExecuteFunctions, items: INodeExecutionData[], input: InputKind): Array<ModerationSlot | Error> {
	const slotOf = slotReader(context, items, input);
	return items.map((_item, itemIndex) => {
		try {
			return slotOf(itemIndex);
		} catch (error) {
			return new NodeOperationError(context.getNode(), (error as Error).message, { itemIndex });
		}
	});
}

function slotReader(context: IExecuteFunctions, items: INodeExecutionData[], input: InputKind): (itemIndex: number) => ModerationSlot {
	if (input === 'text') {
		const readText = itemFieldReader(context, items, 'text');
		return (itemIndex) => textSlot(readText(itemIndex), itemIndex);
	}
	const source = context.getNodeParameter('conversationSource', 0, 'chatTrigger');
	if (source === 'messages') {
		const readMessages = itemFieldReader(context, items, 'messages');
		return (itemIndex) => messagesSlot(readMessages(itemIndex), itemIndex);
	}
	const readChatInput = itemFieldReader(context, items, 'chatInput');
	return (itemIndex) => chatTriggerSlot(readChatInput(itemIndex), context.getNodeParameter('history', itemIndex, ''), itemIndex);
}

/**
 * Each item's thresholds, or the error naming the bad entry. Without an expression among them they
 * are the same for every item and read once.
 */
export function readItemThresholds(context: IExecuteFunctions, count: number): Array<Thresholds | Error> {
	const raw = context.getNode().parameters.thresholds;
	const perItem = JSON.stringify(raw ?? {}).includes('"=');
	const read = (itemIndex: number): Thresholds | Error => {
		try {
			const entries = context.getNodeParameter('thresholds.threshold', itemIndex, []) as unknown;
			return readThresholds(entries, 'Thresholds');
		} catch (error) {
			return new NodeOperationError(context.getNode(), (error as Error).message, { itemIndex });
		}
	};
	if (perItem) return Array.from({ length: count }, (_unused, itemIndex) => read(itemIndex));
	const shared = count > 0 ? read(0) : {};
	if (shared instanceof Error) {
		return Array.from({ length: count }, (_unused, itemIndex) => new NodeOperationError(context.getNode(), shared.message, { itemIndex }));
	}
	return Array.from({ length: count }, () => shared);
}

/** The request body for a batch of slots, the same in realtime and batch mode. */
export function moderationBody(settings: Pick<ModerateSettings, 'model' | 'input'>, batch: ModerationSlot[]): IDataObject {
	return settings.input === 'text'
		? (textModerationBody(settings.model, batch.map((slot) => slot.text as string)) as IDataObject)
		: (chatModerationBody(settings.model, batch.map((slot) => slot.conversation as never)) as IDataObject);
}

export const moderationPath = (input: InputKind) => (input === 'text' ? TEXT_MODERATION_PATH : CHAT_MODERATION_PATH);

/** An item's output: the verdict under the item's thresholds, with or without its input fields. */
export function moderatedItem(
	context: IExecuteFunctions,
	itemIndex: number,
	result: ModerationResult,
	thresholds: Thresholds,
	settings: ModerateSettings,
	inputJson: IDataObject,
): ModeratedItem {
	let decision;
	try {
		decision = decide(result, { thresholds, onlyListed: settings.onlyListed }, settings.model);
	} catch (error) {
		throw new NodeOperationError(context.getNode(), (error as Error).message, { itemIndex });
	}
	const verdict: IDataObject = { flagged: decision.flagged, flaggedCategories: decision.flaggedCategories };
	if (settings.simplify) verdict.scores = result.scores;
	else Object.assign(verdict, { scores: result.scores, categories: result.categories, thresholds, model: settings.model });
	const base = settings.keepInput ? inputJson : {};
	return { item: { json: { ...base, [settings.outputField]: verdict }, pairedItem: { item: itemIndex } }, flagged: decision.flagged };
}

/**
 * Routes items to Passed (output 1) and Flagged (output 2). Failed items go with Flagged: nothing
 * unmoderated reaches Passed (with "Continue (using error output)" n8n moves them to its error output).
 */
export function routeOutputs(context: IExecuteFunctions, outcomes: Array<Settled<ModeratedItem> | undefined>, settings: ModerateSettings): INodeExecutionData[][] {
	const single = (outcome: Settled<ModeratedItem>): Settled<INodeExecutionData[]> =>
		outcome.ok ? { ok: true, value: [outcome.value.item] } : outcome;
	const keep = () => settings.keepInput;
	if (settings.asTool) return [collectOutput(context, outcomes.map((outcome) => outcome && single(outcome)), keep), []];
	const flagged = collectOutput(
		context,
		outcomes.map((outcome) => (outcome && (!outcome.ok || outcome.value.flagged) ? single(outcome) : undefined)),
		keep,
	);
	const passed = collectOutput(
		context,
		outcomes.map((outcome) => (outcome?.ok && !outcome.value.flagged ? single(outcome) : undefined)),
		keep,
	);
	return [passed, flagged];
}
