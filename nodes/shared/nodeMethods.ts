import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	ILoadOptionsFunctions,
	INodeCredentialTestResult,
	INodeListSearchResult,
} from 'n8n-workflow';

import { testMistralCredential } from './credentialTest';
import { type ModelPurpose, searchModels } from './models';

/**
 * The `methods` of every node of the package: the credential test (each node names it with
 * `testedBy: 'mistralAiApiTest'`, so it can explain network failures too) and the model list for `purpose`.
 */
export function mistralNodeMethods(purpose: ModelPurpose) {
	return {
		credentialTest: {
			async mistralAiApiTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
				return await testMistralCredential.call(this, credential);
			},
		},
		listSearch: {
			async searchModels(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
				return await searchModels(this, purpose, filter);
			},
		},
	};
}
