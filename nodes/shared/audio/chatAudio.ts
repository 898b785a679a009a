/**
 * `input_audio` chunks of a chat message (the spec's AudioChunk: a string, the audio's base64 or a URL
 * Mistral downloads), for audio-capable chat models such as Voxtral (pure).
 */
import { audioFromBytes, audioFromUrl } from './transcription';

export interface AudioChunk {
	type: 'input_audio';
	input_audio: string;
}

export function audioChunkFromBytes(bytes: Buffer, label: string, fileName?: string, statedMimeType?: string): AudioChunk {
	const source = audioFromBytes(bytes, fileName, label, statedMimeType);
	if (source.kind !== 'bytes') throw new Error('unreachable');
	return { type: 'input_audio', input_audio: source.data.toString('base64') };
}

export function audioChunkFromUrl(raw: unknown, label: string): AudioChunk {
	const source = audioFromUrl(raw, label);
	if (source.kind !== 'url') throw new Error('unreachable');
	return { type: 'input_audio', input_audio: source.url };
}
