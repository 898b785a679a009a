import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

export class MistralAiApi implements ICredentialType {
	name = 'mistralAiApi';

	displayName = 'Mistral AI API';

	icon: Icon = {
		light: 'file:../nodes/MistralChat/mistral.svg',
		dark: 'file:../nodes/MistralChat/mistral.dark.svg',
	};

	documentationUrl = 'https://docs.mistral.ai/api/';

	properties: INodeProperties[] = [
		{
			// Sits beside n8n's built-in "Mistral Cloud API" in the credential lists: say which is which.
			displayName:
				'For the n8n-nodes-mistral nodes (Mistral Chat, Mistral Embed, Mistral Chat Model, Mistral Embeddings): Mistral\'s API or any OpenAI-compatible server at your Base URL. n8n\'s built-in Mistral nodes use "Mistral Cloud API" instead.',
			name: 'notice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Your key from the Mistral console (La Plateforme, API Keys). Leave empty for a self-hosted server that needs no key.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.mistral.ai/v1',
			placeholder: 'https://api.mistral.ai/v1',
			description:
				'Mistral\'s API, or any OpenAI-compatible server (vLLM, Ollama, LiteLLM, a proxy). Include the version path, e.g. http://localhost:11434/v1.',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '={{ $credentials.apiKey ? "Bearer " + $credentials.apiKey : undefined }}',
			},
		},
	};

	// "Test" is owned by the nodes (testedBy: mistralAiApiTest in nodes/shared/credentialTest.ts): a request-only
	// test cannot explain network failures (n8n shows raw codes such as ECONNREFUSED) nor keep a query-string key in place.
}
