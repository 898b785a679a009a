import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeExecutionData,
	INodeCredentialTestResult,
	INodeListSearchResult,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { testMistralCredential } from '../shared/credentialTest';
import { searchModels } from '../shared/models';
import { executeEmbed } from './actions/execute';
import { embedProperties } from './description';

export class MistralEmbed implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Mistral Embed',
		name: 'mistralEmbed',
		icon: { light: 'file:mistral.svg', dark: 'file:mistral.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter.model?.cachedResultName || $parameter.model?.value || $parameter.model }}',
		description:
			'Turn each item\'s text into a vector with Mistral (or any OpenAI-compatible server), batched under the token limit, for vector stores and search',
		defaults: { name: 'Mistral Embed' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		// The nodes own the credential's test, so it can explain network failures too (credentialTest below).
		credentials: [{ name: 'mistralAiApi', required: true, testedBy: 'mistralAiApiTest' }],
		properties: embedProperties,
	};

	methods = {
		credentialTest: {
			async mistralAiApiTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
				return await testMistralCredential.call(this, credential);
			},
		},
		listSearch: {
			async searchModels(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
				return await searchModels(this, 'embed', filter);
			},
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeEmbed.call(this);
	}
}
