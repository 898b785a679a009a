/**
 * The audio routes of the local Mistral-compatible server, per Mistral's spec:
 *  - POST /v1/audio/transcriptions (multipart/form-data, AudioTranscriptionRequest): exactly one of
 *    `file` (a file part), `file_url` or `file_id` (an upload with purpose "audio"); `model` required;
 *    `language` ^\w{2}$; `temperature` a number; `stream` only false (streaming is the "#stream"
 *    operation, not served here); `diarize` a boolean; `context_bias` items ^[^,\s]+$ (at most 100);
 *    `timestamp_granularities` items segment|word. Unknown fields are a 422 `extra_forbidden`, as
 *    every request schema of Mistral's (NOTES.md). Then the serving checks (400): a model without
 *    `audio_transcription`, language together with timestamps (Mistral documents they do not combine),
 *    a file that is empty or not audio by its bytes, a URL the server cannot download.
 *    The answer (TranscriptionResponse) is tied to the input: the text names the file and its
 *    duration (WAV and FLAC headers, MP3 frame rate; other containers by size), segments cover the
 *    duration in order, `speaker_id` alternates when diarized.
 *    The same handler runs batch lines for the endpoint (JSON bodies: `file_url` or `file_id`).
 *  - POST /v1/audio/speech (JSON, SpeechRequest; the spec allows extra fields there): `input`
 *    required; `response_format` pcm|wav|mp3|flac|opus; `voice_id` one the server lists; `ref_audio`
 *    base64 audio. The answer's `audio_data` is audio whose header matches the format, about 60 ms per
 *    character of input.
 *  - GET /v1/audio/voices (?limit 1..100, offset >= 0, type all|custom|preset): VoiceListResponse.
 * "Downloads" of file_url come from `hostedAudio` (URL → bytes), which tests fill; no request leaves the machine.
 */
import { type DetailEntry } from './validation';

export interface AudioOutcome {
	status: number;
	json?: unknown;
}

export interface AudioModelInfo {
	exists: boolean;
	transcription: boolean;
	speech: boolean;
}

export interface AudioDeps {
	model: (id: string) => AudioModelInfo;
	unknownModel: (id: string) => AudioOutcome;
	/** An uploaded file (Files API) by id. */
	file: (id: string) => { filename: string; purpose: string; data: Buffer } | undefined;
}

interface RecordingPart {
	name: string;
	filename?: string;
	contentType?: string;
	data: Buffer;
}

const TRANSCRIPTION_FIELDS = ['model', 'file', 'file_url', 'file_id', 'language', 'temperature', 'stream', 'diarize', 'context_bias', 'timestamp_granularities'];
const LIST_FIELDS = new Set(['context_bias', 'timestamp_granularities']);
const MAX_CONTEXT_BIAS = 100;
const MAX_FILE_BYTES = 512 * 1024 * 1024;

export const PRESET_VOICES = [
	{ id: '5a271406-039d-46fe-835b-fbbb00eaf08d', name: 'Paul', slug: 'paul', languages: ['en'], gender: 'male' },
	{ id: '9c2b5a0e-6c1f-4a8e-9d59-0c6a1f1b7e21', name: 'Marie', slug: 'marie', languages: ['fr', 'en'], gender: 'female' },
	{ id: 'e0b8a3f4-2d7c-4c3b-8f1a-6b5d9e4c2a10', name: 'Lena', slug: 'lena', languages: ['de'], gender: 'female' },
];

function error(status: number, message: unknown, type = 'invalid_request_error', code: string | null = null): AudioOutcome {
	return { status, json: { object: 'error', message, type, param: null, code } };
}
const unprocessable = (detail: DetailEntry[]): AudioOutcome => error(422, { detail });

// ----- what the server knows about audio bytes (its own reading, apart from the node's) ------------

export interface AudioFacts {
	format: string;
	durationSeconds: number;
}

/** The container and duration of `data`, or undefined when it is not audio. */
export function audioFacts(data: Buffer): AudioFacts | undefined {
	if (data.length < 4) return undefined;
	const at = (offset: number, text: string) => data.subarray(offset, offset + text.length).toString('latin1') === text;
	if (at(0, 'RIFF') && at(8, 'WAVE')) {
		let offset = 12;
		let byteRate = 0;
		while (offset + 8 <= data.length) {
			const id = data.subarray(offset, offset + 4).toString('latin1');
			const size = data.readUInt32LE(offset + 4);
			if (id === 'fmt ') byteRate = data.readUInt32LE(offset + 16);
			if (id === 'data') return byteRate > 0 ? { format: 'wav', durationSeconds: Math.min(size, data.length - offset - 8) / byteRate } : undefined;
			offset += 8 + size + (size % 2);
		}
		return undefined;
	}
	if (at(0, 'fLaC')) {
		const rate = (data[18] << 12) | (data[19] << 4) | (data[20] >> 4);
		const total = (data[21] & 0x0f) * 2 ** 32 + data.readUInt32BE(22);
		return { format: 'flac', durationSeconds: rate > 0 ? total / rate : 0 };
	}
	if (at(0, 'OggS')) return { format: data.includes(Buffer.from('OpusHead')) ? 'opus' : 'ogg', durationSeconds: data.length / 4000 };
	if (data[0] === 0x1a && data[1] === 0x45 && data[2] === 0xdf && data[3] === 0xa3) return { format: 'webm', durationSeconds: data.length / 4000 };
	if (at(4, 'ftyp')) return { format: 'm4a', durationSeconds: data.length / 16000 };
	let mp3Start = 0;
	if (at(0, 'ID3') && data.length >= 10) mp3Start = 10 + ((data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]);
	if (data[mp3Start] === 0xff && (data[mp3Start + 1] & 0xe0) === 0xe0 && ((data[mp3Start + 1] >> 1) & 0x03) !== 0) {
		// Constant bitrate from the first frame: MPEG-1 Layer III table.
		const kbps = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320][(data[mp3Start + 2] >> 4) & 0x0f] ?? 128;
		return { format: 'mp3', durationSeconds: ((data.length - mp3Start) * 8) / ((kbps || 128) * 1000) };
	}
	if (at(0, 'ID3')) return { format: 'mp3', durationSeconds: data.length / 16000 };
	return undefined;
}

// ----- transcription ----------------------------------------------------------------------------------

/** What a request holds, typed: from multipart strings or from a JSON batch body. */
interface TranscriptionInput {
	model?: unknown;
	file?: RecordingPart;
	fileAsText?: boolean;
	file_url?: unknown;
	file_id?: unknown;
	language?: unknown;
	temperature?: unknown;
	stream?: unknown;
	diarize?: unknown;
	context_bias?: unknown[];
	timestamp_granularities?: unknown[];
}

const BOOL_TRUE = new Set(['true', '1', 'yes', 'on', 't', 'y']);
const BOOL_FALSE = new Set(['false', '0', 'no', 'off', 'f', 'n']);

/** Form values as pydantic reads them (lax mode for form data): "true" is a bool, "0.2" a float. */
function fromForm(parts: RecordingPart[], errors: DetailEntry[]): TranscriptionInput {
	const input: TranscriptionInput = {};
	const record = input as Record<string, unknown>;
	for (const part of parts) {
		if (!TRANSCRIPTION_FIELDS.includes(part.name)) {
			errors.push({ type: 'extra_forbidden', loc: ['body', part.name], msg: 'Extra inputs are not permitted', input: part.filename ?? part.data.toString('utf8').slice(0, 100) });
			continue;
		}
		if (part.name === 'file') {
			if (part.filename === undefined) input.fileAsText = true;
			input.file = part;
			continue;
		}
		const text = part.data.toString('utf8');
		if (LIST_FIELDS.has(part.name)) {
			(record[part.name] as unknown[] | undefined) ?? (record[part.name] = []);
			(record[part.name] as unknown[]).push(text);
			continue;
		}
		if (part.name === 'temperature') {
			const value = Number(text);
			if (text.trim() === '' || !Number.isFinite(value)) errors.push({ type: 'float_parsing', loc: ['body', 'temperature'], msg: 'Input should be a valid number, unable to parse string as a number', input: text });
			else input.temperature = value;
			continue;
		}
		if (part.name === 'diarize' || part.name === 'stream') {
			const lower = text.trim().toLowerCase();
			if (BOOL_TRUE.has(lower)) record[part.name] = true;
			else if (BOOL_FALSE.has(lower)) record[part.name] = false;
			else errors.push({ type: 'bool_parsing', loc: ['body', part.name], msg: 'Input should be a valid boolean, unable to interpret input', input: text });
			continue;
		}
		record[part.name] = text;
	}
	return input;
}

function fromJson(body: Record<string, unknown>, errors: DetailEntry[]): TranscriptionInput {
	const input: TranscriptionInput = {};
	for (const [key, value] of Object.entries(body)) {
		if (!TRANSCRIPTION_FIELDS.includes(key)) {
			errors.push({ type: 'extra_forbidden', loc: ['body', key], msg: 'Extra inputs are not permitted', input: value });
			continue;
		}
		if (key === 'file') {
			if (value !== null) errors.push({ type: 'value_error', loc: ['body', 'file'], msg: 'Value error, a JSON request cannot carry a file: use file_url or file_id', input: value });
			continue;
		}
		if (LIST_FIELDS.has(key)) {
			if (!Array.isArray(value)) errors.push({ type: 'list_type', loc: ['body', key], msg: 'Input should be a valid list', input: value });
			else (input as Record<string, unknown>)[key] = value;
			continue;
		}
		if (key === 'temperature' && value !== null && typeof value !== 'number') {
			errors.push({ type: 'float_type', loc: ['body', key], msg: 'Input should be a valid number', input: value });
			continue;
		}
		if ((key === 'diarize' || key === 'stream') && typeof value !== 'boolean') {
			errors.push({ type: 'bool_type', loc: ['body', key], msg: 'Input should be a valid boolean', input: value });
			continue;
		}
		(input as Record<string, unknown>)[key] = value;
	}
	return input;
}

export class AudioService {
	/** file_url → bytes: what the server can "download". Tests put recordings here. */
	readonly hostedAudio = new Map<string, Buffer>();

	/** Every transcription that passed validation: what the server heard (file name, format, duration). */
	readonly transcribed: Array<{ source: string; format: string; durationSeconds: number; diarize: boolean; granularities: string[] }> = [];

	constructor(private readonly deps: AudioDeps) {}

	reset(): void {
		this.hostedAudio.clear();
		this.transcribed.length = 0;
	}

	/** A realtime request: the multipart body as parsed (undefined: not multipart). */
	transcribeForm(parts: RecordingPart[] | undefined): AudioOutcome {
		if (!parts) return unprocessable([{ type: 'missing', loc: ['body', 'model'], msg: 'Field required', input: null }]);
		const errors: DetailEntry[] = [];
		const input = fromForm(parts, errors);
		return this.transcribe(input, errors);
	}

	/** A batch line's JSON body. */
	transcribeJson(body: unknown): AudioOutcome {
		if (typeof body !== 'object' || body === null || Array.isArray(body)) {
			return unprocessable([{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: body }]);
		}
		const errors: DetailEntry[] = [];
		return this.transcribe(fromJson(body as Record<string, unknown>, errors), errors);
	}

	private transcribe(input: TranscriptionInput, errors: DetailEntry[]): AudioOutcome {
		if (input.model === undefined) errors.push({ type: 'missing', loc: ['body', 'model'], msg: 'Field required', input: null });
		else if (typeof input.model !== 'string') errors.push({ type: 'string_type', loc: ['body', 'model'], msg: 'Input should be a valid string', input: input.model });
		if (input.fileAsText) errors.push({ type: 'value_error', loc: ['body', 'file'], msg: 'Value error, Expected UploadFile, received: <class \'str\'>', input: input.file?.data.toString('utf8').slice(0, 100) });
		if (input.file_url !== undefined && input.file_url !== null) {
			const url = input.file_url;
			if (typeof url !== 'string') errors.push({ type: 'string_type', loc: ['body', 'file_url'], msg: 'Input should be a valid string', input: url });
			else if (url.length < 1 || url.length > 2083) errors.push({ type: 'url_too_long', loc: ['body', 'file_url'], msg: 'URL should have at most 2083 characters', input: url });
			else if (!/^[a-z][a-z0-9+.-]*:\/\/[^\s/]+/i.test(url)) errors.push({ type: 'url_parsing', loc: ['body', 'file_url'], msg: 'Input should be a valid URL, relative URL without a base', input: url });
		}
		if (input.file_id !== undefined && input.file_id !== null && typeof input.file_id !== 'string') {
			errors.push({ type: 'string_type', loc: ['body', 'file_id'], msg: 'Input should be a valid string', input: input.file_id });
		}
		if (input.language !== undefined && input.language !== null) {
			if (typeof input.language !== 'string') errors.push({ type: 'string_type', loc: ['body', 'language'], msg: 'Input should be a valid string', input: input.language });
			else if (!/^\w{2}$/u.test(input.language)) {
				errors.push({ type: 'string_pattern_mismatch', loc: ['body', 'language'], msg: "String should match pattern '^\\w{2}$'", input: input.language, ctx: { pattern: '^\\w{2}$' } });
			}
		}
		if (input.stream === true) errors.push({ type: 'literal_error', loc: ['body', 'stream'], msg: 'Input should be False', input: true, ctx: { expected: 'False' } });
		(input.context_bias ?? []).forEach((term, index) => {
			if (typeof term !== 'string') errors.push({ type: 'string_type', loc: ['body', 'context_bias', index], msg: 'Input should be a valid string', input: term });
			else if (!/^[^,\s]+$/.test(term)) {
				errors.push({ type: 'string_pattern_mismatch', loc: ['body', 'context_bias', index], msg: "String should match pattern '^[^,\\s]+$'", input: term, ctx: { pattern: '^[^,\\s]+$' } });
			}
		});
		(input.timestamp_granularities ?? []).forEach((value, index) => {
			if (value !== 'segment' && value !== 'word') {
				errors.push({ type: 'enum', loc: ['body', 'timestamp_granularities', index], msg: "Input should be 'segment' or 'word'", input: value, ctx: { expected: "'segment' or 'word'" } });
			}
		});
		if (errors.length > 0) return unprocessable(errors);

		const model = input.model as string;
		const info = this.deps.model(model);
		if (!info.exists) return this.deps.unknownModel(model);
		if (!info.transcription) return error(400, `Model ${model} does not support audio transcription`, 'invalid_request_error', '3051');
		const given = [input.file !== undefined, typeof input.file_url === 'string', typeof input.file_id === 'string'].filter(Boolean).length;
		if (given !== 1) return error(400, 'Provide exactly one of file, file_url or file_id');
		if ((input.context_bias?.length ?? 0) > MAX_CONTEXT_BIAS) return error(400, `context_bias takes at most ${MAX_CONTEXT_BIAS} terms`);
		const granularities = (input.timestamp_granularities ?? []) as string[];
		if (typeof input.language === 'string' && granularities.length > 0) {
			return error(400, 'timestamp_granularities is not compatible with language');
		}

		let data: Buffer;
		let source: string;
		if (input.file) {
			data = input.file.data;
			source = input.file.filename ?? 'file';
		} else if (typeof input.file_url === 'string') {
			const hosted = this.hostedAudio.get(input.file_url);
			if (!hosted) return error(400, `Failed to download the file from ${input.file_url}`);
			data = hosted;
			source = decodeURIComponent(new URL(input.file_url).pathname.split('/').pop() || input.file_url);
		} else {
			const file = this.deps.file(input.file_id as string);
			if (!file) return { status: 404, json: { detail: 'File not found' } };
			if (file.purpose !== 'audio') return error(400, `File ${input.file_id as string} has purpose "${file.purpose}", not "audio"`);
			data = file.data;
			source = file.filename;
		}
		if (data.length === 0) return error(400, 'The audio file is empty');
		if (data.length > MAX_FILE_BYTES) return error(413, 'File too large');
		const facts = audioFacts(data);
		if (!facts) return error(400, 'Invalid audio file: the file could not be decoded as audio');

		const diarize = input.diarize === true;
		this.transcribed.push({ source, format: facts.format, durationSeconds: facts.durationSeconds, diarize, granularities });
		return { status: 200, json: transcriptionAnswer(model, source, facts, diarize, granularities, typeof input.language === 'string' ? input.language : undefined) };
	}

	// ----- speech -------------------------------------------------------------------------------------

	speech(body: unknown): AudioOutcome {
		if (typeof body !== 'object' || body === null || Array.isArray(body)) {
			return unprocessable([{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: body }]);
		}
		const request = body as Record<string, unknown>;
		const errors: DetailEntry[] = [];
		if (request.input === undefined) errors.push({ type: 'missing', loc: ['body', 'input'], msg: 'Field required', input: body });
		else if (typeof request.input !== 'string') errors.push({ type: 'string_type', loc: ['body', 'input'], msg: 'Input should be a valid string', input: request.input });
		for (const key of ['model', 'voice_id', 'ref_audio', 'prompt_cache_key']) {
			const value = request[key];
			if (value !== undefined && value !== null && typeof value !== 'string') errors.push({ type: 'string_type', loc: ['body', key], msg: 'Input should be a valid string', input: value });
		}
		if (request.stream !== undefined && typeof request.stream !== 'boolean') errors.push({ type: 'bool_type', loc: ['body', 'stream'], msg: 'Input should be a valid boolean', input: request.stream });
		if (request.metadata !== undefined && request.metadata !== null && (typeof request.metadata !== 'object' || Array.isArray(request.metadata))) {
			errors.push({ type: 'dict_type', loc: ['body', 'metadata'], msg: 'Input should be a valid dictionary', input: request.metadata });
		}
		const format = request.response_format ?? 'mp3';
		if (!['pcm', 'wav', 'mp3', 'flac', 'opus'].includes(format as string)) {
			errors.push({ type: 'enum', loc: ['body', 'response_format'], msg: "Input should be 'pcm', 'wav', 'mp3', 'flac' or 'opus'", input: format, ctx: { expected: "'pcm', 'wav', 'mp3', 'flac' or 'opus'" } });
		}
		if (errors.length > 0) return unprocessable(errors);
		if (request.stream === true) return error(400, 'The test server does not stream speech');
		if (typeof request.model === 'string') {
			const info = this.deps.model(request.model);
			if (!info.exists) return this.deps.unknownModel(request.model);
			if (!info.speech) return error(400, `Model ${request.model} does not support speech generation`, 'invalid_request_error', '3051');
		}
		const text = request.input as string;
		if (text.trim() === '') return error(400, 'input must not be empty');
		if (typeof request.voice_id === 'string' && !PRESET_VOICES.some((voice) => voice.id === request.voice_id || voice.slug === request.voice_id)) {
			return { status: 404, json: { detail: `Voice ${request.voice_id} not found` } };
		}
		if (typeof request.ref_audio === 'string' && !audioFacts(Buffer.from(request.ref_audio, 'base64'))) {
			return error(400, 'ref_audio is not base64-encoded audio');
		}
		const seconds = Math.max(0.5, text.length * 0.06);
		return { status: 200, json: { audio_data: speechAudio(format as string, seconds).toString('base64') } };
	}

	voices(query: URLSearchParams): AudioOutcome {
		const errors: DetailEntry[] = [];
		const limit = query.has('limit') ? Number(query.get('limit')) : 10;
		const offset = query.has('offset') ? Number(query.get('offset')) : 0;
		const type = query.get('type') ?? 'all';
		if (!Number.isInteger(limit) || limit < 1 || limit > 100) errors.push({ type: 'less_than_equal', loc: ['query', 'limit'], msg: 'Input should be between 1 and 100', input: query.get('limit') });
		if (!Number.isInteger(offset) || offset < 0) errors.push({ type: 'greater_than_equal', loc: ['query', 'offset'], msg: 'Input should be greater than or equal to 0', input: query.get('offset') });
		if (!['all', 'custom', 'preset'].includes(type)) errors.push({ type: 'enum', loc: ['query', 'type'], msg: "Input should be 'all', 'custom' or 'preset'", input: type });
		if (errors.length) return unprocessable(errors);
		const all = type === 'custom' ? [] : PRESET_VOICES;
		const items = all.slice(offset, offset + limit).map((voice) => ({
			...voice,
			age: null,
			tags: null,
			color: null,
			description: null,
			retention_notice: 30,
			created_at: '2026-03-01T00:00:00Z',
			user_id: null,
		}));
		return { status: 200, json: { items, total: all.length, page: Math.floor(offset / limit) + 1, page_size: limit, total_pages: Math.max(1, Math.ceil(all.length / limit)) } };
	}
}

function transcriptionAnswer(model: string, source: string, facts: AudioFacts, diarize: boolean, granularities: string[], language?: string): Record<string, unknown> {
	const duration = Math.round(facts.durationSeconds * 100) / 100;
	const text = `Transcript of ${source} (${duration.toFixed(2)} s, ${facts.format}).`;
	const segments: Array<Record<string, unknown>> = [];
	if (granularities.length > 0 || diarize) {
		const words = granularities.includes('word') && !granularities.includes('segment');
		const count = Math.max(1, Math.min(words ? 60 : 12, Math.ceil(duration / (words ? 0.5 : 2))));
		const step = duration / count;
		for (let i = 0; i < count; i++) {
			const segment: Record<string, unknown> = {
				type: 'transcription_segment',
				text: words ? `word${i + 1}` : `Part ${i + 1} of ${source}.`,
				start: Math.round(i * step * 1000) / 1000,
				end: Math.round((i + 1) * step * 1000) / 1000,
			};
			if (diarize) segment.speaker_id = `speaker_${i % 2}`;
			segments.push(segment);
		}
	}
	const completion = Math.max(1, Math.ceil(text.length / 4));
	return {
		model,
		text,
		language: language ?? 'en',
		segments,
		usage: { prompt_audio_seconds: Math.round(duration), prompt_tokens: 4, completion_tokens: completion, total_tokens: 4 + completion },
	};
}

// ----- speech audio ----------------------------------------------------------------------------------

function wav(seconds: number): Buffer {
	const rate = 24_000;
	const frames = Math.round(seconds * rate);
	const data = Buffer.alloc(frames * 2);
	for (let i = 0; i < frames; i++) data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 220 * i) / rate) * 8000), i * 2);
	const header = Buffer.alloc(44);
	header.write('RIFF', 0, 'latin1');
	header.writeUInt32LE(36 + data.length, 4);
	header.write('WAVEfmt ', 8, 'latin1');
	header.writeUInt32LE(16, 16);
	header.writeUInt16LE(1, 20);
	header.writeUInt16LE(1, 22);
	header.writeUInt32LE(rate, 24);
	header.writeUInt32LE(rate * 2, 28);
	header.writeUInt16LE(2, 32);
	header.writeUInt16LE(16, 34);
	header.write('data', 36, 'latin1');
	header.writeUInt32LE(data.length, 40);
	return Buffer.concat([header, data]);
}

function mp3(seconds: number): Buffer {
	const frame = Buffer.alloc(417);
	frame.set([0xff, 0xfb, 0x90, 0x64]);
	return Buffer.concat(Array.from({ length: Math.max(1, Math.round((seconds * 44_100) / 1152)) }, () => frame));
}

function flac(seconds: number): Buffer {
	const rate = 24_000;
	const total = Math.round(seconds * rate);
	const info = Buffer.alloc(34);
	info.writeUInt16BE(4096, 0);
	info.writeUInt16BE(4096, 2);
	info[10] = (rate >> 12) & 0xff;
	info[11] = (rate >> 4) & 0xff;
	info[12] = ((rate & 0x0f) << 4) | 0x00;
	info[13] = 0xf0;
	info.writeUInt32BE(total, 14);
	return Buffer.concat([Buffer.from('fLaC', 'latin1'), Buffer.from([0x80, 0, 0, 34]), info]);
}

function opus(): Buffer {
	const page = (sequence: number, type: number, payload: Buffer) => {
		const header = Buffer.alloc(27);
		header.write('OggS', 0, 'latin1');
		header[5] = type;
		header.writeUInt32LE(7, 14);
		header.writeUInt32LE(sequence, 18);
		header[26] = 1;
		return Buffer.concat([header, Buffer.from([payload.length]), payload]);
	};
	const head = Buffer.alloc(19);
	head.write('OpusHead', 0, 'latin1');
	head[8] = 1;
	head[9] = 1;
	head.writeUInt32LE(24_000, 12);
	return Buffer.concat([page(0, 2, head), page(1, 0, Buffer.from('OpusTags\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000', 'latin1'))]);
}

export function speechAudio(format: string, seconds: number): Buffer {
	if (format === 'wav') return wav(seconds);
	if (format === 'mp3') return mp3(seconds);
	if (format === 'flac') return flac(seconds);
	if (format === 'opus') return opus();
	// pcm: raw float32 little-endian samples at 24 kHz.
	const samples = Buffer.alloc(Math.round(seconds * 24_000) * 4);
	for (let i = 0; i < samples.length / 4; i++) samples.writeFloatLE(Math.sin((2 * Math.PI * 220 * i) / 24_000) * 0.25, i * 4);
	return samples;
}
