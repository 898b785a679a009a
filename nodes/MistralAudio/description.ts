import type { INodeProperties } from 'n8n-workflow';

import { ACCEPTED_AUDIO_LABELS } from '../shared/audio/formats';
import { processingProperties } from '../shared/batch/parameters';
import { transportOptions } from '../shared/commonOptions';
import { modelParameter } from '../shared/models';

export const DEFAULT_AUDIO_CONCURRENCY = 4;
/** An hour of audio takes a while to transcribe. */
export const DEFAULT_AUDIO_TIMEOUT_S = 600;

const transcribe = { operation: ['transcribe'] };
const speak = { operation: ['speak'] };

/** Batch mode is for Transcribe only: the batch settings show there. */
const transcribeProcessing: INodeProperties[] = processingProperties('recordings').map((property) => ({
	...property,
	displayOptions: {
		...property.displayOptions,
		show: { ...property.displayOptions?.show, ...transcribe },
	},
}));

export const audioProperties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		default: 'transcribe',
		options: [
			{
				name: 'Transcribe',
				value: 'transcribe',
				action: 'Transcribe a recording',
				description: 'Turn a recording into text, with timestamps and speakers if asked (Voxtral)',
			},
			{
				name: 'Speak',
				value: 'speak',
				action: 'Turn text into speech',
				description: 'Turn text into an audio file in the chosen voice and format (Voxtral TTS)',
			},
		],
	},

	// ----- Transcribe -------------------------------------------------------------------------------
	{ ...modelParameter('voxtral-mini-latest', 'searchTranscriptionModels', 'transcription'), displayOptions: { show: transcribe } },
	...transcribeProcessing,
	{
		displayName: 'Audio Source',
		name: 'audioSource',
		type: 'options',
		default: 'binary',
		description: 'Where the recording comes from',
		displayOptions: { show: transcribe },
		options: [
			{ name: 'Binary Property', value: 'binary', description: `A file in the input item (${ACCEPTED_AUDIO_LABELS})` },
			{ name: 'URL', value: 'url', description: 'An http(s) link Mistral downloads itself' },
		],
	},
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		description: 'Name of the binary property of the input item that holds the recording',
		hint: 'The type is read from the file\'s bytes, not its name: a Telegram voice note (.oga) or a WhatsApp .opus works as is',
		displayOptions: { show: { ...transcribe, audioSource: ['binary'] } },
	},
	{
		displayName: 'Audio URL',
		name: 'audioUrl',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'https://example.com/call.mp3',
		description: 'Public http(s) URL of the recording; Mistral downloads it',
		displayOptions: { show: { ...transcribe, audioSource: ['url'] } },
	},
	{
		displayName: 'Options',
		name: 'transcribeOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: transcribe },
		options: [
			{
				displayName: 'Context Bias',
				name: 'contextBias',
				type: 'string',
				default: '',
				placeholder: 'e.g. Voxtral, Kubernetes, Dr_Okafor',
				description: 'Words the recording is likely to contain (names, jargon), separated by commas; up to 100, each a single word',
			},
			{
				displayName: 'Include Input Fields',
				name: 'includeInputFields',
				type: 'boolean',
				default: true,
				description: 'Whether the output item keeps the input item\'s fields (e.g. a chat ID to reply to) beside the transcript',
			},
			{
				displayName: 'Language',
				name: 'language',
				type: 'string',
				default: '',
				placeholder: 'e.g. en',
				description: 'Two-letter code of the spoken language (ISO 639-1). Empty: Mistral detects it. Cannot be combined with timestamps.',
			},
			{
				displayName: 'Speaker Labels (Diarize)',
				name: 'diarize',
				type: 'boolean',
				default: false,
				description: 'Whether to tell speakers apart: each segment gets a "speaker" and the item lists the "speakers"',
			},
			{
				displayName: 'Temperature',
				name: 'temperature',
				type: 'number',
				typeOptions: { minValue: 0, numberPrecision: 2 },
				default: 0,
				description: 'Sampling temperature; 0 gives the most literal transcript',
			},
			{
				displayName: 'Timestamps',
				name: 'timestamps',
				type: 'options',
				default: 'none',
				description: 'Whether the output lists the transcript in timed pieces ("segments", with start and end in seconds)',
				options: [
					{ name: 'None', value: 'none', description: 'Text only' },
					{ name: 'Per Segment', value: 'segment', description: 'One entry per phrase, e.g. for subtitles' },
					{ name: 'Per Word', value: 'word', description: 'One entry per word' },
				],
			},
			...transportOptions(DEFAULT_AUDIO_CONCURRENCY, 'Each recording is one request', DEFAULT_AUDIO_TIMEOUT_S),
		],
	},

	// ----- Speak ------------------------------------------------------------------------------------
	{ ...modelParameter('voxtral-mini-tts-latest', 'searchSpeechModels', 'text-to-speech'), displayOptions: { show: speak } },
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '={{ $json.text }}',
		required: true,
		description: 'The words to speak',
		hint: 'Spell out numbers and abbreviations as they should sound; keep it under about 300 words per item',
		displayOptions: { show: speak },
	},
	{
		displayName: 'Voice',
		name: 'voice',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		description: 'The preset or custom voice. Leave empty to use the server\'s default voice or a Reference Audio clip.',
		displayOptions: { show: speak },
		modes: [
			{ displayName: 'From List', name: 'list', type: 'list', typeOptions: { searchListMethod: 'searchVoices', searchable: true } },
			{ displayName: 'By ID', name: 'id', type: 'string', placeholder: 'e.g. 8c1a0e6e-…', hint: 'A voice ID from the Mistral console' },
		],
	},
	{
		displayName: 'Audio Format',
		name: 'audioFormat',
		type: 'options',
		default: 'mp3',
		description: 'Format of the audio file',
		displayOptions: { show: speak },
		options: [
			{ name: 'FLAC', value: 'flac', description: 'Lossless compression' },
			{ name: 'MP3', value: 'mp3', description: 'Plays everywhere; Telegram "Send Audio", email attachments' },
			{ name: 'Opus (Ogg)', value: 'opus', description: 'Small; Telegram and WhatsApp voice notes' },
			{ name: 'PCM (Raw Float32)', value: 'pcm', description: 'Raw samples without a header, for audio pipelines; most players cannot open it' },
			{ name: 'WAV', value: 'wav', description: 'Uncompressed, highest quality' },
		],
	},
	{
		displayName: 'Put Output in Field',
		name: 'outputBinaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		description: 'Name of the binary property the audio goes to (Telegram and Send Email read "data" by default)',
		displayOptions: { show: speak },
	},
	{
		displayName: 'Options',
		name: 'speakOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: speak },
		options: [
			{
				displayName: 'File Name',
				name: 'fileName',
				type: 'string',
				default: 'speech',
				description: 'Name of the audio file, without extension (the format adds it)',
			},
			{
				displayName: 'Reference Audio Field',
				name: 'refAudioProperty',
				type: 'string',
				default: '',
				placeholder: 'e.g. voiceSample',
				description: 'Binary property of the input item with a short clip of the voice to imitate (instead of a saved voice)',
			},
			...transportOptions(DEFAULT_AUDIO_CONCURRENCY, 'Each text is one request', DEFAULT_AUDIO_TIMEOUT_S),
		],
	},
];
