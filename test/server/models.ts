/**
 * Model lists served by the test server's GET /v1/models.
 *  - 'mistral': cards shaped like Mistral's BaseModelCard (capabilities, max_context_length,
 *    aliases, default_model_temperature, type 'base'), with dated ids beside their -latest aliases.
 *  - 'bare': OpenAI-compatible cards {id, object, created, owned_by} without capabilities, as a
 *    vLLM / LiteLLM style server returns them. There, a model is an embedding model iff its id
 *    contains "embed".
 */

export interface ModelCapabilities {
	completion_chat: boolean;
	function_calling: boolean;
	reasoning: boolean;
	completion_fim: boolean;
	fine_tuning: boolean;
	vision: boolean;
	ocr: boolean;
	classification: boolean;
	moderation: boolean;
	audio: boolean;
	audio_transcription: boolean;
	audio_transcription_realtime: boolean;
	audio_speech: boolean;
	unified_resources: boolean;
}

export interface ModelCard {
	id: string;
	object: 'model';
	created: number;
	owned_by: string;
	capabilities?: ModelCapabilities;
	name?: string | null;
	description?: string | null;
	max_context_length?: number;
	aliases?: string[];
	deprecation?: string | null;
	deprecation_replacement_model?: string | null;
	default_model_temperature?: number | null;
	type?: 'base';
}

const CREATED = 1750000000;

function caps(partial: Partial<ModelCapabilities>): ModelCapabilities {
	return {
		completion_chat: false,
		function_calling: false,
		reasoning: false,
		completion_fim: false,
		fine_tuning: false,
		vision: false,
		ocr: false,
		classification: false,
		moderation: false,
		audio: false,
		audio_transcription: false,
		audio_transcription_realtime: false,
		audio_speech: false,
		unified_resources: false,
		...partial,
	};
}

interface Family {
	ids: string[]; // first id is the dated one; the others are aliases
	name: string;
	description: string;
	capabilities: ModelCapabilities;
	context: number;
	temperature: number | null;
}

const CHAT = { completion_chat: true, function_calling: true };

const FAMILIES: Family[] = [
	{
		ids: ['mistral-small-2506', 'mistral-small-latest'],
		name: 'Mistral Small 3.2',
		description: 'Efficient multimodal model',
		capabilities: caps({ ...CHAT, fine_tuning: true, vision: true }),
		context: 131072,
		temperature: 0.3,
	},
	{
		ids: ['mistral-medium-2508', 'mistral-medium-latest'],
		name: 'Mistral Medium 3.1',
		description: 'Frontier-class multimodal model',
		capabilities: caps({ ...CHAT, vision: true }),
		context: 131072,
		temperature: 0.3,
	},
	{
		ids: ['mistral-large-2411', 'mistral-large-latest'],
		name: 'Mistral Large 2.1',
		description: 'Top-tier text model',
		capabilities: caps({ ...CHAT, fine_tuning: true }),
		context: 131072,
		temperature: 0.7,
	},
	{
		ids: ['pixtral-12b-2409', 'pixtral-12b-latest', 'pixtral-12b'],
		name: 'Pixtral 12B',
		description: 'Vision model',
		capabilities: caps({ ...CHAT, vision: true }),
		context: 131072,
		temperature: 0.3,
	},
	{
		ids: ['magistral-medium-2509', 'magistral-medium-latest'],
		name: 'Magistral Medium 1.2',
		description: 'Reasoning model',
		capabilities: caps({ ...CHAT, reasoning: true, vision: true }),
		context: 131072,
		temperature: 0.7,
	},
	{
		ids: ['magistral-small-2509', 'magistral-small-latest'],
		name: 'Magistral Small 1.2',
		description: 'Small reasoning model',
		capabilities: caps({ ...CHAT, reasoning: true, vision: true }),
		context: 131072,
		temperature: 0.7,
	},
	{
		ids: ['open-mistral-nemo-2407', 'open-mistral-nemo'],
		name: 'Mistral Nemo',
		description: 'Open 12B model',
		capabilities: caps({ ...CHAT, fine_tuning: true }),
		context: 131072,
		temperature: 0.3,
	},
	{
		ids: ['ministral-8b-2410', 'ministral-8b-latest'],
		name: 'Ministral 8B',
		description: 'Edge model',
		capabilities: caps({ ...CHAT }),
		context: 131072,
		temperature: 0.3,
	},
	{
		ids: ['codestral-2508', 'codestral-latest'],
		name: 'Codestral',
		description: 'Code model with fill-in-the-middle',
		capabilities: caps({ ...CHAT, completion_fim: true }),
		context: 256000,
		temperature: 0.3,
	},
	{
		ids: ['mistral-moderation-2411', 'mistral-moderation-latest'],
		name: 'Mistral Moderation',
		description: 'Moderation classifier',
		capabilities: caps({ moderation: true, classification: true }),
		context: 8192,
		temperature: null,
	},
	{
		ids: ['mistral-moderation-2603'],
		name: 'Mistral Moderation 2603',
		description: 'Moderation classifier (dangerous, criminal and jailbreaking categories)',
		capabilities: caps({ moderation: true, classification: true }),
		context: 32768,
		temperature: null,
	},
	{
		ids: ['mistral-ocr-2505', 'mistral-ocr-latest'],
		name: 'Mistral OCR',
		description: 'Document OCR',
		capabilities: caps({ ocr: true }),
		context: 32768,
		temperature: null,
	},
	{
		ids: ['mistral-embed-2312', 'mistral-embed'],
		name: 'Mistral Embed',
		description: 'Text embeddings, 1024 dimensions',
		capabilities: caps({}),
		context: 8192,
		temperature: null,
	},
	{
		ids: ['codestral-embed-2505', 'codestral-embed'],
		name: 'Codestral Embed',
		description: 'Code embeddings, 1536 dimensions by default (up to 3072)',
		capabilities: caps({}),
		context: 8192,
		temperature: null,
	},
];

export function mistralCards(): ModelCard[] {
	const cards: ModelCard[] = [];
	for (const family of FAMILIES) {
		for (const id of family.ids) {
			cards.push({
				id,
				object: 'model',
				created: CREATED,
				owned_by: 'mistralai',
				capabilities: { ...family.capabilities },
				name: family.name,
				description: family.description,
				max_context_length: family.context,
				aliases: family.ids.filter((other) => other !== id),
				deprecation: null,
				deprecation_replacement_model: null,
				default_model_temperature: family.temperature,
				type: 'base',
			});
		}
	}
	return cards;
}

export function bareCards(): ModelCard[] {
	return [
		{ id: 'mistral-small-latest', object: 'model', created: CREATED, owned_by: 'mistralai' },
		{ id: 'mistral-large-latest', object: 'model', created: CREATED, owned_by: 'mistralai' },
		{ id: 'llama-3.1-8b-instruct', object: 'model', created: CREATED, owned_by: 'local' },
		{ id: 'mistral-embed', object: 'model', created: CREATED, owned_by: 'mistralai' },
		{ id: 'nomic-embed-text-v1.5', object: 'model', created: CREATED, owned_by: 'local' },
	];
}

export function isEmbeddingModel(card: ModelCard): boolean {
	return card.id.includes('embed');
}

export function isChatModel(card: ModelCard): boolean {
	if (card.capabilities) return card.capabilities.completion_chat;
	return !isEmbeddingModel(card);
}

/** Context window used for the "prompt too large" 400 (32768 for bare cards). */
export function contextLength(card: ModelCard): number {
	return card.max_context_length ?? 32768;
}

/** Default and maximum embedding dimension of a model, before ServerOptions.embeddingDimension. */
export function embeddingDimensions(modelId: string): { default: number; max: number } {
	if (modelId.startsWith('codestral-embed')) return { default: 1536, max: 3072 };
	if (modelId.startsWith('mistral-embed')) return { default: 1024, max: 1024 };
	return { default: 1024, max: 3072 };
}
