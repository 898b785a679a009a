import type { IDataObject, IExecuteFunctions, INode, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { Settled } from './concurrency';
import { runsOnN8nV1 } from './n8nVersion';
import { optionError } from './nodeOptions';
import { OptionValueError } from './optionRanges';

/** Each input item's outcome: its output items or its error; undefined once the node stops early. */
export type ItemOutcomes = Array<Settled<INodeExecutionData[]> | undefined>;

/** Runs `produce` for one item and keeps its items or its error. */
export function settle(produce: () => INodeExecutionData[]): Settled<INodeExecutionData[]> {
	try {
		return { ok: true, value: produce() };
	} catch (error) {
		return { ok: false, error };
	}
}

/**
 * One item's failure as n8n's error that names the item: the package's own kinds (InputError,
 * AnswerError, nodes/shared/errors.ts) and any other error, by its message.
 */
export function itemError(node: INode, error: unknown, itemIndex: number, description?: string): NodeOperationError {
	if (error instanceof NodeOperationError) return error;
	if (error instanceof OptionValueError) return optionError(node, error, itemIndex);
	return new NodeOperationError(node, error instanceof Error ? error.message : String(error), { itemIndex, description });
}

/** Appends the item index to a message once, in n8n's "[item N]" form. */
function withItemIndex(message: string, itemIndex: number): string {
	return /\[item \d+\]$/.test(message) ? message : `${message} [item ${itemIndex}]`;
}

/** The `json` of an error item for "Continue On Fail": the message, what to do, and the HTTP code. */
function errorJson(error: unknown, itemIndex: number): IDataObject {
	const details = error as { message?: string; description?: string | null; httpCode?: string | null };
	const json: IDataObject = { error: withItemIndex(details.message ?? String(error), itemIndex) };
	if (details.description) json.errorDescription = details.description;
	if (details.httpCode) json.httpCode = details.httpCode;
	return json;
}

/**
 * The `json` of an error item for "Continue (using error output)". n8n tells error items from results
 * by a json that holds nothing but `error`, `message` and `details`, and adds the input item's fields
 * itself, so what to do and the HTTP code go under `details`. n8n 1.x accepts only `error` and
 * `message` (anything else sends the item to the success output), so there they share `message`.
 */
export function errorOutputJson(error: unknown, itemIndex: number, n8nV1 = runsOnN8nV1()): IDataObject {
	const { error: message, ...details } = errorJson(error, itemIndex);
	if (Object.keys(details).length === 0) return { error: message };
	if (!n8nV1) return { error: message, details };
	const httpCode = details.httpCode ? `HTTP ${String(details.httpCode)}` : '';
	const text = [details.errorDescription, httpCode].filter(Boolean).join(' ');
	return { error: message, message: text };
}

/** Makes sure the error that stops the node names the item it came from. */
export function stopError(context: IExecuteFunctions, error: unknown, itemIndex: number): Error {
	if (error instanceof Error) {
		error.message = withItemIndex(error.message, itemIndex);
		const withContext = error as Error & { context?: Record<string, unknown> };
		if (withContext.context) withContext.context.itemIndex = itemIndex;
		return error;
	}
	return new NodeOperationError(context.getNode(), withItemIndex(String(error), itemIndex), { itemIndex });
}

/**
 * Turns per-item outcomes into the node's output in input order: results as produced, failures as
 * error items with Continue On Fail, otherwise the first failure stops the node. With
 * `keepInputFields`, an error item carries the input item's fields too, so the row stays known.
 */
export function collectOutput(
	context: IExecuteFunctions,
	outcomes: ItemOutcomes,
	keepInputFields: (itemIndex: number) => boolean = () => false,
): INodeExecutionData[] {
	const continueOnFail = context.continueOnFail();
	const toErrorOutput = context.getNode().onError === 'continueErrorOutput';
	const items = context.getInputData();
	const output: INodeExecutionData[] = [];
	outcomes.forEach((outcome, itemIndex) => {
		// Left undefined only after a failure that stops the node below.
		if (outcome === undefined) return;
		if (outcome.ok) {
			for (const item of outcome.value) output.push(item);
			return;
		}
		if (!continueOnFail) throw stopError(context, outcome.error, itemIndex);
		if (toErrorOutput) {
			output.push({ json: errorOutputJson(outcome.error, itemIndex), pairedItem: { item: itemIndex } });
			return;
		}
		const fields = keepInputFields(itemIndex) ? items[itemIndex]?.json : undefined;
		output.push({ json: { ...fields, ...errorJson(outcome.error, itemIndex) }, pairedItem: { item: itemIndex } });
	});
	return output;
}
