/** Mistral Audio → Speak: one JSON request per item; the answer's audio becomes a binary property. */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { detectAudioType } from '../../shared/audio/formats';
import { readSpeechAudio, readSpeechFormat, speechBody } from '../../shared/audio/speech';

import { readTransportOptions } from '../../shared/commonOptions';
import { settleWithConcurrency } from '../../shared/concurrency';
import { collectOutput } from '../../shared/itemResults';
import { describeStats, MistralClient } from '../../shared/transport/client';
import { DEFAULT_AUDIO_CONCURRENCY, DEFAULT_AUDIO_TIMEOUT_S } from '../description';
import { problem } from './transcribe';
import { InputError } from '../../shared/errors';

function speakOptions(context: IExecuteFunctions, itemIndex: number): IDataObject {
	return (context.getNodeParameter('speakOptions', itemIndex, {}) as IDataObject) ?? {};
}

async function referenceAudio(context: IExecuteFunctions, itemIndex: number, raw: unknown): Promise<string | undefined> {
	if (typeof raw !== 'string' || raw.trim() === '') return undefined;
	const property = raw.trim();
	if (!context.getInputData()[itemIndex]?.binary?.[property]) {
		throw new InputError(`"Reference Audio Field" names the binary property "${property}", which the input item does not have`);
	}
	const bytes = await context.helpers.getBinaryDataBuffer(itemIndex, property);
	if (!detectAudioType(bytes)) throw new InputError(`The reference clip in "${property}" is not audio. Give a short MP3 or WAV of the voice`);
	return bytes.toString('base64');
}

function baseFileName(raw: unknown): string {
	const name = typeof raw === 'string' ? raw.trim().replace(/[\\/]/g, '_') : '';
	return name.replace(/\.(mp3|wav|flac|opus|ogg|pcm)$/i, '') || 'speech';
}

export async function executeSpeak(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const transport = readTransportOptions(speakOptions(this, 0), DEFAULT_AUDIO_CONCURRENCY, DEFAULT_AUDIO_TIMEOUT_S);
	const client = new MistralClient(this, transport);

	const outcomes = await settleWithConcurrency(
		items,
		transport.maxConcurrency,
		async (item, itemIndex): Promise<INodeExecutionData[]> => {
			const options = speakOptions(this, itemIndex);
			let body: Record<string, unknown>;
			let format: ReturnType<typeof readSpeechFormat>;
			let property: string;
			try {
				format = readSpeechFormat(this.getNodeParameter('audioFormat', itemIndex, 'mp3'));
				const rawProperty = this.getNodeParameter('outputBinaryPropertyName', itemIndex, 'data');
				property = typeof rawProperty === 'string' && rawProperty.trim() ? rawProperty.trim() : 'data';
				body = speechBody({
					model: this.getNodeParameter('model', itemIndex, '', { extractValue: true }) as string,
					input: this.getNodeParameter('text', itemIndex, ''),
					voiceId: this.getNodeParameter('voice', itemIndex, '', { extractValue: true }) as string,
					refAudio: await referenceAudio(this, itemIndex, options.refAudioProperty),
					format,
				});
			} catch (error) {
				throw problem(this, error, itemIndex);
			}
			const answer = await client.post<unknown>('/audio/speech', body as IDataObject, { model: body.model as string | undefined }, itemIndex);
			let audio: ReturnType<typeof readSpeechAudio>;
			try {
				audio = readSpeechAudio(answer, format);
			} catch (error) {
				throw problem(this, error, itemIndex);
			}
			const fileName = `${baseFileName(options.fileName)}.${audio.type.extension}`;
			const binaryData = await this.helpers.prepareBinaryData(audio.data, fileName, audio.type.mimeType);
			return [
				{
					json: { ...item.json },
					binary: { ...item.binary, [property]: binaryData },
					pairedItem: { item: itemIndex },
				},
			];
		},
		!this.continueOnFail(),
	);
	this.logger.debug(`Mistral Audio (speak): ${items.length} item(s), ${describeStats(client.stats)}`);
	return [collectOutput(this, outcomes, () => true)];
}
