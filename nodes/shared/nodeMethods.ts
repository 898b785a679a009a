import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	ILoadOptionsFunctions,
	INodeCredentialTestResult,
	INodeListSearchResult,
} from 'n8n-workflow';

import { CREDENTIAL_TEST_METHOD, testMistralCredential } from './credentialTest';
import { type ModelPurpose, searchModels } from './models';

/**
 * The `methods` of every node of the package: the credential test (owned by the nodes, so it can
 * explain network failures too) and the model list for `purpose`. Each node's description names the
 * test literally (`testedBy: 'mistralAiApiTest'`): n8n's linter reads it there.
 */
export function mistralNodeMethods(purpose: ModelPurpose) {
	return {
		credentialTest: {
			async [CREDENTIAL_TEST_METHOD](this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
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
