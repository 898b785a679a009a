import type { ILoadOptionsFunctions, INodeListSearchItems, INodeListSearchResult, INodeProperties } from 'n8n-workflow';

import { MistralClient } from './transport/client';

export type ModelPurpose = 'chat' | 'embed' | 'moderation' | 'ocr';

export interface ModelCard {
	id: string;
	description?: string | null;
	capabilities?: { completion_chat?: boolean; [capability: string]: unknown } | null;
	deprecation?: string | null;
}

const isEmbeddingId = (id: string) => /embed/i.test(id);

function isModelCard(entry: unknown): entry is ModelCard {
	if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return false;
	const { id } = entry as Record<string, unknown>;
	return typeof id === 'string' && id.trim() !== '';
}

/**
 * Chooses and orders the models to offer (pure). Mistral's cards carry `capabilities`; servers such as
 * vLLM, Ollama or LiteLLM send none, and then every model is offered.
 */
export function selectModels(entries: readonly unknown[], purpose: ModelPurpose, filter?: string): ModelCard[] {
	const needle = filter?.trim().toLowerCase() ?? '';
	// Entries of another shape (null, a string, no id) are skipped: one bad entry must not hide the others.
	const cards = entries.filter((entry): entry is ModelCard => isModelCard(entry));
	const anyCapabilities = cards.some((card) => card.capabilities && typeof card.capabilities === 'object');
	const unique = new Map<string, ModelCard>();
	for (const card of cards) if (!unique.has(card.id)) unique.set(card.id, card);

	let chosen = [...unique.values()].filter((card) => needle === '' || card.id.toLowerCase().includes(needle));
	if (purpose === 'chat' && anyCapabilities) {
		chosen = chosen.filter((card) => typeof card.capabilities === 'object' && card.capabilities?.completion_chat === true && !isEmbeddingId(card.id));
	}
	if (purpose === 'embed' && anyCapabilities) {
		// Mistral marks no capability for embedding; its embedding models have "embed" in the id.
		chosen = chosen.filter((card) => isEmbeddingId(card.id));
	}
	if (purpose === 'moderation' && anyCapabilities) {
		chosen = chosen.filter((card) => card.capabilities?.moderation === true || /moderation/i.test(card.id));
	}
	if (purpose === 'ocr') {
		// Mistral marks OCR models with the `ocr` capability; a server without capabilities: ids naming "ocr".
		chosen = chosen.filter((card) => (anyCapabilities ? card.capabilities?.ocr === true : /ocr/i.test(card.id)));
	}
	return chosen.sort((a, b) => {
		if (purpose === 'embed' && isEmbeddingId(a.id) !== isEmbeddingId(b.id)) return isEmbeddingId(a.id) ? -1 : 1;
		return a.id.localeCompare(b.id);
	});
}

export async function searchModels(
	context: ILoadOptionsFunctions,
	purpose: ModelPurpose,
	filter?: string,
): Promise<INodeListSearchResult> {
	const client = new MistralClient(context, { timeoutMs: 30_000, maxRetries: 2 });
	const response = await client.get<{ data?: unknown } | null>('/models');
	const cards = Array.isArray(response?.data) ? response.data : [];
	const results: INodeListSearchItems[] = selectModels(cards, purpose, filter).map((card) => ({
		name: card.deprecation ? `${card.id} (deprecated)` : card.id,
		value: card.id,
		description: typeof card.description === 'string' ? card.description : undefined,
	}));
	return { results };
}

/** The resource-locator parameter both nodes use for the model. */
export function modelParameter(defaultModel: string, searchMethod: string, what: string): INodeProperties {
	return {
		displayName: 'Model',
		name: 'model',
		type: 'resourceLocator',
		default: { mode: 'list', value: defaultModel },
		required: true,
		description: `The ${what} model to use. "From List" asks the server (Mistral or any OpenAI-compatible one) for its models.`,
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: searchMethod, searchable: true },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: defaultModel,
				hint: 'Any model ID the server knows, e.g. a fine-tuned model or a self-hosted one',
			},
		],
	};
}
