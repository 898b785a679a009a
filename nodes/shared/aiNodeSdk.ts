import type { INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

type AiNodeSdk = typeof import('@n8n/ai-node-sdk');

/**
 * Loads n8n's SDK for community AI nodes, which n8n provides from 2.16 on. Only the AI sub-nodes call
 * this, when they run, so the regular nodes keep working on an n8n that has no SDK.
 */
export function loadAiNodeSdk(node: INode): AiNodeSdk {
	try {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		return require('@n8n/ai-node-sdk') as AiNodeSdk;
	} catch (error) {
		const notFound = (error as { code?: unknown }).code === 'MODULE_NOT_FOUND';
		throw new NodeOperationError(
			node,
			notFound
				? `"${node.name}" needs n8n 2.16 or newer: it uses n8n's AI node SDK (@n8n/ai-node-sdk), which this n8n does not have`
				: `"${node.name}" could not load n8n's AI node SDK (@n8n/ai-node-sdk): ${(error as Error).message}`,
			{
				description:
					'Update n8n to use the Mistral Chat Model with the AI Agent. The Mistral Chat and Mistral Embed nodes, and the Mistral Embeddings sub-node, work on any n8n version.',
			},
		);
	}
}
