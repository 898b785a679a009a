/**
 * One scenario in its own process (so peak RSS and CPU time are the scenario's own): loads what it
 * needs, warms up against the server, reports 'ready', waits for 'go' (the parent resets and
 * configures the server in between), runs the measured job once and reports the numbers.
 *
 * Jobs: our built nodes through n8n's real engine (test/harness runNode), a raw batched embeddings
 * client on plain fetch (the design's physical limit), one fetch per item (what n8n's HTTP Request
 * node does), and a raw chat client (for CPU comparison).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';

import type { INodeExecutionData } from 'n8n-workflow';

import { makePdf, samplePages } from '../test/fixtures/documents';
import { makeWav } from '../test/fixtures/audioFiles';
import { embeddingFor } from '../test/server/vectors';
import type { Job, JobResult, MemorySample, ParentMessage, WorkerMessage } from './lib/common';
import { applyExperiment } from './lib/experiments';
import {
	API_KEY,
	CHAT_MODEL,
	DIMENSION,
	EMBED_MODEL,
	MB,
	OUT_ROOT,
	chatPrompt,
	cpuMs,
	embedText,
	forceGc,
	modelParameter,
	peakRssMb,
	recordingSeconds,
	rssMb,
	TRANSCRIBE_MODEL,
} from './lib/common';

type RunNode = typeof import('../test/harness/engine').runNode;

interface Slot {
	itemIndex: number;
	text: string;
	estimatedTokens: number;
}

// The node's own batching code (built), so the raw client sends exactly the same batches.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const batching = require(path.join(OUT_ROOT, 'dist/nodes/shared/packing/batching.js')) as {
	packBatches(slots: Slot[], limits: { maxInputs: number; maxTokens: number }): Slot[][];
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const inputs = require(path.join(OUT_ROOT, 'dist/nodes/shared/packing/tokenEstimate.js')) as {
	estimateTokens(text: string): number;
};

// The process's memory of accepted setups (built): forgotten to measure a first execution after the warm-up.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { verifiedSetups } = require(path.join(OUT_ROOT, 'dist/nodes/shared/transport/verifiedSetups.js')) as { verifiedSetups: { forgetAll(): void } };

const SAMPLES = 25;
const MODERATION_MODEL = 'mistral-moderation-latest';
const MODERATION_WORDS = ['kill', 'hate', 'suicide', 'passport', 'invest'];
/** Every 7th text carries a word the local server flags. */
const moderationFlagged = (i: number) => i % 7 === 3;
const moderationText = (i: number) =>
	moderationFlagged(i) ? `Message ${i}: they wrote ${MODERATION_WORDS[i % MODERATION_WORDS.length]} in the form` : `Message ${i}: a question about order ${i * 13}`;
const OCR_MODEL = 'mistral-ocr-latest';
const documentName = (i: number) => `bench-doc-${i}`;
const fixedMb = (bytes: number) => (bytes / MB).toFixed(1);

function makePdfBase64(megabytes: number): { base64: string; bytes: number } {
	const pdf = makePdf(samplePages('big', 4), { padBytes: megabytes * MB });
	return { base64: pdf.toString('base64'), bytes: pdf.length };
}

function documentItems(n: number, pages: number): INodeExecutionData[] {
	return Array.from({ length: n }, (_, i) => {
		const pdf = makePdf(samplePages(documentName(i), pages));
		return { json: { id: i }, binary: { data: { data: pdf.toString('base64'), mimeType: 'application/pdf', fileName: `${documentName(i)}.pdf` } } };
	});
}

function sampleIndices(n: number): number[] {
	const out = new Set<number>([0, n - 1]);
	for (let k = 0; k < SAMPLES; k++) out.add(Math.floor(((k + 0.5) / SAMPLES) * n));
	return [...out].filter((i) => i >= 0 && i < n);
}

function sameVector(actual: unknown, expected: number[]): boolean {
	if (!Array.isArray(actual) || actual.length !== expected.length) return false;
	for (let i = 0; i < expected.length; i++) if (actual[i] !== expected[i]) return false;
	return true;
}

/**
 * The fastest plain decoding of a base64 float32 vector into a JS number array (measured on Node 24:
 * ~5 us per 1024-d vector; Array.from(Float32Array) takes ~33 us and a Buffer.readFloatLE loop
 * into a Float32Array plus Array.from ~40-50 us).
 */
function decodeFloat32(encoded: string): number[] {
	const bytes = Buffer.from(encoded, 'base64');
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
	const n = bytes.length >>> 2;
	const out = new Array<number>(n);
	for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
	return out;
}

async function pool<T>(inputs_: readonly T[], limit: number, task: (input: T, index: number) => Promise<void>): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < inputs_.length) {
			const index = next++;
			await task(inputs_[index], index);
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, inputs_.length)) }, worker));
}

const headers = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', accept: 'application/json' };

async function postJson(url: string, body: unknown): Promise<{ status: number; json: any }> {
	const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
	const json = await response.json();
	return { status: response.status, json };
}

function embedBody(texts: string[], transport: 'base64' | 'float'): Record<string, unknown> {
	return transport === 'base64' ? { model: EMBED_MODEL, input: texts, encoding_format: 'base64' } : { model: EMBED_MODEL, input: texts };
}

function toVector(embedding: unknown): number[] {
	return typeof embedding === 'string' ? decodeFloat32(embedding) : (embedding as number[]);
}

// ----- jobs ----------------------------------------------------------------------------------------

type Outcome = Omit<JobResult, 'wallMs' | 'startedAt' | 'endedAt' | 'cpu' | 'peakRssMb' | 'rssBeforeMb' | 'peakBeforeMb' | 'heapUsedBeforeMb' | 'rssAfterGcMb' | 'heapUsedAfterGcMb' | 'atPeak'>;

interface Prepared {
	/** The measured work (timed). */
	run(): Promise<void>;
	/** Checks what the run produced (not timed). */
	check(): Outcome;
}

let runNode: RunNode | undefined;
/**
 * Measured runs pass `cloneItems: false`: n8n's engine hands a node the previous node's items without
 * copying them; the harness's copy (which keeps test fixtures intact) is not the node's cost.
 */
async function loadEngine(): Promise<RunNode> {
	if (!runNode) {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		runNode = (require('../test/harness/engine') as typeof import('../test/harness/engine')).runNode;
		// The harness makes an n8n user folder per process (removed by jest's afterAll in tests): remove it on exit.
		const userFolder = process.env.N8N_USER_FOLDER;
		if (userFolder?.includes('n8n-mistral-harness-')) process.once('exit', () => rmSync(userFolder, { recursive: true, force: true }));
	}
	return runNode;
}

function embedItems(n: number): INodeExecutionData[] {
	return Array.from({ length: n }, (_, i) => ({ json: { id: i, text: embedText(i) } }));
}

function checkVectors(vectors: number[][], texts: string[]): { checked: number; mismatches: number } {
	let checked = 0;
	let mismatches = 0;
	for (const i of sampleIndices(texts.length)) {
		checked++;
		if (!sameVector(vectors[i], embeddingFor(texts[i], EMBED_MODEL, DIMENSION))) mismatches++;
	}
	return { checked, mismatches };
}

/** The node's debug line "N request(s), N retried, N ms waited before retries". */
function clientStatsFrom(logs: string[]): JobResult['clientStats'] {
	for (const line of [...logs].reverse()) {
		const match = /(\d+) request\(s\), (\d+) retried, (\d+) ms waited before retries/.exec(line);
		if (match) return { requests: Number(match[1]), retries: Number(match[2]), retryWaitMs: Number(match[3]) };
	}
	return undefined;
}

/** What the server says for recording i (its file name and the duration its WAV header gives). */
function transcriptOf(i: number): string {
	return `Transcript of rec-${i}.wav (${recordingSeconds(i).toFixed(2)} s, wav).`;
}

function checkEmbedOutput(output: INodeExecutionData[], n: number): { failedItems: number; checked: number; mismatches: number } {
	let failedItems = 0;
	for (let i = 0; i < n; i++) {
		const json = output[i]?.json;
		if (!json || json.error !== undefined || !Array.isArray(json.embedding) || (json.embedding as number[]).length !== DIMENSION) failedItems++;
	}
	let checked = 0;
	let mismatches = 0;
	for (const i of sampleIndices(n)) {
		checked++;
		if (output[i]?.json?.id !== i || !sameVector(output[i]?.json?.embedding, embeddingFor(embedText(i), EMBED_MODEL, DIMENSION))) mismatches++;
	}
	return { failedItems, checked, mismatches };
}

async function prepare(job: Job, url: string): Promise<Prepared> {
	const credentials = { apiKey: API_KEY, baseUrl: url };
	switch (job.kind) {
		case 'baseline': {
			const run = await loadEngine();
			await run({ node: 'mistralEmbed', parameters: { model: modelParameter(EMBED_MODEL) }, items: embedItems(2), credentials });
			return { run: async () => undefined, check: () => ({ itemsIn: 0, itemsOut: 0, failedItems: 0, checked: 0, mismatches: 0 }) };
		}
		case 'node-embed': {
			const run = await loadEngine();
			const options: Record<string, string | number> = { vectorTransport: job.transport };
			if (job.concurrency !== undefined) options.maxConcurrency = job.concurrency;
			if (job.batchSize !== undefined) options.batchSize = job.batchSize;
			const parameters = { model: modelParameter(EMBED_MODEL), options, processing: job.processing ?? 'realtime' };
			for (const experiment of job.experiments ?? []) applyExperiment(experiment);
			await run({ node: 'mistralEmbed', parameters, items: embedItems(2), credentials });
			const items = embedItems(job.items);
			let result: Awaited<ReturnType<RunNode>> | undefined;
			return {
				run: async () => {
					if (job.firstExecution) verifiedSetups.forgetAll();
					result = await run({ node: 'mistralEmbed', parameters, items, credentials, continueOnFail: job.continueOnFail, cloneItems: false });
				},
				check: () => {
					const check = checkEmbedOutput(result!.items, job.items);
					return {
						itemsIn: job.items,
						itemsOut: result!.items.length,
						...check,
						failedItems: result!.error ? job.items : check.failedItems,
						error: result!.error?.message,
						engineMs: result!.durationMs,
						clientStats: clientStatsFrom(result!.logs),
					};
				},
			};
		}
		case 'raw-embed': {
			const endpoint = `${url}/embeddings`;
			await postJson(endpoint, embedBody(['warm up'], job.transport));
			const texts = Array.from({ length: job.items }, (_, i) => embedText(i));
			const vectors: number[][] = new Array(job.items);
			let failedItems = 0;
			let batchCount = 0;
			return {
				run: async () => {
					// Same slots and limits as the node (its own packBatches and estimateTokens).
					const slots: Slot[] = texts.map((text, itemIndex) => ({ itemIndex, text, estimatedTokens: inputs.estimateTokens(text) }));
					const batches = batching.packBatches(slots, { maxInputs: job.batchSize, maxTokens: job.maxTokens });
					batchCount = batches.length;
					await pool(batches, job.concurrency, async (batch) => {
						const { status, json } = await postJson(endpoint, embedBody(batch.map((slot) => slot.text), job.transport));
						if (status !== 200) {
							failedItems += batch.length;
							return;
						}
						for (const entry of json.data as Array<{ index: number; embedding: unknown }>) {
							vectors[batch[entry.index].itemIndex] = toVector(entry.embedding);
						}
					});
				},
				check: () => ({
					itemsIn: job.items,
					itemsOut: vectors.filter(Boolean).length,
					failedItems,
					...checkVectors(vectors, texts),
					notes: [`${batchCount} batches`],
				}),
			};
		}
		case 'per-item-embed': {
			const endpoint = `${url}/embeddings`;
			let post = postJson;
			if (job.client === 'n8n') {
				// n8n's HTTP stack, as helpers.httpRequest uses it (axios, n8n's agents, no keep-alive).
				await loadEngine();
				// eslint-disable-next-line @typescript-eslint/no-require-imports
				await (require('../test/harness/engine') as typeof import('../test/harness/engine')).loadPackage();
				const coreDir = path.dirname(require.resolve('n8n-core/package.json'));
				// eslint-disable-next-line @typescript-eslint/no-require-imports
				const { Container } = require(require.resolve('@n8n/di', { paths: [coreDir] })) as { Container: { get(token: unknown): any } };
				// eslint-disable-next-line @typescript-eslint/no-require-imports
				const { OutboundHttp } = require(require.resolve('@n8n/backend-network', { paths: [coreDir] })) as { OutboundHttp: unknown };
				const client = Container.get(OutboundHttp).requests() as { request(options: Record<string, unknown>): Promise<any> };
				post = async (target: string, body: unknown) => {
					const response = await client.request({
						method: 'POST',
						url: target,
						body,
						json: true,
						headers: { authorization: headers.authorization },
						returnFullResponse: true,
						ignoreHttpStatusErrors: true,
					});
					return { status: response.statusCode as number, json: response.body };
				};
			}
			await post(endpoint, embedBody(['warm up'], job.transport));
			const texts = Array.from({ length: job.items }, (_, i) => embedText(i));
			const vectors: number[][] = new Array(job.items);
			let failedItems = 0;
			const sendTimes: number[] = [];
			const one = async (i: number) => {
				sendTimes.push(performance.now());
				try {
					const { status, json } = await post(endpoint, embedBody([texts[i]], job.transport));
					if (status === 200) vectors[i] = toVector(json.data[0].embedding);
					else failedItems++;
				} catch {
					failedItems++;
				}
			};
			return {
				run: async () => {
					const start = performance.now();
					if (job.intervalMs === undefined) {
						// Every item's request at once, as n8n's HTTP Request node does.
						await Promise.all(texts.map((_text, i) => one(i)));
					} else {
						// Paced: item i is sent at start + i * interval.
						const interval = job.intervalMs;
						await Promise.all(
							texts.map(
								(_text, i) =>
									new Promise<void>((resolve) => {
										setTimeout(() => void one(i).then(resolve), Math.max(0, start + i * interval - performance.now()));
									}),
							),
						);
					}
				},
				check: () => ({
					itemsIn: job.items,
					itemsOut: vectors.filter(Boolean).length,
					failedItems,
					...checkVectors(vectors, texts),
					sendSpanMs: sendTimes.length > 1 ? sendTimes[sendTimes.length - 1] - sendTimes[0] : 0,
				}),
			};
		}
		case 'node-documents': {
			const run = await loadEngine();
			const parameters = { model: modelParameter(OCR_MODEL), options: { maxConcurrency: job.concurrency } };
			await run({ node: 'mistralDocumentAi', parameters, items: documentItems(2, 1), credentials });
			const items = documentItems(job.items, job.pages);
			let result: Awaited<ReturnType<RunNode>> | undefined;
			return {
				run: async () => {
					result = await run({ node: 'mistralDocumentAi', parameters, items, credentials, cloneItems: false });
				},
				check: () => {
					const output = result!.items;
					let mismatches = 0;
					for (let i = 0; i < job.items; i++) if (!String(output[i]?.json?.markdown ?? '').includes(`${documentName(i)} page ${job.pages - 1}`)) mismatches++;
					return { itemsIn: job.items, itemsOut: output.length, failedItems: result!.error ? job.items : output.filter((item) => item.json.error !== undefined).length, checked: job.items, mismatches, error: result!.error?.message };
				},
			};
		}
		case 'raw-ocr': {
			// What a hand-written client does: the same inline data-URL body per document, same concurrency.
			const pdfs = Array.from({ length: job.items }, (_, i) => makePdf(samplePages(documentName(i), job.pages)));
			const body = (pdf: Buffer) => ({ model: OCR_MODEL, document: { type: 'document_url', document_url: `data:application/pdf;base64,${pdf.toString('base64')}` }, include_image_base64: false, include_blocks: false });
			await postJson(`${url}/ocr`, body(makePdf(samplePages('warm-up', 1))));
			const answers: string[] = new Array(job.items);
			let failedItems = 0;
			return {
				run: async () => {
					await pool(pdfs, job.concurrency, async (pdf, i) => {
						const { status, json } = await postJson(`${url}/ocr`, body(pdf));
						if (status === 200) answers[i] = (json.pages as Array<{ markdown: string }>).map((page) => page.markdown).join('\n\n');
						else failedItems++;
					});
				},
				check: () => ({
					itemsIn: job.items,
					itemsOut: answers.filter(Boolean).length,
					failedItems,
					checked: job.items,
					mismatches: answers.filter((answer, i) => !answer?.includes(`${documentName(i)} page ${job.pages - 1}`)).length,
				}),
			};
		}
		case 'node-document-memory': {
			const run = await loadEngine();
			const parameters = { model: modelParameter(OCR_MODEL), options: {} };
			await run({ node: 'mistralDocumentAi', parameters, items: documentItems(1, 1), credentials });
			// Only the item's base64 (as n8n keeps binary data in memory) outlives the preparation.
			const size = makePdfBase64(job.megabytes);
			const items = [{ json: {}, binary: { data: { data: size.base64, mimeType: 'application/pdf', fileName: 'big.pdf' } } }];
			forceGc();
			const before = process.memoryUsage();
			let result: Awaited<ReturnType<RunNode>> | undefined;
			return {
				run: async () => {
					// As n8n's engine hands items to a node: not cloned (the harness's clone of 60 MB of base64 is not the node's cost).
					result = await run({ node: 'mistralDocumentAi', parameters, items, credentials, cloneItems: false });
				},
				check: () => ({
					itemsIn: 1,
					itemsOut: result!.items.length,
					failedItems: result!.error ? 1 : 0,
					checked: 1,
					mismatches: String(result!.items[0]?.json?.markdown ?? '').includes('big page 3') ? 0 : 1,
					error: result!.error?.message,
					notes: [`document ${fixedMb(size.bytes)} MiB`, `arrayBuffers before ${fixedMb(before.arrayBuffers)} MiB, external before ${fixedMb(before.external)} MiB, heap before ${fixedMb(before.heapUsed)} MiB`],
				}),
			};
		}
		case 'memory-floor': {
			const vectors: number[][] = new Array(job.items);
			const encoded = Array.from({ length: 64 }, (_, i) => Buffer.from(new Float32Array(embeddingFor(`floor ${i}`, EMBED_MODEL, DIMENSION)).buffer).toString('base64'));
			return {
				run: async () => {
					for (let i = 0; i < job.items; i++) {
						if (job.mode === 'decode') {
							// A fresh string each time, as JSON.parse would give.
							vectors[i] = decodeFloat32(`${encoded[i & 63]} `.trimEnd());
						} else {
							const vector = new Array<number>(DIMENSION);
							for (let k = 0; k < DIMENSION; k++) vector[k] = (i + k) / 3;
							vectors[i] = vector;
						}
					}
				},
				check: () => ({ itemsIn: job.items, itemsOut: vectors.length, failedItems: 0, checked: 0, mismatches: 0 }),
			};
		}
		case 'node-chat': {
			const run = await loadEngine();
			const parameters = { model: modelParameter(CHAT_MODEL), options: { maxConcurrency: job.concurrency } };
			const makeItems = (n: number) => Array.from({ length: n }, (_, i) => ({ json: { prompt: chatPrompt(i) } }));
			for (const experiment of job.experiments ?? []) applyExperiment(experiment);
			await run({ node: 'mistralChat', parameters, items: makeItems(2), credentials });
			const items = makeItems(job.items);
			let result: Awaited<ReturnType<RunNode>> | undefined;
			return {
				run: async () => {
					result = await run({ node: 'mistralChat', parameters, items, credentials, continueOnFail: job.continueOnFail, cloneItems: false });
				},
				check: () => {
					let failedItems = 0;
					let mismatches = 0;
					for (let i = 0; i < job.items; i++) {
						const json = result!.items[i]?.json;
						if (!json || json.error !== undefined) failedItems++;
						else if (json.content !== `Echo: ${chatPrompt(i)}`) mismatches++;
					}
					return {
						itemsIn: job.items,
						itemsOut: result!.items.length,
						failedItems: result!.error ? job.items : failedItems,
						checked: job.items,
						mismatches,
						error: result!.error?.message,
						engineMs: result!.durationMs,
					};
				},
			};
		}
		case 'node-moderate': {
			const run = await loadEngine();
			const parameters = { model: modelParameter(MODERATION_MODEL) };
			const makeItems = (n: number) => Array.from({ length: n }, (_, i) => ({ json: { id: i, text: moderationText(i) } }));
			await run({ node: 'mistralModerate', parameters, items: makeItems(2), credentials });
			const items = makeItems(job.items);
			let result: Awaited<ReturnType<RunNode>> | undefined;
			return {
				run: async () => {
					result = await run({ node: 'mistralModerate', parameters, items, credentials, cloneItems: false });
				},
				check: () => {
					const [passed = [], flagged = []] = result!.outputs;
					let mismatches = 0;
					for (const item of passed) if (moderationFlagged(item.json.id as number)) mismatches++;
					for (const item of flagged) if (!moderationFlagged(item.json.id as number)) mismatches++;
					return {
						itemsIn: job.items,
						itemsOut: passed.length + flagged.length,
						failedItems: result!.error ? job.items : job.items - passed.length - flagged.length,
						checked: passed.length + flagged.length,
						mismatches,
						error: result!.error?.message,
						engineMs: result!.durationMs,
						clientStats: clientStatsFrom(result!.logs),
					};
				},
			};
		}
		case 'per-item-moderate': {
			const endpoint = `${url}/moderations`;
			await postJson(endpoint, { model: MODERATION_MODEL, input: ['warm up'] });
			const verdicts: Array<boolean | undefined> = new Array(job.items);
			let failedItems = 0;
			return {
				run: async () => {
					await pool(
						Array.from({ length: job.items }, (_, i) => i),
						job.concurrency,
						async (i) => {
							const { status, json } = await postJson(endpoint, { model: MODERATION_MODEL, input: [moderationText(i)] });
							if (status === 200) verdicts[i] = Object.values(json.results[0].categories as Record<string, boolean>).some(Boolean);
							else failedItems++;
						},
					);
				},
				check: () => ({
					itemsIn: job.items,
					itemsOut: verdicts.filter((verdict) => verdict !== undefined).length,
					failedItems,
					checked: job.items,
					mismatches: verdicts.filter((verdict, i) => verdict !== undefined && verdict !== moderationFlagged(i)).length,
				}),
			};
		}
		case 'node-transcribe': {
			const run = await loadEngine();
			const parameters = { operation: 'transcribe', model: modelParameter(TRANSCRIBE_MODEL), transcribeOptions: { maxConcurrency: job.concurrency } };
			for (const experiment of job.experiments ?? []) applyExperiment(experiment);
			const makeItems = (n: number) =>
				Array.from({ length: n }, (_, i) => {
					const bytes = makeWav(recordingSeconds(i), { sampleRate: 8000 });
					return { json: { i }, binary: { data: { data: bytes.toString('base64'), mimeType: 'audio/wav', fileName: `rec-${i}.wav`, fileSize: `${bytes.length} B` } } };
				});
			await run({ node: 'mistralAudio', parameters, items: makeItems(2), credentials });
			const items = makeItems(job.items);
			let result: Awaited<ReturnType<RunNode>> | undefined;
			return {
				run: async () => {
					result = await run({ node: 'mistralAudio', parameters, items, credentials, cloneItems: false });
				},
				check: () => {
					let failedItems = 0;
					let mismatches = 0;
					for (let i = 0; i < job.items; i++) {
						const json = result!.items[i]?.json;
						if (!json || json.error !== undefined) failedItems++;
						else if (json.text !== transcriptOf(i)) mismatches++;
					}
					return {
						itemsIn: job.items,
						itemsOut: result!.items.length,
						failedItems: result!.error ? job.items : failedItems,
						checked: job.items,
						mismatches,
						error: result!.error?.message,
						engineMs: result!.durationMs,
					};
				},
			};
		}
		case 'raw-transcribe': {
			const endpoint = `${url}/audio/transcriptions`;
			const recordings = Array.from({ length: job.items }, (_, i) => makeWav(recordingSeconds(i), { sampleRate: 8000 }));
			const send = async (i: number) => {
				const form = new FormData();
				form.append('model', TRANSCRIBE_MODEL);
				form.append('file', new Blob([recordings[i]], { type: 'audio/wav' }), `rec-${i}.wav`);
				const response = await fetch(endpoint, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` }, body: form });
				return { status: response.status, json: (await response.json()) as any };
			};
			await send(0);
			const texts: string[] = new Array(job.items);
			let failedItems = 0;
			return {
				run: async () => {
					await pool(
						Array.from({ length: job.items }, (_, i) => i),
						job.concurrency,
						async (i) => {
							const { status, json } = await send(i);
							if (status === 200) texts[i] = json.text;
							else failedItems++;
						},
					);
				},
				check: () => {
					let mismatches = 0;
					for (let i = 0; i < job.items; i++) if (texts[i] !== undefined && texts[i] !== transcriptOf(i)) mismatches++;
					return { itemsIn: job.items, itemsOut: texts.filter((t) => t !== undefined).length, failedItems, checked: job.items, mismatches };
				},
			};
		}
		case 'raw-chat': {
			const endpoint = `${url}/chat/completions`;
			const body = (i: number) => ({ model: CHAT_MODEL, messages: [{ role: 'user', content: chatPrompt(i) }] });
			await postJson(endpoint, body(0));
			const answers: string[] = new Array(job.items);
			let failedItems = 0;
			return {
				run: async () => {
					await pool(
						Array.from({ length: job.items }, (_, i) => i),
						job.concurrency,
						async (i) => {
							const { status, json } = await postJson(endpoint, body(i));
							if (status === 200) answers[i] = json.choices[0].message.content;
							else failedItems++;
						},
					);
				},
				check: () => {
					let mismatches = 0;
					for (let i = 0; i < job.items; i++) if (answers[i] !== undefined && answers[i] !== `Echo: ${chatPrompt(i)}`) mismatches++;
					return { itemsIn: job.items, itemsOut: answers.filter((a) => a !== undefined).length, failedItems, checked: job.items, mismatches };
				},
			};
		}
	}
}

function send(message: WorkerMessage): Promise<void> {
	return new Promise((resolve) => process.send!(message, () => resolve()));
}

async function main(): Promise<void> {
	const job = JSON.parse(process.argv[2]) as Job;
	const url = process.argv[3];
	const prepared = await prepare(job, url);
	forceGc();
	const rssBeforeMb = rssMb();
	const peakBeforeMb = peakRssMb();
	const heapUsedBeforeMb = process.memoryUsage().heapUsed / MB;
	await send({ type: 'ready' });
	await new Promise<void>((resolve) => {
		process.once('message', (message: ParentMessage) => {
			if (message.type === 'go') resolve();
		});
	});

	// BENCH_CPU_PROFILE=<file>: a V8 CPU profile of the measured run only (not of loading and warm-up).
	const profileFile = process.env.BENCH_CPU_PROFILE;
	let session: Session | undefined;
	if (profileFile) {
		session = new Session();
		session.connect();
		await session.post('Profiler.enable');
		await session.post('Profiler.setSamplingInterval', { interval: 250 });
		await session.post('Profiler.start');
	}

	// Memory over the run, sampled when the event loop is free: the breakdown at the highest RSS seen.
	// process.memoryUsage() walks the heap (~0.3 ms on a large one), so it runs only on a new RSS high.
	let atPeak: MemorySample | undefined;
	let highRss = 0;
	const sample = () => {
		const rss = process.memoryUsage.rss();
		if (rss <= highRss + 2 * MB) return;
		highRss = rss;
		const usage = process.memoryUsage();
		atPeak = { rssMb: usage.rss / MB, heapTotalMb: usage.heapTotal / MB, heapUsedMb: usage.heapUsed / MB, externalMb: usage.external / MB, arrayBuffersMb: usage.arrayBuffers / MB };
	};
	const sampler = setInterval(sample, 10);

	const cpuStart = process.cpuUsage();
	const startedAt = Date.now();
	const start = performance.now();
	await prepared.run();
	const wallMs = performance.now() - start;
	const endedAt = Date.now();
	const cpu = cpuMs(cpuStart);
	clearInterval(sampler);
	sample();

	if (session && profileFile) {
		const { profile } = await session.post('Profiler.stop');
		writeFileSync(profileFile, JSON.stringify(profile));
		session.disconnect();
	}
	// Read before the checks, which allocate a little (sampled vectors).
	const peak = peakRssMb();
	const checked = prepared.check();
	// What the run's output keeps alive (the prepared job still holds it): RSS and heap after a full GC.
	forceGc();
	const retained = { rssAfterGcMb: rssMb(), heapUsedAfterGcMb: process.memoryUsage().heapUsed / MB, heapUsedBeforeMb };
	const result: JobResult = { ...checked, wallMs, startedAt, endedAt, cpu, peakRssMb: peak, rssBeforeMb, peakBeforeMb, ...retained, atPeak };
	await send({ type: 'result', result });
	process.exit(0);
}

main().catch(async (error: unknown) => {
	await send({ type: 'failed', message: String((error as Error)?.stack ?? error) });
	process.exit(1);
});
