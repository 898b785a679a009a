import type { INodeProperties } from 'n8n-workflow';

import {
	batchSizeOption,
	DEFAULT_EMBED_TIMEOUT_S,
	maxTokensPerRequestOption,
	vectorTransportOption,
} from '../MistralEmbed/description';
import { transportOptions } from '../shared/commonOptions';
import { modelParameter } from '../shared/models';
import { editorBounds } from '../shared/optionRanges';

export const embeddingsProperties: INodeProperties[] = [
	{
		// n8n's own wording and class: the editor hides this hint once the node's output is connected.
		displayName:
			"To use these embeddings, connect them to a vector store; insert and search with the same model. <a data-action='openSelectiveNodeCreator' data-action-parameter-connectiontype='ai_vectorStore'>Insert one</a>",
		name: 'notice',
		type: 'notice',
		default: '',
		typeOptions: { containerClass: 'ndv-connection-hint-notice' },
	},
	modelParameter('mistral-embed', 'searchModels', 'embedding'),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			batchSizeOption,
			maxTokensPerRequestOption,
			{
				displayName: 'Output Dimension',
				name: 'outputDimension',
				type: 'number',
				typeOptions: editorBounds('outputDimension'),
				default: 1024,
				description: 'Length of each vector, for models that support it (e.g. codestral-embed up to 3072). Insert and search must use the same.',
			},
			vectorTransportOption,
			...transportOptions(4, 'Vectors keep the order of the documents whatever this is', DEFAULT_EMBED_TIMEOUT_S),
		],
	},
];
