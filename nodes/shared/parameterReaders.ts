import type { IBinaryData, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { InputError } from './errors';

/**
 * Reads a per-item string parameter for every item. n8n evaluates an expression per item through
 * its sandbox (~60 µs each). For the common plain field mapping `{{ $json.name }}` the value is the
 * item's own field, so it is read directly; any other expression or literal goes through n8n as usual.
 */
export function itemFieldReader(context: IExecuteFunctions, items: INodeExecutionData[], parameter: string): (itemIndex: number) => unknown {
	const raw = context.getNode().parameters[parameter];
	const plainField = typeof raw === 'string' ? /^=\{\{\s*\$json\.([A-Za-z_$][\w$]*)\s*\}\}$/.exec(raw) : null;
	if (plainField) {
		const field = plainField[1];
		return (itemIndex) => items[itemIndex].json[field];
	}
	return (itemIndex) => context.getNodeParameter(parameter, itemIndex, '');
}

/** The item's binary property `property`, or an InputError naming `label` and the properties the item has. */
export function itemBinary(context: IExecuteFunctions, itemIndex: number, property: string, label: string): IBinaryData {
	const binaries = context.getInputData()[itemIndex]?.binary ?? {};
	const binary = binaries[property];
	if (binary) return binary;
	const available = Object.keys(binaries);
	throw new InputError(`${label} is missing from the input item${available.length ? `; it has ${available.map((name) => `"${name}"`).join(', ')}` : '; it has no binary data'}`);
}
