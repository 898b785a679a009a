import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
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

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{ $credentials.baseUrl.trim().replace(/\\/+$/, "") }}',
			url: '/models',
			method: 'GET',
		},
		// n8n's credential tester reads both kinds of rule from one list; the type allows only one kind.
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message: 'The API key was rejected (401). Copy a current key from the Mistral console.',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 404,
					message: 'No model list at this Base URL (404). Check the URL: it usually ends in /v1.',
				},
			},
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'data',
					value: undefined,
					message:
						'The server answered, but not with a model list. Check the Base URL: it is the API root, usually ending in /v1.',
				},
			},
		] as ICredentialTestRequest['rules'],
	};
}
