import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeCredentialTestResult,
	INodeExecutionData,
	INodeListSearchResult,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { searchVoices } from '../shared/audio/voices';
import { isBatchProcessing } from '../shared/batch/parameters';
import { testMistralCredential } from '../shared/credentialTest';
import { searchModels } from '../shared/models';
import { executeTranscribeBatch } from './actions/batch';
import { executeSpeak } from './actions/speak';
import { checkAudioOptions, executeTranscribe } from './actions/transcribe';
import { audioProperties } from './description';

export class MistralAudio implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Mistral Audio',
		name: 'mistralAudio',
		icon: { light: 'file:../../icons/mistral.svg', dark: 'file:../../icons/mistral.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter.operation === "speak" ? "Speak" : "Transcribe" }}',
		description: 'Transcribe recordings (voice notes, calls, meetings) and turn text into speech with Mistral Voxtral',
		defaults: { name: 'Mistral Audio' },
		documentationUrl: 'https://github.com/n8n-nodes-mistral/n8n-nodes-mistral/blob/main/README.md#mistral-audio',
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'mistralAiApi', required: true, testedBy: 'mistralAiApiTest' }],
		properties: audioProperties,
	};

	methods = {
		credentialTest: {
			async mistralAiApiTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
				return await testMistralCredential.call(this, credential);
			},
		},
		listSearch: {
			async searchTranscriptionModels(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
				return await searchModels(this, 'transcription', filter);
			},
			async searchSpeechModels(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
				return await searchModels(this, 'speech', filter);
			},
			async searchVoices(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
				return await searchVoices(this, filter);
			},
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const operation = this.getNodeParameter('operation', 0, 'transcribe') as string;
		checkAudioOptions(this, operation === 'speak' ? 'speakOptions' : 'transcribeOptions');
		if (operation === 'speak') return await executeSpeak.call(this);
		if (isBatchProcessing(this)) return await executeTranscribeBatch.call(this);
		return await executeTranscribe.call(this);
	}
}
