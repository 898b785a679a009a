import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

/**
 * Whether an AI Agent runs this node as one of its tools ("Mistral Chat Tool"): then the input item
 * holds the agent's own arguments, the answer goes to the agent (never to the user's stream), and
 * batch mode is off. n8n says so three ways, depending on its version and on how the tool was
 * attached: the tool variant's type name, isToolExecution(), and the output log rewired to a tool's.
 */
export function runsAsAgentTool(context: IExecuteFunctions): boolean {
	const node = context.getNode();
	if (node.type.endsWith('Tool')) return true;
	if (typeof context.isToolExecution === 'function' && context.isToolExecution()) return true;
	return node.rewireOutputLogTo === NodeConnectionTypes.AiTool;
}
