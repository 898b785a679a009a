/** n8n glue for the option table (optionRanges.ts): reads a node's settings and checks them before any request. */
import type { IDataObject, IExecuteFunctions, ISupplyDataFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { checkOptions, OPTION_RULES, type OptionName, OptionValueError } from './optionRanges';

type NodeContext = IExecuteFunctions | ISupplyDataFunctions;

/** The transport options every node has in its "Options" collection. */
export const TRANSPORT_OPTIONS: readonly OptionName[] = ['maxConcurrency', 'maxRetries', 'maxAmbiguousRetries', 'timeout'];
/** The Batch API settings beside "Processing". */
export const BATCH_PARAMETERS: readonly OptionName[] = ['processing', 'batchMode', 'maxWaitMinutes', 'jobTimeoutHours'];

/** An OptionValueError as the error n8n shows (message, and what to do); any other error as it is. */
export function asNodeError(context: NodeContext, error: unknown, itemIndex?: number): unknown {
	if (!(error instanceof OptionValueError)) return error;
	const { displayName } = OPTION_RULES[error.option];
	return new NodeOperationError(context.getNode(), error.message, {
		itemIndex,
		description: `Set "${displayName}" to a value in that range. An expression in that field must give such a value too; nothing was sent to the server.`,
	});
}

/**
 * Checks, for one item, the node's own parameters `parameters` and the entries `options` of its
 * "Options" collection against the option table. Throws the first problem as a NodeOperationError;
 * call it before the first request.
 */
export function checkNodeOptions(
	context: NodeContext,
	itemIndex: number,
	parameters: readonly OptionName[],
	options: readonly OptionName[],
): void {
	try {
		const values: IDataObject = {};
		for (const name of parameters) {
			// null as the fallback: n8n throws for a parameter the node does not show unless one is given.
			const value = context.getNodeParameter(name, itemIndex, null) as unknown;
			if (value !== null) values[name] = value as IDataObject[string];
		}
		checkOptions(values, parameters);
		checkOptions((context.getNodeParameter('options', itemIndex, {}) as IDataObject) ?? {}, options);
	} catch (error) {
		throw asNodeError(context, error, itemIndex);
	}
}
