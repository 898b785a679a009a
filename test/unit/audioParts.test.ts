/** The audio domain parts (pure): sniffing by bytes, WAV/FLAC durations, option checks, speech answers. */
import { describeNonAudio, detectAudioType, readFlacDuration, readWavInfo } from '../../nodes/shared/audio/formats';
import { readSpeechAudio, readVoicePage, speechBody } from '../../nodes/shared/audio/speech';
import {
	audioFromBytes,
	checkSettings,
	fileNameFor,
	MAX_AUDIO_SECONDS,
	readContextBias,
	readLanguage,
	readTranscript,
	transcriptionBatchBody,
} from '../../nodes/shared/audio/transcription';
import { makeFlac, makeM4a, makeMp3, makeOggOpus, makeWav, makeWebm, NOT_AUDIO } from '../fixtures/audioFiles';

describe('audio sniffing', () => {
	it('tells the containers apart by their bytes', () => {
		expect(detectAudioType(makeWav(0.1))?.format).toBe('wav');
		expect(detectAudioType(makeMp3(0.1))?.format).toBe('mp3');
		expect(detectAudioType(makeMp3(0.1, { id3: true }))?.format).toBe('mp3');
		expect(detectAudioType(makeFlac(1))?.format).toBe('flac');
		expect(detectAudioType(makeOggOpus())?.format).toBe('opus');
		expect(detectAudioType(makeM4a())?.format).toBe('m4a');
		expect(detectAudioType(makeWebm())?.format).toBe('webm');
		// ADTS AAC shares the sync bits with MPEG audio but has layer 00.
		expect(detectAudioType(Buffer.from([0xff, 0xf1, 0x50, 0x80, 0, 0]))?.format).toBe('aac');
	});

	it('says what a file that is not audio is', () => {
		expect(detectAudioType(NOT_AUDIO.pdf)).toBeUndefined();
		expect(describeNonAudio(NOT_AUDIO.pdf)).toBe('a PDF document');
		expect(describeNonAudio(NOT_AUDIO.png)).toBe('a PNG image');
		expect(describeNonAudio(NOT_AUDIO.text)).toBe('text');
		expect(describeNonAudio(Buffer.alloc(0))).toBe('empty (0 bytes)');
		// An MPEG sync with a reserved bitrate is not a frame.
		expect(detectAudioType(Buffer.from([0xff, 0xfb, 0xf0, 0x00]))).toBeUndefined();
	});

	it('reads durations from WAV (also a streamed WAV without a data size) and FLAC headers', () => {
		expect(readWavInfo(makeWav(2.5, { sampleRate: 8000, channels: 2 }))).toEqual({ channels: 2, sampleRate: 8000, bitsPerSample: 16, durationSeconds: 2.5 });
		const streamed = makeWav(1);
		streamed.writeUInt32LE(0xffffffff, 40);
		expect(readWavInfo(streamed)?.durationSeconds).toBeCloseTo(1, 5);
		expect(readFlacDuration(makeFlac(75))).toBeCloseTo(75, 5);
	});
});

describe('transcription request parts', () => {
	it('checks language codes against ISO 639-1 and terms against the spec pattern', () => {
		expect(readLanguage(' FR ')).toBe('fr');
		expect(readLanguage('')).toBeUndefined();
		expect(() => readLanguage('xx')).toThrow(/not an ISO 639-1 code/);
		expect(() => readLanguage('eng')).toThrow(/two letters/);
		expect(readContextBias('a, b\nc,,')).toEqual(['a', 'b', 'c']);
		expect(() => readContextBias(Array.from({ length: 101 }, (_, i) => `t${i}`))).toThrow(/at most 100/);
		expect(() => checkSettings({ model: ' ' })).toThrow(/"Model" is empty/);
	});

	it('refuses a WAV longer than 3 hours before sending, and names files by their bytes', () => {
		// 3 h 1 min of 1 kHz 8-bit mono: 10.9 MB of samples behind a real header.
		const long = makeWav(0.001, { sampleRate: 1000 });
		long.writeUInt32LE(1000, 28); // byte rate
		long.writeUInt16LE(1, 32);
		long.writeUInt16LE(8, 34);
		const samples = Buffer.alloc(1000 * (MAX_AUDIO_SECONDS + 60), 0x80);
		long.writeUInt32LE(samples.length, 40);
		const wav = Buffer.concat([long.subarray(0, 44), samples]);
		expect(() => audioFromBytes(wav, 'long.wav', 'The recording')).toThrow(/lasts 3 h 1 min; Mistral transcribes up to 3 hours/);
		expect(fileNameFor('voice.oga', detectAudioType(makeOggOpus())!)).toBe('voice.ogg');
		expect(fileNameFor(undefined, detectAudioType(makeMp3(0.1))!)).toBe('audio.mp3');
	});

	it('builds batch bodies with file_url or file_id only, and reads answers', () => {
		expect(transcriptionBatchBody({ model: 'm', diarize: true, contextBias: ['x'] }, { kind: 'url', url: 'https://a/b.wav' })).toEqual({
			model: 'm',
			file_url: 'https://a/b.wav',
			diarize: true,
			context_bias: ['x'],
		});
		const transcript = readTranscript({
			model: 'm',
			text: 'hi',
			language: 'en',
			segments: [{ text: 'hi', start: 0, end: 1, speaker_id: 'speaker_1' }],
			usage: { prompt_audio_seconds: 1 },
		});
		expect(transcript).toMatchObject({ speakers: ['speaker_1'], audioSeconds: 1, segments: [{ text: 'hi', start: 0, end: 1, speaker: 'speaker_1' }] });
		expect(() => readTranscript({ choices: [] })).toThrow(/not a transcription/);
	});
});

describe('speech parts', () => {
	it('refuses an answer whose bytes are not the format asked for', () => {
		expect(() => readSpeechAudio({ audio_data: makeWav(0.1).toString('base64') }, 'mp3')).toThrow(/answered WAV when MP3 was asked for/);
		expect(readSpeechAudio({ audio_data: makeMp3(0.1).toString('base64') }, 'mp3').type.mimeType).toBe('audio/mpeg');
		expect(() => speechBody({ input: '  ', format: 'mp3' })).toThrow(/"Text" is empty/);
		expect(() => speechBody({ input: 42, format: 'mp3' })).toThrow(/"Text" must be text/);
	});

	it('reads a voice page', () => {
		expect(readVoicePage({ items: [{ id: 'v1', name: 'Paul', languages: ['en'], gender: 'male' }, { name: 'no id' }], total_pages: 3 })).toEqual({
			voices: [{ id: 'v1', name: 'Paul', description: 'en · male' }],
			totalPages: 3,
		});
	});
});
