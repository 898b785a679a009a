import type { IDataObject, ISupplyDataFunctions } from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import type { MistralEmbedder } from './embedder';

export interface EmbeddingsInterface {
	embedDocuments(texts: string[]): Promise<number[][]>;
	embedQuery(text: string): Promise<number[]>;
}

/**
 * Records each call as n8n records its own sub-nodes' work (what its logWrapper does for LangChain
 * embeddings), so the editor shows the sub-node's input and output and an error on the sub-node.
 */
function isNodeError(error: unknown): error is NodeOperationError {
	return error instanceof Error && typeof (error as { node?: unknown }).node === 'object';
}

/** Past this many numbers the log keeps whole vectors for the first documents only: n8n stores the log with the execution. */
const MAX_LOGGED_NUMBERS = 20_000;

/**
 * The output n8n's own embeddings sub-nodes log, `{ response: vectors }`, whose length the canvas
 * shows on the edge ("50 items" for 50 documents). Over MAX_LOGGED_NUMBERS the later vectors are
 * logged as a short note each, so the list keeps one entry per document and the edge still counts
 * the documents; every vector went to the vector store.
 */
export function loggedVectors(vectors: number[][]): IDataObject {
	const dimensions = vectors[0]?.length ?? 0;
	if (vectors.length * dimensions <= MAX_LOGGED_NUMBERS) return { response: vectors };
	const shown = Math.max(1, Math.floor(MAX_LOGGED_NUMBERS / Math.max(1, dimensions)));
	return {
		response: vectors.map((vector, index) => (index < shown ? vector : `vector of ${vector.length} numbers (not kept in this log)`)),
		vectors: vectors.length,
		dimensions,
		note: `The first ${shown} of ${vectors.length} vectors are shown whole here; all of them went to the vector store`,
	};
}

export function withExecutionLog(context: ISupplyDataFunctions, embedder: MistralEmbedder): EmbeddingsInterface {
	const connection = NodeConnectionTypes.AiEmbedding;
	async function logged<T>(
		input: IDataObject,
		event: 'ai-document-embedded' | 'ai-query-embedded',
		run: () => Promise<T>,
		describe: (response: T) => IDataObject,
	): Promise<T> {
		const { index } = context.addInputData(connection, [[{ json: input }]]);
		let response: T;
		try {
			response = await run();
		} catch (error) {
			// n8n's own errors (with the node, message and description the transport gave them) pass as they are.
			const failure = error instanceof NodeOperationError || isNodeError(error) ? error : new NodeOperationError(context.getNode(), error as Error);
			context.addOutputData(connection, index, failure);
			throw failure;
		}
		context.logAiEvent?.(event);
		context.addOutputData(connection, index, [[{ json: describe(response) }]]);
		return response;
	}
	return {
		embedDocuments: async (texts) =>
			await logged({ documents: texts }, 'ai-document-embedded', async () => await embedder.embedDocuments(texts), loggedVectors),
		embedQuery: async (text) =>
			await logged({ query: text }, 'ai-query-embedded', async () => await embedder.embedQuery(text), (vector) => ({ response: vector })),
	};
}
