/**
 * The local server's audio routes over real HTTP, strict per Mistral's spec: multipart transcriptions
 * (unknown fields, types, enums, patterns: 422; not audio by its bytes, language with timestamps: 400),
 * answers tied to the input (file name, duration from the WAV header, segments within it, speakers),
 * speech whose bytes are the format asked for, the voice list, input_audio in chat, batch lines.
 */
import { makeFlac, makeMp3, makeOggOpus, makeWav, NOT_AUDIO } from '../fixtures/audioFiles';
import { startMistralServer, type MistralTestServer } from './mistralServer';

let server: MistralTestServer;

beforeAll(async () => {
	server = await startMistralServer();
});
afterAll(async () => await server.close());
beforeEach(() => {
	server.reset();
	server.configure({ batch: { speed: 100_000, queueSeconds: 1, requestsPerSecond: 100 } });
});

const auth = () => ({ authorization: `Bearer ${server.apiKey}` });

type Part = [name: string, value: string | Blob, fileName?: string];

async function transcribe(parts: Part[]): Promise<{ status: number; json: any }> {
	const form = new FormData();
	for (const [name, value, fileName] of parts) {
		if (typeof value === 'string') form.append(name, value);
		else form.append(name, value, fileName);
	}
	const response = await fetch(`${server.url}/audio/transcriptions`, { method: 'POST', headers: auth(), body: form });
	return { status: response.status, json: await response.json() };
}

async function postJson(path: string, body: unknown): Promise<{ status: number; json: any }> {
	const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify(body) });
	return { status: response.status, json: await response.json() };
}

const wavBlob = (seconds: number) => new Blob([makeWav(seconds)], { type: 'audio/wav' });

describe('POST /v1/audio/transcriptions', () => {
	it('transcribes a WAV upload: the text names the file and the duration its header gives', async () => {
		const { status, json } = await transcribe([['model', 'voxtral-mini-latest'], ['file', wavBlob(3.5), 'memo-17.wav']]);
		expect(status).toBe(200);
		expect(json.text).toBe('Transcript of memo-17.wav (3.50 s, wav).');
		expect(json).toMatchObject({ model: 'voxtral-mini-latest', language: 'en', segments: [], usage: { prompt_audio_seconds: 4 } });
		expect(server.requests[0].multipart).toEqual([
			{ name: 'model', value: 'voxtral-mini-latest', bytes: 19, filename: undefined, contentType: undefined },
			{ name: 'file', filename: 'memo-17.wav', contentType: 'audio/wav', bytes: makeWav(3.5).length, value: undefined },
		]);
	});

	it('gives segments inside the duration, in order, with alternating speakers when diarized', async () => {
		const { status, json } = await transcribe([
			['model', 'voxtral-mini-2602'],
			['file', wavBlob(9), 'meeting.wav'],
			['diarize', 'true'],
			['timestamp_granularities', 'segment'],
		]);
		expect(status).toBe(200);
		expect(json.segments.length).toBeGreaterThan(1);
		let previousEnd = 0;
		for (const segment of json.segments) {
			expect(segment.start).toBeGreaterThanOrEqual(previousEnd - 1e-9);
			expect(segment.end).toBeGreaterThan(segment.start);
			previousEnd = segment.end;
		}
		expect(previousEnd).toBeCloseTo(9, 2);
		expect(new Set(json.segments.map((segment: any) => segment.speaker_id))).toEqual(new Set(['speaker_0', 'speaker_1']));
	});

	it('gives word timestamps when asked, and reads MP3, FLAC and Ogg Opus by their bytes', async () => {
		const words = await transcribe([['model', 'voxtral-mini-latest'], ['file', new Blob([makeMp3(2)]), 'a.mp3'], ['timestamp_granularities', 'word']]);
		expect(words.status).toBe(200);
		expect(words.json.text).toMatch(/^Transcript of a\.mp3 \(2\.0\d s, mp3\)\.$/);
		expect(words.json.segments[0].text).toBe('word1');
		const flac = await transcribe([['model', 'voxtral-mini-latest'], ['file', new Blob([makeFlac(12)]), 'b.flac']]);
		expect(flac.json.text).toBe('Transcript of b.flac (12.00 s, flac).');
		const opus = await transcribe([['model', 'voxtral-mini-latest'], ['file', new Blob([makeOggOpus()]), 'voice.oga']]);
		expect(opus.status).toBe(200);
		expect(opus.json.text).toContain('opus');
	});

	it('refuses what the spec refuses with 422: unknown fields, a bad language, stream, bad enums and patterns, no model', async () => {
		const unknown = await transcribe([['model', 'voxtral-mini-latest'], ['file', wavBlob(1), 'a.wav'], ['response_format', 'json']]);
		expect(unknown.status).toBe(422);
		expect(unknown.json.message.detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'response_format'] });
		const language = await transcribe([['model', 'voxtral-mini-latest'], ['file', wavBlob(1), 'a.wav'], ['language', 'english']]);
		expect(language.status).toBe(422);
		expect(language.json.message.detail[0]).toMatchObject({ type: 'string_pattern_mismatch', loc: ['body', 'language'] });
		const stream = await transcribe([['model', 'voxtral-mini-latest'], ['file', wavBlob(1), 'a.wav'], ['stream', 'true']]);
		expect(stream.json.message.detail[0]).toMatchObject({ type: 'literal_error', loc: ['body', 'stream'] });
		const granularity = await transcribe([['model', 'voxtral-mini-latest'], ['file', wavBlob(1), 'a.wav'], ['timestamp_granularities', 'sentence']]);
		expect(granularity.json.message.detail[0]).toMatchObject({ type: 'enum', loc: ['body', 'timestamp_granularities', 0] });
		const bias = await transcribe([['model', 'voxtral-mini-latest'], ['file', wavBlob(1), 'a.wav'], ['context_bias', 'New York']]);
		expect(bias.json.message.detail[0]).toMatchObject({ type: 'string_pattern_mismatch', loc: ['body', 'context_bias', 0] });
		const diarize = await transcribe([['model', 'voxtral-mini-latest'], ['file', wavBlob(1), 'a.wav'], ['diarize', 'maybe']]);
		expect(diarize.json.message.detail[0]).toMatchObject({ type: 'bool_parsing', loc: ['body', 'diarize'] });
		const noModel = await transcribe([['file', wavBlob(1), 'a.wav']]);
		expect(noModel.json.message.detail[0]).toMatchObject({ type: 'missing', loc: ['body', 'model'] });
		const fileAsText = await transcribe([['model', 'voxtral-mini-latest'], ['file', 'not a file']]);
		expect(fileAsText.status).toBe(422);
		const json = await postJson('/audio/transcriptions', { model: 'voxtral-mini-latest', file_url: 'https://example.com/a.wav' });
		expect(json.status).toBe(422);
	});

	it('refuses with 400 a file that is not audio by its bytes (whatever its name), an empty file, and language with timestamps', async () => {
		const pdf = await transcribe([['model', 'voxtral-mini-latest'], ['file', new Blob([NOT_AUDIO.pdf], { type: 'audio/mpeg' }), 'song.mp3']]);
		expect(pdf.status).toBe(400);
		expect(pdf.json.message).toMatch(/could not be decoded as audio/);
		const empty = await transcribe([['model', 'voxtral-mini-latest'], ['file', new Blob([]), 'empty.wav']]);
		expect(empty.status).toBe(400);
		const both = await transcribe([['model', 'voxtral-mini-latest'], ['file', wavBlob(1), 'a.wav'], ['language', 'fr'], ['timestamp_granularities', 'segment']]);
		expect(both.status).toBe(400);
		expect(both.json.message).toMatch(/not compatible with language/);
		const chatModel = await transcribe([['model', 'mistral-large-latest'], ['file', wavBlob(1), 'a.wav']]);
		expect(chatModel.status).toBe(400);
		const two = await transcribe([['model', 'voxtral-mini-latest'], ['file', wavBlob(1), 'a.wav'], ['file_url', 'https://media.example.com/a.wav']]);
		expect(two.status).toBe(400);
		expect(server.audio.transcribed).toHaveLength(0);
	});

	it('downloads a file_url only from what the test hosts, and reads an uploaded file (purpose audio) by file_id', async () => {
		server.audio.hostedAudio.set('https://media.example.com/calls/call-7.wav', makeWav(4.25));
		const byUrl = await transcribe([['model', 'voxtral-mini-latest'], ['file_url', 'https://media.example.com/calls/call-7.wav']]);
		expect(byUrl.json.text).toBe('Transcript of call-7.wav (4.25 s, wav).');
		const missing = await transcribe([['model', 'voxtral-mini-latest'], ['file_url', 'https://media.example.com/nothing.wav']]);
		expect(missing.status).toBe(400);
		const notUrl = await transcribe([['model', 'voxtral-mini-latest'], ['file_url', 'call-7.wav']]);
		expect(notUrl.status).toBe(422);

		const form = new FormData();
		form.append('purpose', 'audio');
		form.append('file', wavBlob(2), 'uploaded.wav');
		const upload = await fetch(`${server.url}/files`, { method: 'POST', headers: auth(), body: form });
		const file = (await upload.json()) as { id: string; purpose: string; bytes: number };
		expect(file).toMatchObject({ purpose: 'audio', bytes: makeWav(2).length });
		const byId = await transcribe([['model', 'voxtral-mini-latest'], ['file_id', file.id]]);
		expect(byId.json.text).toBe('Transcript of uploaded.wav (2.00 s, wav).');
	});

	it('runs transcription batch lines (JSON bodies with file_url or file_id) through the same checks', async () => {
		server.audio.hostedAudio.set('https://media.example.com/a.wav', makeWav(1.5));
		const created = await postJson('/batch/jobs', {
			endpoint: '/v1/audio/transcriptions',
			model: 'voxtral-mini-latest',
			requests: [
				{ custom_id: '0', body: { file_url: 'https://media.example.com/a.wav', diarize: true } },
				{ custom_id: '1', body: { file_url: 'https://media.example.com/a.wav', response_format: 'text' } },
			],
		});
		expect(created.status).toBe(200);
		let job: any;
		for (let i = 0; i < 50; i++) {
			job = (await (await fetch(`${server.url}/batch/jobs/${created.json.id}?inline=true`, { headers: auth() })).json()) as any;
			if (job.status === 'SUCCESS') break;
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
		expect(job.status).toBe('SUCCESS');
		const byId = Object.fromEntries(job.outputs.map((line: any) => [line.custom_id, line.response]));
		expect(byId['0'].status_code).toBe(200);
		expect(byId['0'].body.text).toBe('Transcript of a.wav (1.50 s, wav).');
		expect(byId['0'].body.segments[0].speaker_id).toBe('speaker_0');
		expect(byId['1'].status_code).toBe(422);
	});
});

describe('POST /v1/audio/speech and GET /v1/audio/voices', () => {
	it('answers base64 audio whose header is the format asked for', async () => {
		const wav = await postJson('/audio/speech', { model: 'voxtral-mini-tts-latest', input: 'Hello there, this is a test.', response_format: 'wav' });
		expect(wav.status).toBe(200);
		const bytes = Buffer.from(wav.json.audio_data, 'base64');
		expect(bytes.subarray(0, 4).toString('latin1')).toBe('RIFF');
		expect(bytes.subarray(8, 12).toString('latin1')).toBe('WAVE');
		const mp3 = Buffer.from((await postJson('/audio/speech', { input: 'Hi', response_format: 'mp3' })).json.audio_data, 'base64');
		expect([mp3[0], mp3[1] & 0xe0]).toEqual([0xff, 0xe0]);
		const flac = Buffer.from((await postJson('/audio/speech', { input: 'Hi', response_format: 'flac' })).json.audio_data, 'base64');
		expect(flac.subarray(0, 4).toString('latin1')).toBe('fLaC');
		const opus = Buffer.from((await postJson('/audio/speech', { input: 'Hi', response_format: 'opus' })).json.audio_data, 'base64');
		expect(opus.subarray(0, 4).toString('latin1')).toBe('OggS');
		expect(opus.includes(Buffer.from('OpusHead'))).toBe(true);
	});

	it('refuses a missing input, an unknown format, a model without speech and an unknown voice', async () => {
		expect((await postJson('/audio/speech', { response_format: 'mp3' })).status).toBe(422);
		expect((await postJson('/audio/speech', { input: 'x', response_format: 'ogg' })).status).toBe(422);
		expect((await postJson('/audio/speech', { input: 'x', model: 'mistral-large-latest' })).status).toBe(400);
		expect((await postJson('/audio/speech', { input: 'x', voice_id: 'nobody' })).status).toBe(404);
	});

	it('lists preset voices with the VoiceListResponse fields and checks its query', async () => {
		const response = await fetch(`${server.url}/audio/voices?limit=100&offset=0&type=all`, { headers: auth() });
		const json = (await response.json()) as any;
		expect(json).toMatchObject({ total: 3, page: 1, page_size: 100, total_pages: 1 });
		expect(json.items[0]).toMatchObject({ id: expect.any(String), name: 'Paul', created_at: expect.any(String), user_id: null });
		expect((await fetch(`${server.url}/audio/voices?limit=500`, { headers: auth() })).status).toBe(422);
	});
});

describe('input_audio in chat', () => {
	const chat = (model: string, chunk: unknown) =>
		postJson('/chat/completions', { model, messages: [{ role: 'user', content: [{ type: 'text', text: 'Summarise' }, chunk] }] });

	it('takes base64 audio for an audio model and says what it heard', async () => {
		const { status, json } = await chat('voxtral-small-latest', { type: 'input_audio', input_audio: makeWav(2).toString('base64') });
		expect(status).toBe(200);
		expect(json.choices[0].message.content).toContain('[audio: wav 2.00 s]');
	});

	it('refuses audio for a model without the audio capability, bytes that are not audio, and extra chunk fields', async () => {
		expect((await chat('mistral-large-latest', { type: 'input_audio', input_audio: makeWav(1).toString('base64') })).status).toBe(400);
		expect((await chat('voxtral-small-latest', { type: 'input_audio', input_audio: NOT_AUDIO.pdf.toString('base64') })).status).toBe(400);
		const extra = await chat('voxtral-small-latest', { type: 'input_audio', input_audio: makeWav(1).toString('base64'), format: 'wav' });
		expect(extra.status).toBe(422);
	});
});
