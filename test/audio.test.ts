/**
 * Mistral Audio (and audio in Mistral Chat) through n8n's real engine against the local server, whose
 * 422 is the oracle for every request, multipart bodies included.
 */
import { binaryItem, runNode, searchList } from './harness/engine';
import { makeFlac, makeM4a, makeMp3, makeOggOpus, makeWav, makeWebm, NOT_AUDIO } from './fixtures/audioFiles';
import { startMistralServer, type MistralTestServer } from './server/mistralServer';

const model = (value: string) => ({ __rl: true, mode: 'id', value });

describe('Mistral Audio through the n8n engine', () => {
	let server: MistralTestServer;
	const credentials = () => ({ apiKey: server.apiKey as string, baseUrl: server.url });
	const transcriptions = () => server.requests.filter((request) => request.path === '/audio/transcriptions');

	beforeAll(async () => {
		server = await startMistralServer();
	});
	afterAll(async () => await server.close());
	beforeEach(() => {
		server.reset();
		server.configure({ latencyMs: 0, faults: {}, batch: { speed: 100_000, queueSeconds: 1, requestsPerSecond: 1000 } });
	});

	it('transcribes 50 recordings by binary and by URL in order, with pairedItem, segments and speakers', async () => {
		const items = Array.from({ length: 50 }, (_, index) => {
			const seconds = 1 + (index % 7) * 0.5;
			if (index % 2 === 0) return binaryItem(makeWav(seconds), 'application/octet-stream', `note-${index}.bin`, { index });
			const url = `https://media.example.com/calls/call-${index}.wav`;
			server.audio.hostedAudio.set(url, makeWav(seconds));
			return { json: { index, url } };
		});
		const result = await runNode({
			node: 'mistralAudio',
			parameters: {
				operation: 'transcribe',
				model: model('voxtral-mini-latest'),
				audioSource: '={{ $json.url ? "url" : "binary" }}',
				audioUrl: '={{ $json.url }}',
				transcribeOptions: { diarize: true, timestamps: 'segment' },
			},
			items,
			credentials: credentials(),
		});
		expect(result.error).toBeUndefined();
		expect(transcriptions()).toHaveLength(50);
		expect(transcriptions().every((request) => request.status === 200)).toBe(true);
		expect(result.items).toHaveLength(50);
		result.items.forEach((item, index) => {
			const seconds = (1 + (index % 7) * 0.5).toFixed(2);
			const name = index % 2 === 0 ? `note-${index}.wav` : `call-${index}.wav`;
			expect(item.pairedItem).toEqual({ item: index });
			expect(item.json.index).toBe(index);
			expect(item.json.text).toBe(`Transcript of ${name} (${seconds} s, wav).`);
			expect((item.json.segments as unknown[]).length).toBeGreaterThan(0);
			expect(item.json.speakers).toEqual(expect.arrayContaining(['speaker_0']));
		});
		// The file part's content type comes from the bytes (the item said application/octet-stream).
		const upload = transcriptions().find((request) => request.multipart?.some((part) => part.name === 'file'));
		expect(upload?.multipart?.find((part) => part.name === 'file')).toMatchObject({ contentType: 'audio/wav', filename: expect.stringMatching(/\.wav$/) });
		expect(upload?.multipart?.filter((part) => part.name !== 'file').map((part) => [part.name, part.value])).toEqual([
			['model', 'voxtral-mini-latest'],
			['diarize', 'true'],
			['timestamp_granularities', 'segment'],
		]);
	});

	it('reads MP3, Ogg Opus (a Telegram .oga), FLAC, M4A and WebM by their bytes and names the file to match', async () => {
		const files: Array<[Buffer, string, string]> = [
			[makeMp3(2, { id3: true }), 'voice.mp3', 'audio/mpeg'],
			[makeOggOpus(), 'file_7.oga', 'audio/ogg'],
			[makeFlac(3), 'take.flac', 'audio/flac'],
			[makeM4a(), 'memo.m4a', 'audio/mp4'],
			[makeWebm(), 'rec.webm', 'audio/webm'],
		];
		const result = await runNode({
			node: 'mistralAudio',
			parameters: { operation: 'transcribe', model: model('voxtral-mini-latest') },
			items: files.map(([bytes, name]) => binaryItem(bytes, 'application/octet-stream', name)),
			credentials: credentials(),
		});
		expect(result.error).toBeUndefined();
		expect(transcriptions().map((request) => request.multipart?.find((part) => part.name === 'file')?.contentType)).toEqual(files.map(([, , type]) => type));
		expect(result.items.map((item) => item.json.fileName)).toEqual(['voice.mp3', 'file_7.ogg', 'take.flac', 'memo.m4a', 'rec.webm']);
	});

	it('with Continue On Fail, a binary that is not audio, an empty file and an unknown language fail alone with the fix', async () => {
		const items = [
			binaryItem(makeWav(1), 'audio/wav', 'ok-0.wav'),
			binaryItem(NOT_AUDIO.pdf, 'audio/mpeg', 'invoice.mp3'),
			binaryItem(Buffer.alloc(0), 'audio/wav', 'empty.wav'),
			binaryItem(makeWav(1), 'audio/wav', 'ok-3.wav', { lang: 'xx' }),
			binaryItem(makeWav(1), 'audio/wav', 'ok-4.wav', { lang: 'English' }),
			binaryItem(makeWav(2), 'audio/wav', 'ok-5.wav'),
		];
		const result = await runNode({
			node: 'mistralAudio',
			parameters: { operation: 'transcribe', model: model('voxtral-mini-latest'), transcribeOptions: { language: '={{ $json.lang ?? "" }}' } },
			items,
			credentials: credentials(),
			continueOnFail: true,
		});
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(6);
		expect(result.items.map((item) => item.pairedItem)).toEqual([0, 1, 2, 3, 4, 5].map((item) => ({ item })));
		expect(result.items[0].json.text).toBe('Transcript of ok-0.wav (1.00 s, wav).');
		expect(result.items[1].json.error).toMatch(/"data" is a PDF document, not audio \(it says "audio\/mpeg", "invoice\.mp3"\)\. Give an audio file: MP3, WAV.* \[item 1\]$/);
		expect(result.items[2].json.error).toMatch(/is empty \(0 bytes\).*\[item 2\]$/);
		expect(result.items[3].json.error).toMatch(/"Language" is "xx", which is not an ISO 639-1 code\. Use two letters such as "en".* \[item 3\]$/);
		expect(result.items[4].json.error).toMatch(/"Language" is "English".*\[item 4\]$/);
		expect(result.items[5].json.text).toBe('Transcript of ok-5.wav (2.00 s, wav).');
		// Only the good items reached the server.
		expect(transcriptions()).toHaveLength(2);
	});

	it('without Continue On Fail, stops at the bad item with its number; timestamps with a language is refused before sending', async () => {
		const stopped = await runNode({
			node: 'mistralAudio',
			parameters: { operation: 'transcribe', model: model('voxtral-mini-latest') },
			items: [binaryItem(NOT_AUDIO.text, 'text/plain', 'notes.txt')],
			credentials: credentials(),
		});
		expect(stopped.error?.message).toMatch(/is text, not audio.*\[item 0\]/);
		const both = await runNode({
			node: 'mistralAudio',
			parameters: { operation: 'transcribe', model: model('voxtral-mini-latest'), transcribeOptions: { language: 'fr', timestamps: 'word' } },
			items: [binaryItem(makeWav(1), 'audio/wav', 'a.wav')],
			credentials: credentials(),
		});
		expect(both.error?.message).toMatch(/"Language" and "Timestamps" cannot be used together/);
		const missing = await runNode({
			node: 'mistralAudio',
			parameters: { operation: 'transcribe', model: model('voxtral-mini-latest'), binaryPropertyName: 'voice' },
			items: [binaryItem(makeWav(1), 'audio/wav', 'a.wav')],
			credentials: credentials(),
		});
		expect(missing.error?.message).toMatch(/"voice" is missing from the input item; it has "data"/);
		expect(transcriptions()).toHaveLength(0);
	});

	it('checks the option table before any request: a word for Max Concurrent Requests is an error naming the option and its range', async () => {
		const result = await runNode({
			node: 'mistralAudio',
			parameters: { operation: 'transcribe', model: model('voxtral-mini-latest'), transcribeOptions: { maxConcurrency: '={{ "auto" }}' } },
			items: [binaryItem(makeWav(1), 'audio/wav', 'a.wav')],
			credentials: credentials(),
		});
		expect(result.error?.message).toMatch(/"Max Concurrent Requests" is "auto"; it must be a whole number from 1 to 64/);
		const speak = await runNode({
			node: 'mistralAudio',
			parameters: { operation: 'speak', model: model('voxtral-mini-tts-latest'), text: 'hi', speakOptions: { timeout: 0 } },
			credentials: credentials(),
		});
		expect(speak.error?.message).toMatch(/"Timeout \(Seconds\)" is 0/);
		expect(server.requests).toHaveLength(0);
	});

	it('sends context bias terms one field each and refuses a term with a space', async () => {
		const ok = await runNode({
			node: 'mistralAudio',
			parameters: { operation: 'transcribe', model: model('voxtral-mini-latest'), transcribeOptions: { contextBias: 'Voxtral, Kubernetes,\nOkafor', temperature: 0.2 } },
			items: [binaryItem(makeWav(1), 'audio/wav', 'a.wav')],
			credentials: credentials(),
		});
		expect(ok.error).toBeUndefined();
		expect(transcriptions()[0].multipart?.filter((part) => part.name === 'context_bias').map((part) => part.value)).toEqual(['Voxtral', 'Kubernetes', 'Okafor']);
		expect(transcriptions()[0].multipart?.find((part) => part.name === 'temperature')?.value).toBe('0.2');
		const bad = await runNode({
			node: 'mistralAudio',
			parameters: { operation: 'transcribe', model: model('voxtral-mini-latest'), transcribeOptions: { contextBias: 'New York' } },
			items: [binaryItem(makeWav(1), 'audio/wav', 'a.wav')],
			credentials: credentials(),
		});
		expect(bad.error?.message).toMatch(/"New York" has a space or a comma/);
	});

	it('Speak gives a binary that plays as the format it claims, with a matching file name and MIME type', async () => {
		const formats: Array<[string, (bytes: Buffer) => boolean, string, string]> = [
			['mp3', (b) => b[0] === 0xff && (b[1] & 0xe0) === 0xe0, 'audio/mpeg', 'reply.mp3'],
			['wav', (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WAVE', 'audio/wav', 'reply.wav'],
			['opus', (b) => b.subarray(0, 4).toString('latin1') === 'OggS' && b.includes(Buffer.from('OpusHead')), 'audio/ogg', 'reply.ogg'],
			['flac', (b) => b.subarray(0, 4).toString('latin1') === 'fLaC', 'audio/flac', 'reply.flac'],
			// Raw float32 samples: no header, a whole number of 4-byte samples, none beyond full scale.
			['pcm', (b) => b.length > 0 && b.length % 4 === 0 && Math.abs(b.readFloatLE(400)) <= 1, 'audio/pcm', 'reply.pcm'],
		];
		for (const [format, plays, mimeType, fileName] of formats) {
			const result = await runNode({
				node: 'mistralAudio',
				parameters: {
					operation: 'speak',
					model: model('voxtral-mini-tts-latest'),
					text: '={{ $json.answer }}',
					voice: { __rl: true, mode: 'list', value: '5a271406-039d-46fe-835b-fbbb00eaf08d' },
					audioFormat: format,
					speakOptions: { fileName: 'reply' },
				},
				items: [{ json: { answer: 'Your order ships tomorrow.', chatId: 42 } }],
				credentials: credentials(),
			});
			expect(result.error).toBeUndefined();
			const binary = result.items[0].binary!.data;
			const bytes = Buffer.from(binary.data, 'base64');
			expect(plays(bytes)).toBe(true);
			expect(binary).toMatchObject({ mimeType, fileName, fileExtension: fileName.split('.').pop() });
			expect(result.items[0].json).toEqual({ answer: 'Your order ships tomorrow.', chatId: 42 });
			expect(result.items[0].pairedItem).toEqual({ item: 0 });
		}
		const sent = server.requests.filter((request) => request.path === '/audio/speech').map((request) => request.body);
		expect(sent[0]).toEqual({ input: 'Your order ships tomorrow.', response_format: 'mp3', model: 'voxtral-mini-tts-latest', voice_id: '5a271406-039d-46fe-835b-fbbb00eaf08d' });
	});

	it('Speak: an empty text fails alone with Continue On Fail; the voice list comes from the server', async () => {
		const result = await runNode({
			node: 'mistralAudio',
			parameters: { operation: 'speak', model: model('voxtral-mini-tts-latest'), text: '={{ $json.answer }}' },
			items: [{ json: { answer: 'Hello' } }, { json: { answer: '' } }, { json: { answer: 'Bye' } }],
			credentials: credentials(),
			continueOnFail: true,
		});
		expect(result.items.map((item) => Boolean(item.binary?.data))).toEqual([true, false, true]);
		expect(result.items[1].json.error).toMatch(/"Text" is empty.*\[item 1\]$/);
		const voices = await searchList('mistralAudio', 'searchVoices', credentials());
		expect(voices.results.map((voice) => voice.name)).toEqual(['Paul', 'Marie', 'Lena']);
		const speechModels = await searchList('mistralAudio', 'searchSpeechModels', credentials());
		expect(speechModels.results.map((entry) => entry.value)).toEqual(['voxtral-mini-tts-2603', 'voxtral-mini-tts-latest']);
		const transcriptionModels = await searchList('mistralAudio', 'searchTranscriptionModels', credentials());
		expect(transcriptionModels.results.map((entry) => entry.value)).toEqual(['voxtral-mini-2507', 'voxtral-mini-2602', 'voxtral-mini-latest']);
	});

	it('a hostile server: its key echoes are redacted from transcripts and errors; a non-transcription answer and wrong audio are clear errors', async () => {
		const key = server.apiKey as string;
		server.enqueue(
			{ path: '/audio/transcriptions', body: { model: 'm', text: `you said ${key}`, language: 'en', segments: [], usage: {} } },
			{ path: '/audio/transcriptions', body: { choices: [{ message: { content: key } }] } },
			{ path: '/audio/speech', body: { audio_data: makeWav(0.1).toString('base64') } },
			{ path: '/audio/transcriptions', status: 400, body: { object: 'error', message: `bad key ${key}`, type: 'invalid_request_error', param: null, code: null } },
		);
		const transcribed = await runNode({
			node: 'mistralAudio',
			parameters: { operation: 'transcribe', model: model('voxtral-mini-latest'), transcribeOptions: { maxConcurrency: 1 } },
			items: [binaryItem(makeWav(1), 'audio/wav', 'a.wav'), binaryItem(makeWav(1), 'audio/wav', 'b.wav')],
			credentials: credentials(),
			continueOnFail: true,
		});
		expect(JSON.stringify(transcribed.items)).not.toContain(key);
		expect(transcribed.items[0].json.text).toMatch(/^you said /);
		expect(transcribed.items[1].json.error).toMatch(/not a transcription \(no "text"\).*\[item 1\]$/);
		const spoken = await runNode({
			node: 'mistralAudio',
			parameters: { operation: 'speak', model: model('voxtral-mini-tts-latest'), text: 'hi', audioFormat: 'mp3' },
			credentials: credentials(),
			continueOnFail: true,
		});
		expect(spoken.items[0].json.error).toMatch(/answered WAV when MP3 was asked for/);
		const refused = await runNode({
			node: 'mistralAudio',
			parameters: { operation: 'transcribe', model: model('voxtral-mini-latest') },
			items: [binaryItem(makeWav(1), 'audio/wav', 'a.wav')],
			credentials: credentials(),
		});
		expect(refused.error?.message).toBeDefined();
		expect(JSON.stringify(refused.error)).not.toContain(key);
	});

	it('Transcribe in batch mode: URLs go as file_url, binaries are uploaded (purpose audio), named by file_id and deleted after', async () => {
		server.audio.hostedAudio.set('https://media.example.com/b.wav', makeWav(3));
		const result = await runNode({
			node: 'mistralAudio',
			parameters: {
				operation: 'transcribe',
				processing: 'batch',
				model: model('voxtral-mini-latest'),
				audioSource: '={{ $json.url ? "url" : "binary" }}',
				audioUrl: '={{ $json.url }}',
				transcribeOptions: { diarize: true },
			},
			items: [binaryItem(makeWav(2), 'audio/wav', 'a.wav'), { json: { url: 'https://media.example.com/b.wav' } }, binaryItem(NOT_AUDIO.png, 'audio/wav', 'c.wav')],
			credentials: credentials(),
			continueOnFail: true,
		});
		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => item.json.text ?? item.json.error)).toEqual([
			'Transcript of a.wav (2.00 s, wav).',
			'Transcript of b.wav (3.00 s, wav).',
			expect.stringMatching(/is a PNG image, not audio.*\[item 2\]$/),
		]);
		expect(result.items[0].json.speakers).toEqual(['speaker_0']);
		const job = server.requests.find((request) => request.path === '/batch/jobs' && request.method === 'POST')!.body;
		expect(job.endpoint).toBe('/v1/audio/transcriptions');
		expect(job.requests.map((line: any) => Object.keys(line.body).sort())).toEqual([['diarize', 'file_id', 'model'], ['diarize', 'file_url', 'model']]);
		const uploads = server.requests.filter((request) => request.path === '/files' && request.method === 'POST');
		const deletes = server.requests.filter((request) => request.method === 'DELETE' && request.path.startsWith('/files/'));
		expect(uploads).toHaveLength(1);
		expect(deletes.map((request) => request.status)).toEqual([200]);
	});

	it('Transcribe in batch mode, Submit Only then Collect Results: references carry the upload, deleted once collected', async () => {
		const parameters = { operation: 'transcribe', processing: 'batch', model: model('voxtral-mini-latest'), transcribeOptions: { timestamps: 'segment' } };
		const submitted = await runNode({
			node: 'mistralAudio',
			parameters: { ...parameters, batchMode: 'submit' },
			items: [binaryItem(makeWav(1.5), 'audio/wav', 'first.wav', { id: 'a' }), binaryItem(makeWav(2.5), 'audio/wav', 'second.wav', { id: 'b' })],
			credentials: credentials(),
		});
		expect(submitted.error).toBeUndefined();
		const references = submitted.items.map((item) => item.json.mistralBatch as Record<string, unknown>);
		expect(references.map((reference) => [reference.fileName, typeof reference.uploadedFileId])).toEqual([
			['first.wav', 'string'],
			['second.wav', 'string'],
		]);
		expect(server.requests.filter((request) => request.method === 'DELETE')).toHaveLength(0);
		const collected = await runNode({
			node: 'mistralAudio',
			parameters: { ...parameters, batchMode: 'collect' },
			items: submitted.items.map((item) => ({ json: item.json })),
			credentials: credentials(),
		});
		expect(collected.error).toBeUndefined();
		expect(collected.items.map((item) => [item.json.id, item.json.text, item.json.fileName, 'mistralBatch' in item.json])).toEqual([
			['a', 'Transcript of first.wav (1.50 s, wav).', 'first.wav', false],
			['b', 'Transcript of second.wav (2.50 s, wav).', 'second.wav', false],
		]);
		const deleted = server.requests.filter((request) => request.method === 'DELETE').map((request) => request.path);
		expect(deleted.sort()).toEqual(references.map((reference) => `/files/${String(reference.uploadedFileId)}`).sort());
	});
});

describe('Audio in Mistral Chat', () => {
	let server: MistralTestServer;
	const credentials = () => ({ apiKey: server.apiKey as string, baseUrl: server.url });

	beforeAll(async () => {
		server = await startMistralServer();
	});
	afterAll(async () => await server.close());
	beforeEach(() => server.reset());

	it('sends a voice note as an input_audio chunk beside the prompt, by binary or URL', async () => {
		server.audio.hostedAudio.set('https://media.example.com/v.wav', makeWav(1));
		const result = await runNode({
			node: 'mistralChat',
			parameters: {
				model: model('voxtral-small-latest'),
				prompt: 'Summarise this voice note',
				audio: { recording: [{ source: 'binary', binaryProperty: 'data' }, { source: 'url', url: 'https://media.example.com/v.wav' }] },
			},
			items: [binaryItem(makeWav(2.5), 'audio/ogg', 'voice.oga')],
			credentials: credentials(),
		});
		expect(result.error).toBeUndefined();
		expect(result.items[0].json.content).toBe('Echo: Summarise this voice note [audio: wav 2.50 s; wav 1.00 s]');
		const content = server.requests.find((request) => request.path === '/chat/completions')!.body.messages[0].content;
		expect(content).toEqual([
			{ type: 'text', text: 'Summarise this voice note' },
			{ type: 'input_audio', input_audio: makeWav(2.5).toString('base64') },
			{ type: 'input_audio', input_audio: 'https://media.example.com/v.wav' },
		]);
	});

	it('refuses a binary that is not audio before sending, naming the item', async () => {
		const result = await runNode({
			node: 'mistralChat',
			parameters: { model: model('voxtral-small-latest'), prompt: 'Summarise', audio: { recording: [{ source: 'binary', binaryProperty: 'data' }] } },
			items: [binaryItem(NOT_AUDIO.pdf, 'audio/mpeg', 'x.mp3')],
			credentials: credentials(),
		});
		expect(result.error?.message).toMatch(/Audio 1 \(binary property "data"\) is a PDF document, not audio.*\[item 0\]/);
		expect(server.requests.filter((request) => request.path === '/chat/completions')).toHaveLength(0);
	});

	it('marks the chat models that take audio in the model list', async () => {
		const list = await searchList('mistralChat', 'searchModels', credentials());
		const names = list.results.map((entry) => entry.name);
		expect(names).toContain('voxtral-small-latest (audio)');
		expect(names).toContain('mistral-large-latest');
		expect(names).not.toContain('voxtral-mini-tts-latest');
	});
});
