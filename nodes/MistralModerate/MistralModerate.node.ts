import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { mistralNodeMethods } from '../shared/nodeMethods';
import { executeModerate } from './actions/execute';
import { moderateProperties, TOOL_DESCRIPTION } from './description';

export class MistralModerate implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Mistral Moderate',
		name: 'mistralModerate',
		icon: { light: 'file:mistral.svg', dark: 'file:mistral.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter.model?.cachedResultName || $parameter.model?.value || $parameter.model }}',
		description:
			'Check texts or chat messages with Mistral moderation (hate, violence, self-harm, personal data, jailbreaks...) and route them to Passed or Flagged',
		defaults: { name: 'Mistral Moderate' },
		documentationUrl: 'https://github.com/n8n-nodes-mistral/n8n-nodes-mistral/blob/main/README.md#mistral-moderate',
		usableAsTool: {
			replacements: {
				description: TOOL_DESCRIPTION,
			},
		},
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Passed', 'Flagged'],
		credentials: [{ name: 'mistralAiApi', required: true, testedBy: 'mistralAiApiTest' }],
		properties: moderateProperties,
	};

	methods = mistralNodeMethods('moderation');

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeModerate.call(this);
	}
}
