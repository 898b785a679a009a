/** Mistral Audio → Transcribe (realtime): one multipart request per item, in order, with bounded concurrency. */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import {
	type AudioSource,
	audioFromBytes,
	audioFromUrl,
	checkSettings,
	readContextBias,
	readFlag,
	readGranularities,
	readLanguage,
	readTemperature,
	readTranscript,
	type Transcript,
	transcriptionFields,
	type TranscriptionSettings,
} from '../../shared/audio/transcription';
import { readTransportOptions } from '../../shared/commonOptions';
import { asNodeError, BATCH_PARAMETERS, checkNodeOptions, TRANSPORT_OPTIONS } from '../../shared/nodeOptions';
import { checkOptions } from '../../shared/optionRanges';
import { settleWithConcurrency } from '../../shared/concurrency';
import { collectOutput } from '../../shared/itemResults';
import { itemBinary } from '../../shared/parameterReaders';
import { describeStats, MistralClient } from '../../shared/transport/client';
import { multipartBody } from '../../shared/transport/multipart';
import { DEFAULT_AUDIO_CONCURRENCY, DEFAULT_AUDIO_TIMEOUT_S } from '../description';

export function problem(context: IExecuteFunctions, error: unknown, itemIndex: number): NodeOperationError {
	return error instanceof NodeOperationError
		? error
		: new NodeOperationError(context.getNode(), error instanceof Error ? error.message : String(error), { itemIndex });
}

export function transcribeOptions(context: IExecuteFunctions, itemIndex: number): IDataObject {
	return (context.getNodeParameter('transcribeOptions', itemIndex, {}) as IDataObject) ?? {};
}

export function readSettings(context: IExecuteFunctions, itemIndex: number): TranscriptionSettings {
	const options = transcribeOptions(context, itemIndex);
	return checkSettings({
		model: context.getNodeParameter('model', itemIndex, '', { extractValue: true }) as string,
		language: readLanguage(options.language),
		temperature: readTemperature(options.temperature),
		diarize: readFlag(options.diarize, 'Speaker Labels (Diarize)'),
		timestampGranularities: readGranularities(options.timestamps),
		contextBias: readContextBias(options.contextBias),
	});
}

/** The item's recording: its binary file (checked by its bytes) or its URL. */
export async function readSource(context: IExecuteFunctions, itemIndex: number): Promise<AudioSource> {
	const sourceKind = context.getNodeParameter('audioSource', itemIndex, 'binary');
	if (sourceKind !== 'url' && sourceKind !== 'binary') {
		throw new NodeOperationError(context.getNode(), `"Audio Source" is ${JSON.stringify(sourceKind)}; use "binary" or "url"`, { itemIndex });
	}
	if (sourceKind === 'url') return audioFromUrl(context.getNodeParameter('audioUrl', itemIndex, ''), '"Audio URL"');
	const rawName = context.getNodeParameter('binaryPropertyName', itemIndex, 'data');
	const property = typeof rawName === 'string' && rawName.trim() ? rawName.trim() : 'data';
	const label = `The binary property "${property}"`;
	let binary;
	try {
		binary = itemBinary(context, itemIndex, property, label);
	} catch (error) {
		throw new NodeOperationError(context.getNode(), (error as Error).message, {
			itemIndex,
			description: 'Set "Input Binary Field" to the property that holds the recording, or switch "Audio Source" to URL.',
		});
	}
	const bytes = await context.helpers.getBinaryDataBuffer(itemIndex, property);
	return audioFromBytes(bytes, binary.fileName, label, binary.mimeType);
}

/** The output item of one transcript: what a user reads first, then the details. */
export function transcriptItem(transcript: Transcript, source: AudioSource, inputJson: IDataObject | undefined, itemIndex: number): INodeExecutionData {
	const json: IDataObject = { ...inputJson, text: transcript.text, language: transcript.language };
	if (transcript.segments.length) json.segments = transcript.segments as unknown as IDataObject[];
	if (transcript.speakers) json.speakers = transcript.speakers;
	if (source.kind === 'bytes') json.fileName = source.fileName;
	else if (source.kind === 'url') json.audioUrl = source.url;
	if (transcript.audioSeconds !== undefined) json.audioSeconds = transcript.audioSeconds;
	json.model = transcript.model;
	json.usage = transcript.usage as IDataObject;
	return { json, pairedItem: { item: itemIndex } };
}

export function keepsInputFields(context: IExecuteFunctions): (itemIndex: number) => boolean {
	const runsAsTool = context.getNode().type.endsWith('Tool');
	return (itemIndex) => !runsAsTool && transcribeOptions(context, itemIndex).includeInputFields !== false;
}

export async function executeTranscribe(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const transport = readTransportOptions(transcribeOptions(this, 0), DEFAULT_AUDIO_CONCURRENCY, DEFAULT_AUDIO_TIMEOUT_S);
	const client = new MistralClient(this, transport);
	const keepInput = keepsInputFields(this);

	const outcomes = await settleWithConcurrency(
		items,
		transport.maxConcurrency,
		async (item, itemIndex): Promise<INodeExecutionData[]> => {
			let settings: TranscriptionSettings;
			let source: AudioSource;
			try {
				settings = readSettings(this, itemIndex);
				source = await readSource(this, itemIndex);
			} catch (error) {
				throw problem(this, error, itemIndex);
			}
			const answer = await client.postMultipart<unknown>(
				'/audio/transcriptions',
				multipartBody(transcriptionFields(settings, source)),
				{ model: settings.model },
				itemIndex,
			);
			let transcript: Transcript;
			try {
				transcript = readTranscript(answer);
			} catch (error) {
				throw problem(this, error, itemIndex);
			}
			const output = transcriptItem(transcript, source, keepInput(itemIndex) ? item.json : undefined, itemIndex);
			if (item.binary) output.binary = item.binary;
			return [output];
		},
		!this.continueOnFail(),
	);
	this.logger.debug(`Mistral Audio (transcribe): ${items.length} item(s), ${describeStats(client.stats)}`);
	return [collectOutput(this, outcomes, keepInput)];
}

/**
 * The option table's checks before the first request (nodes/shared/optionRanges.ts): the batch
 * settings (Transcribe) and the transport options of this operation's "Options" collection.
 */
export function checkAudioOptions(context: IExecuteFunctions, collection: 'transcribeOptions' | 'speakOptions'): void {
	checkNodeOptions(context, 0, collection === 'transcribeOptions' ? BATCH_PARAMETERS : [], []);
	for (const itemIndex of context.getInputData().keys()) {
		try {
			checkOptions((context.getNodeParameter(collection, itemIndex, {}) as IDataObject) ?? {}, TRANSPORT_OPTIONS);
		} catch (error) {
			throw asNodeError(context, error, itemIndex) as Error;
		}
	}
}
