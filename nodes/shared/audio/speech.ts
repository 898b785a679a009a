/**
 * Mistral's `/v1/audio/speech` as we speak it (pure): the JSON body (SpeechRequest), the answer's
 * base64 `audio_data` turned into bytes whose header is checked against the format asked for, and the
 * voice list (`/v1/audio/voices`, VoiceListResponse).
 */
import { AUDIO_TYPES, type AudioType, detectAudioType } from './formats';
import { InputError } from '../errors';

/** The spec's SpeechOutputFormat. */
export type SpeechFormat = 'mp3' | 'wav' | 'flac' | 'opus' | 'pcm';

export const SPEECH_FORMATS: readonly SpeechFormat[] = ['mp3', 'wav', 'flac', 'opus', 'pcm'];

/** The file a speech format makes (PCM from Mistral is raw float32 little-endian samples, without a header). */
export function speechType(format: SpeechFormat): AudioType {
	return AUDIO_TYPES[format];
}

export interface SpeechSettings {
	model?: string;
	input: unknown;
	voiceId?: string;
	/** Base64 of a short reference clip (voice cloning), instead of a saved voice. */
	refAudio?: string;
	format: SpeechFormat;
}

export function readSpeechFormat(raw: unknown): SpeechFormat {
	if (raw === undefined || raw === null || raw === '') return 'mp3';
	if (typeof raw === 'string' && (SPEECH_FORMATS as readonly string[]).includes(raw.trim().toLowerCase())) {
		return raw.trim().toLowerCase() as SpeechFormat;
	}
	throw new InputError(`"Audio Format" is ${JSON.stringify(raw)}; use one of ${SPEECH_FORMATS.join(', ')}`);
}

export function speechBody(settings: SpeechSettings): Record<string, unknown> {
	const { input } = settings;
	if (typeof input !== 'string') {
		throw new InputError(
			`"Text" must be text, got ${input === null ? 'null' : Array.isArray(input) ? 'a list' : typeof input}. Map a text field, e.g. {{ $json.answer }}`,
		);
	}
	if (input.trim() === '') throw new InputError('"Text" is empty. Enter the words to speak, or map a field that holds them');
	const body: Record<string, unknown> = { input, response_format: settings.format };
	const model = settings.model?.trim();
	if (model) body.model = model;
	const voice = settings.voiceId?.trim();
	if (voice) body.voice_id = voice;
	if (settings.refAudio) body.ref_audio = settings.refAudio;
	return body;
}

/** The audio of a speech answer; its header must match the format asked for (PCM has none). */
export function readSpeechAudio(raw: unknown, format: SpeechFormat): { data: Buffer; type: AudioType } {
	const audio = typeof raw === 'object' && raw !== null ? (raw as { audio_data?: unknown }).audio_data : undefined;
	if (typeof audio !== 'string' || audio.length === 0) {
		throw new InputError(`The server's answer has no "audio_data": ${JSON.stringify(raw)?.slice(0, 200)}. Check that the Base URL points at Mistral's API`);
	}
	const data = Buffer.from(audio, 'base64');
	if (data.length === 0 || data.toString('base64').replace(/=+$/, '') !== audio.replace(/\s/g, '').replace(/=+$/, '')) {
		throw new InputError('The server\'s "audio_data" is not valid base64 audio');
	}
	const expected = speechType(format);
	if (format !== 'pcm') {
		const actual = detectAudioType(data);
		if (!actual || actual.mimeType !== expected.mimeType) {
			throw new InputError(
				`The server answered ${actual ? actual.label : 'bytes that are not audio'} when ${expected.label} was asked for; the file would not play as .${expected.extension}`,
			);
		}
	}
	return { data, type: expected };
}

export interface VoiceEntry {
	id: string;
	name: string;
	description?: string;
}

/** Reads one page of VoiceListResponse. */
export function readVoicePage(raw: unknown): { voices: VoiceEntry[]; totalPages: number } {
	const record = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
	const items = Array.isArray(record.items) ? record.items : [];
	const voices: VoiceEntry[] = [];
	for (const item of items) {
		if (typeof item !== 'object' || item === null) continue;
		const voice = item as Record<string, unknown>;
		const id = typeof voice.id === 'string' ? voice.id : typeof voice.slug === 'string' ? voice.slug : undefined;
		if (!id) continue;
		const languages = Array.isArray(voice.languages) ? voice.languages.filter((l) => typeof l === 'string').join(', ') : '';
		const details = [languages, typeof voice.gender === 'string' ? voice.gender : '', typeof voice.description === 'string' ? voice.description : '']
			.filter(Boolean)
			.join(' · ');
		voices.push({ id, name: typeof voice.name === 'string' && voice.name ? voice.name : id, description: details || undefined });
	}
	return { voices, totalPages: typeof record.total_pages === 'number' ? record.total_pages : 1 };
}
