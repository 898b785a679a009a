/**
 * Audio containers told apart by their first bytes (pure). A file name or a stated MIME type can lie:
 * a Telegram voice note arrives as "file_0.oga", a form upload as application/octet-stream.
 */

/** `pcm` (raw samples, no header) is only ever produced by Speak; no sniffer can recognise it. */
export type AudioFormat = 'wav' | 'mp3' | 'flac' | 'ogg' | 'opus' | 'm4a' | 'webm' | 'aac' | 'aiff' | 'pcm';

export interface AudioType {
	format: AudioFormat;
	mimeType: string;
	extension: string;
	/** How users call it, for messages. */
	label: string;
}

export const AUDIO_TYPES: Record<AudioFormat, AudioType> = {
	wav: { format: 'wav', mimeType: 'audio/wav', extension: 'wav', label: 'WAV' },
	mp3: { format: 'mp3', mimeType: 'audio/mpeg', extension: 'mp3', label: 'MP3' },
	flac: { format: 'flac', mimeType: 'audio/flac', extension: 'flac', label: 'FLAC' },
	ogg: { format: 'ogg', mimeType: 'audio/ogg', extension: 'ogg', label: 'Ogg Vorbis' },
	opus: { format: 'opus', mimeType: 'audio/ogg', extension: 'ogg', label: 'Ogg Opus' },
	m4a: { format: 'm4a', mimeType: 'audio/mp4', extension: 'm4a', label: 'M4A (MP4 audio)' },
	webm: { format: 'webm', mimeType: 'audio/webm', extension: 'webm', label: 'WebM' },
	aac: { format: 'aac', mimeType: 'audio/aac', extension: 'aac', label: 'AAC (ADTS)' },
	aiff: { format: 'aiff', mimeType: 'audio/aiff', extension: 'aiff', label: 'AIFF' },
	pcm: { format: 'pcm', mimeType: 'audio/pcm', extension: 'pcm', label: 'raw PCM (float32 little-endian)' },
};

export const ACCEPTED_AUDIO_LABELS = 'MP3, WAV, M4A, Ogg (Opus or Vorbis), WebM, FLAC, AAC or AIFF';

const ascii = (bytes: Uint8Array, start: number, text: string) =>
	bytes.length >= start + text.length && [...text].every((char, index) => bytes[start + index] === char.charCodeAt(0));

/** An MPEG audio frame header (layer I-III) at `offset`: sync bits, a valid version, layer, bitrate and sample rate. */
export function isMpegFrameHeader(bytes: Uint8Array, offset = 0): boolean {
	if (bytes.length < offset + 4) return false;
	const b1 = bytes[offset + 1];
	const b2 = bytes[offset + 2];
	if (bytes[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) return false;
	const version = (b1 >> 3) & 0x03;
	const layer = (b1 >> 1) & 0x03;
	const bitrate = (b2 >> 4) & 0x0f;
	const sampleRate = (b2 >> 2) & 0x03;
	return version !== 0x01 && layer !== 0x00 && bitrate !== 0x0f && bitrate !== 0x00 && sampleRate !== 0x03;
}

function oggCodec(bytes: Uint8Array): 'opus' | 'ogg' {
	// The first page holds the codec's identification header right after the segment table.
	const head = Buffer.from(bytes.subarray(0, Math.min(bytes.length, 512))).toString('latin1');
	return head.includes('OpusHead') ? 'opus' : 'ogg';
}

/** The audio type of `bytes`, or undefined when they are not audio this package knows. */
export function detectAudioType(bytes: Uint8Array): AudioType | undefined {
	if (bytes.length < 4) return undefined;
	if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WAVE')) return AUDIO_TYPES.wav;
	if (ascii(bytes, 0, 'fLaC')) return AUDIO_TYPES.flac;
	if (ascii(bytes, 0, 'OggS')) return AUDIO_TYPES[oggCodec(bytes)];
	if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) return AUDIO_TYPES.webm;
	if (ascii(bytes, 4, 'ftyp')) return AUDIO_TYPES.m4a;
	if (ascii(bytes, 0, 'FORM') && (ascii(bytes, 8, 'AIFF') || ascii(bytes, 8, 'AIFC'))) return AUDIO_TYPES.aiff;
	if (ascii(bytes, 0, 'ID3')) return AUDIO_TYPES.mp3;
	// ADTS AAC: 12 sync bits, then layer 00 (MPEG audio frames have a layer other than 00).
	if (bytes[0] === 0xff && (bytes[1] & 0xf6) === 0xf0) return AUDIO_TYPES.aac;
	if (isMpegFrameHeader(bytes)) return AUDIO_TYPES.mp3;
	return undefined;
}

/** What a file that is not audio looks like, so the error can say it ("a PDF document"). */
export function describeNonAudio(bytes: Uint8Array): string {
	if (bytes.length === 0) return 'empty (0 bytes)';
	if (ascii(bytes, 0, '%PDF')) return 'a PDF document';
	if (bytes[0] === 0x89 && ascii(bytes, 1, 'PNG')) return 'a PNG image';
	if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'a JPEG image';
	if (ascii(bytes, 0, 'GIF8')) return 'a GIF image';
	if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WEBP')) return 'a WEBP image';
	if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'AVI ')) return 'an AVI video';
	if (ascii(bytes, 0, 'PK\u0003\u0004')) return 'a ZIP archive (or a DOCX/XLSX document)';
	const sample = Buffer.from(bytes.subarray(0, Math.min(bytes.length, 256)));
	if (!sample.includes(0) && !sample.toString('utf8').includes('\ufffd')) return 'text';
	return 'not a known audio format';
}

export interface WavInfo {
	channels: number;
	sampleRate: number;
	bitsPerSample: number;
	durationSeconds: number;
}

/** The format and duration of a WAV file from its RIFF chunks, or undefined when they are broken. */
export function readWavInfo(bytes: Uint8Array): WavInfo | undefined {
	if (!(ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WAVE'))) return undefined;
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	let offset = 12;
	let format: Omit<WavInfo, 'durationSeconds'> & { byteRate: number } | undefined;
	while (offset + 8 <= bytes.length) {
		const id = Buffer.from(bytes.subarray(offset, offset + 4)).toString('latin1');
		const size = view.getUint32(offset + 4, true);
		const body = offset + 8;
		if (id === 'fmt ' && body + 16 <= bytes.length) {
			format = {
				channels: view.getUint16(body + 2, true),
				sampleRate: view.getUint32(body + 4, true),
				byteRate: view.getUint32(body + 8, true),
				bitsPerSample: view.getUint16(body + 14, true),
			};
		} else if (id === 'data') {
			if (!format || format.byteRate === 0) return undefined;
			// A streamed WAV may say 0 or 0xFFFFFFFF: then the data runs to the end of the file.
			const available = bytes.length - body;
			const dataBytes = size === 0 || size === 0xffffffff || size > available ? available : size;
			const { byteRate, ...rest } = format;
			return { ...rest, durationSeconds: dataBytes / byteRate };
		}
		offset = body + size + (size % 2);
	}
	return undefined;
}

/** FLAC's STREAMINFO gives the sample rate and the total number of samples (0 when unknown). */
export function readFlacDuration(bytes: Uint8Array): number | undefined {
	if (!ascii(bytes, 0, 'fLaC') || bytes.length < 8 + 34) return undefined;
	if ((bytes[4] & 0x7f) !== 0) return undefined;
	const info = 8;
	const sampleRate = (bytes[info + 10] << 12) | (bytes[info + 11] << 4) | (bytes[info + 12] >> 4);
	const totalSamples = (bytes[info + 13] & 0x0f) * 2 ** 32 + ((bytes[info + 14] << 24) >>> 0) + (bytes[info + 15] << 16) + (bytes[info + 16] << 8) + bytes[info + 17];
	if (sampleRate === 0 || totalSamples === 0) return undefined;
	return totalSamples / sampleRate;
}

/** The duration when the container states it cheaply (WAV, FLAC); undefined otherwise. */
export function audioDurationSeconds(bytes: Uint8Array, type: AudioType): number | undefined {
	if (type.format === 'wav') return readWavInfo(bytes)?.durationSeconds;
	if (type.format === 'flac') return readFlacDuration(bytes);
	return undefined;
}
