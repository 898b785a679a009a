/**
 * End-to-end, Mistral Audio: the packed package in a real n8n (2.41.1 and 1.123.81; scripts/e2e.sh;
 * `npm run test:e2e -- test/e2e/audio.e2e.ts`) against the local server, whose 422 is the oracle for
 * every request, multipart bodies included.
 *  - 50 recordings, half as binary files made by a Code node, half by URL, transcribed in order with
 *    pairedItem, segments and speakers;
 *  - a binary that is not audio, an empty file and an unknown language code fail alone (Continue On
 *    Fail), the other items are transcribed;
 *  - Speak: the binary's bytes are the format it claims (read back by a Code node);
 *  - examples/voice-note-summary.json: voice note -> transcript -> Mistral Chat summary.
 */
import fs from 'node:fs';
import path from 'node:path';

import { makeWav, NOT_AUDIO } from '../fixtures/audioFiles';
import { startMistralServer } from '../server/mistralServer';
import type { MistralTestServer } from '../server/mistralServer';
import { freePort, runN8n, tail, USER_FOLDER } from './n8nProcess';

const ROOT = path.resolve(__dirname, '../..');
const CREDENTIAL = { id: 'E2eMistralAudio1', name: 'Mistral (audio e2e server)' };
const EXAMPLE = 'voice-note-summary.json';
const TRIGGER = "When clicking 'Execute workflow'";

interface Item {
	json: Record<string, any>;
	binary?: Record<string, any>;
	pairedItem?: unknown;
}

function parseRun(output: string): any {
	const lines = output.split('\n');
	const start = lines.indexOf('{');
	const end = start < 0 ? -1 : lines.lastIndexOf('}');
	if (start < 0 || end < 0) throw new Error(`no execution data in the output of n8n execute:\n${tail(output)}`);
	return JSON.parse(lines.slice(start, end + 1).join('\n'));
}

function nodeOutput(run: any, nodeName: string): Item[] {
	const runs = run.data.resultData.runData[nodeName];
	if (!runs?.length) throw new Error(`node "${nodeName}" did not run; ran: ${Object.keys(run.data.resultData.runData).join(', ')}`);
	return runs[0].data?.main[0] ?? [];
}

let nodeCounter = 0;
function node(name: string, type: string, parameters: Record<string, unknown>, extra: Record<string, unknown> = {}) {
	nodeCounter++;
	return {
		id: `b1d0c0de-0000-4000-8000-${String(nodeCounter).padStart(12, '0')}`,
		name,
		type,
		typeVersion: type === 'n8n-nodes-base.code' ? 2 : 1,
		position: [nodeCounter * 220, 0],
		parameters,
		...extra,
	};
}

function chain(id: string, name: string, nodes: Array<ReturnType<typeof node>>) {
	const all = [node(TRIGGER, 'n8n-nodes-base.manualTrigger', {}), ...nodes];
	const connections: Record<string, unknown> = {};
	for (let i = 0; i < all.length - 1; i++) connections[all[i].name] = { main: [[{ node: all[i + 1].name, type: 'main', index: 0 }]] };
	return { id, name, active: false, nodes: all, connections, settings: { executionOrder: 'v1' }, pinData: {} };
}

const audioNode = (name: string, parameters: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
	node(name, 'n8n-nodes-mistral.mistralAudio', parameters, { credentials: { mistralAiApi: { ...CREDENTIAL } }, ...extra });

/** A Code node that outputs these rows, with `b64` turned into a binary property "data". */
function recordingsCode(rows: Array<Record<string, unknown>>): string {
	return [
		`const rows = ${JSON.stringify(rows)};`,
		'return rows.map((row) => {',
		'  const { b64, fileName, mimeType, ...json } = row;',
		'  const item = { json };',
		'  if (b64 !== undefined) item.binary = { data: { data: b64, mimeType: mimeType || "application/octet-stream", fileName } };',
		'  return item;',
		'});',
	].join('\n');
}

const URL_BASE = 'https://media.example.com/voice';
const secondsOf = (index: number) => 0.25 + (index % 4) * 0.25;

let server: MistralTestServer;
let brokerPort: number;

async function execute(id: string, logName: string) {
	const { code, stdout, stderr } = await runN8n(['execute', `--id=${id}`, '--rawOutput'], { N8N_LOG_LEVEL: 'info', N8N_RUNNERS_BROKER_PORT: String(brokerPort) }, 180_000);
	const output = stdout + stderr;
	if (code !== 0) throw new Error(`n8n execute (${logName}) exited with ${code}\n${tail(output, 80)}`);
	return parseRun(stdout);
}

beforeAll(async () => {
	server = await startMistralServer({ recordBodies: true });
	brokerPort = await freePort();
	const work = path.join(USER_FOLDER, 'e2e-audio-input');
	fs.mkdirSync(path.join(work, 'workflows'), { recursive: true });
	const credentialFile = path.join(work, 'credentials.json');
	fs.writeFileSync(credentialFile, JSON.stringify([{ ...CREDENTIAL, type: 'mistralAiApi', data: { apiKey: server.apiKey, baseUrl: server.url } }]));
	const credentials = await runN8n(['import:credentials', `--input=${credentialFile}`], { N8N_LOG_LEVEL: 'warn' }, 60_000);
	if (credentials.code !== 0) throw new Error(`import:credentials failed\n${tail(credentials.stdout + credentials.stderr)}`);

	const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', EXAMPLE), 'utf8'));
	for (const entry of example.nodes) if (entry.credentials?.mistralAiApi) entry.credentials.mistralAiApi = { ...CREDENTIAL };
	fs.writeFileSync(path.join(work, 'workflows', EXAMPLE), JSON.stringify(example));

	const fifty = Array.from({ length: 50 }, (_, index) =>
		index % 2 === 0
			? { index, b64: makeWav(secondsOf(index), { sampleRate: 8000 }).toString('base64'), fileName: `note-${index}.bin` }
			: { index, url: `${URL_BASE}/call-${index}.wav` },
	);
	const transcribeAll = chain('E2eAudioFifty001', 'e2e: 50 recordings transcribed', [
		node('Recordings', 'n8n-nodes-base.code', { jsCode: recordingsCode(fifty) }),
		audioNode('Transcribe', {
			operation: 'transcribe',
			model: { __rl: true, mode: 'id', value: 'voxtral-mini-latest' },
			audioSource: '={{ $json.url ? "url" : "binary" }}',
			audioUrl: '={{ $json.url }}',
			transcribeOptions: { diarize: true, timestamps: 'segment' },
		}),
	]);
	const bad = [
		{ index: 0, b64: makeWav(1, { sampleRate: 8000 }).toString('base64'), fileName: 'good-0.wav', mimeType: 'audio/wav' },
		{ index: 1, b64: NOT_AUDIO.pdf.toString('base64'), fileName: 'invoice.mp3', mimeType: 'audio/mpeg' },
		{ index: 2, b64: '', fileName: 'empty.wav', mimeType: 'audio/wav' },
		{ index: 3, b64: makeWav(1, { sampleRate: 8000 }).toString('base64'), fileName: 'good-3.wav', mimeType: 'audio/wav', lang: 'xx' },
		{ index: 4, b64: makeWav(0.5, { sampleRate: 8000 }).toString('base64'), fileName: 'good-4.wav', mimeType: 'audio/wav' },
	];
	const badInput = chain('E2eAudioBadIn001', 'e2e: bad audio input, Continue On Fail', [
		node('Uploads', 'n8n-nodes-base.code', { jsCode: recordingsCode(bad) }),
		audioNode(
			'Transcribe (continue)',
			{
				operation: 'transcribe',
				model: { __rl: true, mode: 'id', value: 'voxtral-mini-latest' },
				transcribeOptions: { language: '={{ $json.lang ?? "" }}' },
			},
			{ onError: 'continueRegularOutput' },
		),
	]);
	const speak = chain('E2eAudioSpeak001', 'e2e: Speak, headers read back', [
		node('Replies', 'n8n-nodes-base.code', {
			jsCode: "return [{ json: { reply: 'Your parcel ships tomorrow.', format: 'mp3' } }, { json: { reply: 'Thanks for calling.', format: 'wav' } }, { json: { reply: 'Bis bald.', format: 'opus' } }];",
		}),
		audioNode('Speak', {
			operation: 'speak',
			model: { __rl: true, mode: 'id', value: 'voxtral-mini-tts-latest' },
			text: '={{ $json.reply }}',
			voice: { __rl: true, mode: 'id', value: 'paul' },
			audioFormat: '={{ $json.format }}',
			speakOptions: { fileName: 'reply' },
		}),
		node('Read header', 'n8n-nodes-base.code', {
			jsCode: [
				'const out = [];',
				'for (let i = 0; i < $input.all().length; i++) {',
				'  const item = $input.all()[i];',
				"  const bytes = await this.helpers.getBinaryDataBuffer(i, 'data');",
				"  out.push({ json: { format: item.json.format, head: bytes.subarray(0, 12).toString('hex'), size: bytes.length, mimeType: item.binary.data.mimeType, fileName: item.binary.data.fileName } });",
				'}',
				'return out;',
			].join('\n'),
		}),
	]);
	for (const [file, workflow] of [['fifty.json', transcribeAll], ['bad.json', badInput], ['speak.json', speak]] as const) {
		fs.writeFileSync(path.join(work, 'workflows', file), JSON.stringify(workflow));
	}
	const workflows = await runN8n(['import:workflow', '--separate', `--input=${path.join(work, 'workflows')}`], { N8N_LOG_LEVEL: 'warn' }, 60_000);
	if (workflows.code !== 0) throw new Error(`import:workflow failed\n${tail(workflows.stdout + workflows.stderr)}`);
}, 180_000);

afterAll(async () => {
	await server?.close();
});

beforeEach(() => {
	server.reset();
	for (let index = 1; index < 50; index += 2) server.audio.hostedAudio.set(`${URL_BASE}/call-${index}.wav`, makeWav(secondsOf(index), { sampleRate: 8000 }));
});

const transcriptions = () => server.requests.filter((request) => request.path === '/audio/transcriptions');

it('50 recordings by binary and URL are transcribed in order, with pairedItem, segments and speakers; every request valid', async () => {
	const run = await execute('E2eAudioFifty001', 'fifty');
	expect(run.data.resultData.error).toBeUndefined();
	const items = nodeOutput(run, 'Transcribe');
	expect(items).toHaveLength(50);
	items.forEach((item, index) => {
		const name = index % 2 === 0 ? `note-${index}.wav` : `call-${index}.wav`;
		expect(item.pairedItem).toEqual({ item: index });
		expect(item.json.index).toBe(index);
		expect(item.json.text).toBe(`Transcript of ${name} (${secondsOf(index).toFixed(2)} s, wav).`);
		expect(item.json.segments.length).toBeGreaterThan(0);
		expect(item.json.speakers).toContain('speaker_0');
	});
	expect(transcriptions()).toHaveLength(50);
	expect(transcriptions().map((request) => request.status)).toEqual(Array(50).fill(200));
	const fileParts = transcriptions().flatMap((request) => request.multipart?.filter((part) => part.name === 'file') ?? []);
	expect(fileParts).toHaveLength(25);
	expect(new Set(fileParts.map((part) => part.contentType))).toEqual(new Set(['audio/wav']));
}, 240_000);

it('a binary that is not audio, an empty file and an unknown language fail alone with the fix; the others are transcribed', async () => {
	const run = await execute('E2eAudioBadIn001', 'bad');
	const items = nodeOutput(run, 'Transcribe (continue)');
	expect(items.map((item) => item.pairedItem)).toEqual([0, 1, 2, 3, 4].map((item) => ({ item })));
	expect(items[0].json.text).toBe('Transcript of good-0.wav (1.00 s, wav).');
	expect(items[1].json.error).toMatch(/is a PDF document, not audio .*Give an audio file: MP3, WAV.*\[item 1\]$/);
	// An empty upload: the node's own message, or n8n's refusal of an empty binary before it (both name item 2).
	expect(items[2].json.error ?? '').toMatch(/empty|0 bytes/i);
	expect(items[3].json.error).toMatch(/"Language" is "xx", which is not an ISO 639-1 code.*\[item 3\]$/);
	expect(items[4].json.text).toBe('Transcript of good-4.wav (0.50 s, wav).');
	expect(transcriptions().map((request) => request.status)).toEqual([200, 200]);
}, 240_000);

it('Speak: each binary is the format it claims (header read back in n8n), with a matching name and MIME type', async () => {
	const run = await execute('E2eAudioSpeak001', 'speak');
	expect(run.data.resultData.error).toBeUndefined();
	const heads = nodeOutput(run, 'Read header').map((item) => item.json);
	expect(heads).toHaveLength(3);
	const [mp3, wav, opus] = heads;
	expect(mp3).toMatchObject({ mimeType: 'audio/mpeg', fileName: 'reply.mp3' });
	expect(mp3.head.slice(0, 4)).toBe('fffb');
	expect(wav).toMatchObject({ mimeType: 'audio/wav', fileName: 'reply.wav' });
	expect(Buffer.from(wav.head, 'hex').toString('latin1')).toMatch(/^RIFF.{4}WAVE$/s);
	expect(opus).toMatchObject({ mimeType: 'audio/ogg', fileName: 'reply.ogg' });
	expect(Buffer.from(opus.head, 'hex').subarray(0, 4).toString('latin1')).toBe('OggS');
	// The three items are spoken concurrently: the server sees them in any order.
	const sent = server.requests.filter((request) => request.path === '/audio/speech');
	const formats = sent.map((request) => [request.status, request.body.response_format, request.body.voice_id] as const);
	expect([...formats].sort((a, b) => a[1].localeCompare(b[1]))).toEqual([
		[200, 'mp3', 'paul'],
		[200, 'opus', 'paul'],
		[200, 'wav', 'paul'],
	]);
}, 240_000);

it('examples/voice-note-summary.json: the voice note is transcribed, then summarised by Mistral Chat', async () => {
	const run = await execute('MistralExVoice01', 'example');
	expect(run.data.resultData.error).toBeUndefined();
	const transcript = nodeOutput(run, 'Transcribe with Mistral');
	expect(transcript).toHaveLength(1);
	expect(transcript[0].json.text).toBe('Transcript of voice-note.wav (0.40 s, wav).');
	expect(transcript[0].json.speakers).toEqual(['speaker_0']);
	const summary = nodeOutput(run, 'Summarise with Mistral');
	expect(summary[0].json.content).toContain('Transcript of voice-note.wav (0.40 s, wav).');
	const chat = server.requests.filter((request) => request.path === '/chat/completions');
	expect(chat).toHaveLength(1);
	expect(chat[0].status).toBe(200);
}, 240_000);
