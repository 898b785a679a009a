/**
 * Mistral's `/v1/audio/transcriptions` as we speak it (pure): the request's fields checked against the
 * spec's AudioTranscriptionRequest and Mistral's documented limits, the multipart fields of a
 * realtime request, the JSON body of a batch line, and the reader of the answer (TranscriptionResponse).
 */
import type { MultipartField } from '../transport/multipart';
import { ACCEPTED_AUDIO_LABELS, type AudioType, audioDurationSeconds, describeNonAudio, detectAudioType } from './formats';
import { InputError } from '../errors';

/** Mistral's file limit (files API and uploads): 512 MB. */
export const MAX_AUDIO_BYTES = 512 * 1024 * 1024;
/** Voxtral Mini Transcribe 2 takes up to 3 hours of audio in one request. */
export const MAX_AUDIO_SECONDS = 3 * 60 * 60;
/** Context bias: at most 100 terms, each without spaces or commas (the spec's pattern ^[^,\s]+$). */
export const MAX_CONTEXT_BIAS_TERMS = 100;
/** The spec's file_url: a URI of 1 to 2083 characters. */
export const MAX_FILE_URL_CHARS = 2083;

// ISO 639-1: the two-letter codes the spec's `^\w{2}$` stands for.
const ISO_639_1 = new Set(
	(
		'aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu ' +
		'fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko ' +
		'kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi ' +
		'pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ' +
		'ur uz ve vi vo wa wo xh yi yo za zh zu'
	).split(' '),
);

export type TimestampGranularity = 'segment' | 'word';

export interface TranscriptionSettings {
	model: string;
	language?: string;
	temperature?: number;
	diarize?: boolean;
	timestampGranularities?: TimestampGranularity[];
	contextBias?: string[];
}

/** Where the audio comes from: bytes of the item, a URL Mistral fetches, or a file already uploaded. */
export type AudioSource =
	| { kind: 'bytes'; data: Buffer; fileName: string; type: AudioType; durationSeconds?: number }
	| { kind: 'url'; url: string }
	| { kind: 'fileId'; fileId: string };

const describe = (value: unknown) =>
	value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;

/** A language code as the spec wants it (two letters, ISO 639-1), or undefined for "detect". */
export function readLanguage(raw: unknown): string | undefined {
	if (raw === undefined || raw === null || raw === '') return undefined;
	if (typeof raw !== 'string') throw new InputError(`"Language" must be a two-letter code such as "en", got ${describe(raw)}`);
	const code = raw.trim().toLowerCase();
	if (code === '' || code === 'auto') return undefined;
	if (!/^[a-z]{2}$/.test(code) || !ISO_639_1.has(code)) {
		throw new InputError(
			`"Language" is "${raw.slice(0, 40)}", which is not an ISO 639-1 code. Use two letters such as "en", "fr" or "de", or leave it empty to let Mistral detect the language`,
		);
	}
	return code;
}

/** Terms from a comma- or line-separated text, or a list (from an expression). */
export function readContextBias(raw: unknown): string[] | undefined {
	if (raw === undefined || raw === null || raw === '') return undefined;
	let terms: unknown[];
	if (typeof raw === 'string') terms = raw.split(/[,\n]/);
	else if (Array.isArray(raw)) terms = raw;
	else throw new InputError(`"Context Bias" must be text (terms separated by commas) or a list, got ${describe(raw)}`);
	const cleaned: string[] = [];
	for (const term of terms) {
		if (typeof term !== 'string') throw new InputError(`"Context Bias" holds ${describe(term)}; every term must be text`);
		const word = term.trim();
		if (word === '') continue;
		if (/[\s,]/.test(word)) {
			throw new InputError(
				`"Context Bias" term "${word.slice(0, 60)}" has a space or a comma; Mistral takes single words. Enter multi-word names as separate terms or join them, e.g. "New_York"`,
			);
		}
		cleaned.push(word);
	}
	if (cleaned.length > MAX_CONTEXT_BIAS_TERMS) {
		throw new InputError(`"Context Bias" has ${cleaned.length} terms; Mistral takes at most ${MAX_CONTEXT_BIAS_TERMS}. Keep the rarest words and names`);
	}
	return cleaned.length > 0 ? cleaned : undefined;
}

export function readTemperature(raw: unknown): number | undefined {
	if (raw === undefined || raw === null || raw === '') return undefined;
	// An expression may give the number as text ("0.2").
	if (typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw))) raw = Number(raw);
	if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < 0) {
		throw new InputError(`"Temperature" must be a number of 0 or more (0 is the most literal), got ${describe(raw)}`);
	}
	return raw;
}

export function readGranularities(raw: unknown): TimestampGranularity[] | undefined {
	if (raw === undefined || raw === null || raw === '' || raw === 'none') return undefined;
	const values = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',').map((value) => value.trim()).filter(Boolean) : [raw];
	const out: TimestampGranularity[] = [];
	for (const value of values) {
		if (value !== 'segment' && value !== 'word') {
			throw new InputError(`"Timestamps" must be "segment" or "word", got ${describe(value)}`);
		}
		if (!out.includes(value)) out.push(value);
	}
	return out.length ? out : undefined;
}

/** A yes/no option that an expression may give as text ("true"). */
export function readFlag(raw: unknown, name: string): boolean {
	if (raw === undefined || raw === null || raw === '') return false;
	if (typeof raw === 'boolean') return raw;
	if (typeof raw === 'string' && /^(true|false)$/i.test(raw.trim())) return raw.trim().toLowerCase() === 'true';
	throw new InputError(`"${name}" must be true or false, got ${describe(raw)}`);
}

/** Checks the settings together; Mistral documents that timestamps and a given language do not combine. */
export function checkSettings(settings: TranscriptionSettings): TranscriptionSettings {
	if (typeof settings.model !== 'string' || settings.model.trim() === '') {
		throw new InputError('"Model" is empty. Choose a transcription model, e.g. voxtral-mini-latest');
	}
	if (settings.language && settings.timestampGranularities?.length) {
		throw new InputError(
			'"Language" and "Timestamps" cannot be used together (Mistral refuses the combination). Leave "Language" empty to get timestamps, or turn timestamps off',
		);
	}
	return { ...settings, model: settings.model.trim() };
}

/** The bytes of an item's audio, checked: not empty, audio by its bytes, within Mistral's limits. */
export function audioFromBytes(data: Buffer, fileName: string | undefined, label: string, statedMimeType?: string): AudioSource {
	if (data.length === 0) throw new InputError(`${label} is empty (0 bytes). Check the node before: the download or recording produced no audio`);
	const type = detectAudioType(data);
	if (!type) {
		const stated = statedMimeType ? ` (it says "${statedMimeType}"${fileName ? `, "${fileName}"` : ''})` : fileName ? ` ("${fileName}")` : '';
		throw new InputError(`${label} is ${describeNonAudio(data)}, not audio${stated}. Give an audio file: ${ACCEPTED_AUDIO_LABELS}`);
	}
	if (data.length > MAX_AUDIO_BYTES) {
		throw new InputError(
			`${label} is ${(data.length / 1024 / 1024).toFixed(0)} MB; Mistral takes files up to 512 MB. Compress it (e.g. to MP3 or Opus) or split it`,
		);
	}
	const durationSeconds = audioDurationSeconds(data, type);
	if (durationSeconds !== undefined && durationSeconds > MAX_AUDIO_SECONDS) {
		throw new InputError(
			`${label} lasts ${formatDuration(durationSeconds)}; Mistral transcribes up to 3 hours per request. Split the recording into parts`,
		);
	}
	return { kind: 'bytes', data, fileName: fileNameFor(fileName, type), type, durationSeconds };
}

/** A file name whose extension matches the bytes (servers go by it), keeping the user's base name. */
export function fileNameFor(fileName: string | undefined, type: AudioType): string {
	const base = (fileName ?? '').trim().replace(/[\\/]/g, '_').replace(/\.[A-Za-z0-9]{1,5}$/, '') || 'audio';
	return `${base}.${type.extension}`;
}

export function audioFromUrl(raw: unknown, label: string): AudioSource {
	if (typeof raw !== 'string' || raw.trim() === '') throw new InputError(`${label} is empty. Enter the http(s) URL of an audio file`);
	const url = raw.trim();
	const parsed = URL.canParse(url) ? new URL(url) : undefined;
	if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
		throw new InputError(`${label} "${url.slice(0, 100)}" is not an http(s) URL. Enter a link Mistral can download, or use a binary property`);
	}
	if (url.length > MAX_FILE_URL_CHARS) throw new InputError(`${label} has ${url.length} characters; Mistral takes URLs up to ${MAX_FILE_URL_CHARS}`);
	return { kind: 'url', url };
}

/** A text field of a form. */
export const formField = (name: string, value: string): MultipartField => ({ name, value });

function settingFields(settings: TranscriptionSettings): MultipartField[] {
	const fields: MultipartField[] = [formField('model', settings.model)];
	if (settings.language) fields.push(formField('language', settings.language));
	if (settings.temperature !== undefined) fields.push(formField('temperature', String(settings.temperature)));
	if (settings.diarize) fields.push(formField('diarize', 'true'));
	// Lists go as one field per value, as HTML forms and Mistral's SDKs send them.
	for (const granularity of settings.timestampGranularities ?? []) fields.push(formField('timestamp_granularities', granularity));
	for (const term of settings.contextBias ?? []) fields.push(formField('context_bias', term));
	return fields;
}

/** The multipart fields of a realtime transcription request. */
export function transcriptionFields(settings: TranscriptionSettings, source: AudioSource): MultipartField[] {
	const fields = settingFields(settings);
	if (source.kind === 'bytes') fields.push({ name: 'file', filename: source.fileName, contentType: source.type.mimeType, data: source.data });
	else if (source.kind === 'url') fields.push(formField('file_url', source.url));
	else fields.push(formField('file_id', source.fileId));
	return fields;
}

/** The body of one batch line: JSON, so the audio goes by URL or file id, never as bytes. */
export function transcriptionBatchBody(settings: TranscriptionSettings, source: AudioSource): Record<string, unknown> {
	if (source.kind === 'bytes') throw new InputError('A batch request takes audio by URL or file id, not as bytes');
	const body: Record<string, unknown> = { model: settings.model };
	if (source.kind === 'url') body.file_url = source.url;
	else body.file_id = source.fileId;
	if (settings.language) body.language = settings.language;
	if (settings.temperature !== undefined) body.temperature = settings.temperature;
	if (settings.diarize) body.diarize = true;
	if (settings.timestampGranularities?.length) body.timestamp_granularities = settings.timestampGranularities;
	if (settings.contextBias?.length) body.context_bias = settings.contextBias;
	return body;
}

export interface TranscriptSegment {
	text: string;
	start: number;
	end: number;
	speaker?: string;
	score?: number;
}

export interface Transcript {
	text: string;
	language: string | null;
	model: string;
	segments: TranscriptSegment[];
	speakers?: string[];
	/** Seconds of audio Mistral counted (usage.prompt_audio_seconds). */
	audioSeconds?: number;
	usage: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a TranscriptionResponse; a body that is not one is an error that says what came instead. */
export function readTranscript(raw: unknown): Transcript {
	if (!isRecord(raw) || typeof raw.text !== 'string') {
		throw new InputError(
			`The server's answer is not a transcription (no "text"): ${JSON.stringify(raw)?.slice(0, 200)}. Check that the Base URL points at Mistral's API`,
		);
	}
	const segments: TranscriptSegment[] = [];
	for (const entry of Array.isArray(raw.segments) ? raw.segments : []) {
		if (!isRecord(entry) || typeof entry.text !== 'string' || typeof entry.start !== 'number' || typeof entry.end !== 'number') continue;
		const segment: TranscriptSegment = { text: entry.text, start: entry.start, end: entry.end };
		if (typeof entry.speaker_id === 'string') segment.speaker = entry.speaker_id;
		if (typeof entry.score === 'number') segment.score = entry.score;
		segments.push(segment);
	}
	const speakers = [...new Set(segments.flatMap((segment) => (segment.speaker ? [segment.speaker] : [])))];
	const usage = isRecord(raw.usage) ? raw.usage : {};
	const transcript: Transcript = {
		text: raw.text,
		language: typeof raw.language === 'string' ? raw.language : null,
		model: typeof raw.model === 'string' ? raw.model : '',
		segments,
		usage,
	};
	if (speakers.length) transcript.speakers = speakers;
	if (typeof usage.prompt_audio_seconds === 'number') transcript.audioSeconds = usage.prompt_audio_seconds;
	return transcript;
}

export function formatDuration(seconds: number): string {
	const whole = Math.round(seconds);
	const h = Math.floor(whole / 3600);
	const m = Math.floor((whole % 3600) / 60);
	const s = whole % 60;
	return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s} s` : `${s} s`;
}
