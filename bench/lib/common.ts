/**
 * Shared pieces of the benchmark: the workload (texts, prompts, node parameters), process
 * measurements (peak RSS, CPU time) and the messages exchanged between the processes.
 */
import path from 'node:path';

/**
 * PACKAGE_ROOT: the package. OUT_ROOT: .bench/ (bench/lib/ compiles to .bench/bench/lib/), which
 * holds the compiled bench and harness and a private copy of dist/ and package.json made by
 * scripts/bench.sh, so a concurrent `npm run build` cannot pull the nodes away mid-run.
 */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..');
export const OUT_ROOT = path.resolve(__dirname, '..', '..');

export const EMBED_MODEL = 'mistral-embed';
export const CHAT_MODEL = 'mistral-small-latest';
export const API_KEY = 'bench-key';
export const DIMENSION = 1024;

/** A short, varied text of ~40 tokens (server count), the shape of a CRM or support row. */
export function embedText(i: number): string {
	return `Row ${i}: customer ${(i * 7919) % 100_000} asked about invoice ${(i * 104_729) % 1_000_000} for order ${i * 13}, paid by card, and wants shipping to Lyon next week; please confirm the date.`;
}

export function chatPrompt(i: number): string {
	return `Summarise ticket ${i}: the customer cannot log in after the password reset and asks for a call back.`;
}

export const TRANSCRIBE_MODEL = 'voxtral-mini-latest';

/** The recordings of the transcription scenario: 1 to 2 s WAVs at 8 kHz (16 to 32 KB). */
export function recordingSeconds(i: number): number {
	return 1 + (i % 5) * 0.25;
}

export const modelParameter = (value: string) => ({ __rl: true, mode: 'id', value });

// ----- measurements --------------------------------------------------------------------------------

export const MB = 1024 * 1024;

/** Peak resident set size of this process so far, in MiB (getrusage ru_maxrss, = /proc/self/status VmHWM). */
export function peakRssMb(): number {
	return process.resourceUsage().maxRSS / 1024;
}

export function rssMb(): number {
	return process.memoryUsage.rss() / MB;
}

export function cpuMs(since?: NodeJS.CpuUsage): { userMs: number; systemMs: number; totalMs: number } {
	const usage = process.cpuUsage(since);
	return { userMs: usage.user / 1000, systemMs: usage.system / 1000, totalMs: (usage.user + usage.system) / 1000 };
}

export function forceGc(): void {
	const gc = (globalThis as { gc?: () => void }).gc;
	if (gc) {
		gc();
		gc();
	}
}

// ----- messages ------------------------------------------------------------------------------------

export interface ServerSettings {
	latencyMs?: number;
	rateLimitPerSecond?: number;
	/** The Batch API's job clock (test/server/batch.ts). */
	batch?: { speed?: number; queueSeconds?: number; requestsPerSecond?: number };
}

export interface ServerStats {
	requests: number;
	byStatus: Record<string, number>;
	rateLimited: number;
	maxInFlight: number;
	requestBytes: number;
	/** Server-side time per request, from its arrival to the end of the answer (ms). */
	requestMs?: { p50: number; p95: number; max: number };
	/** Date.now() when the first request arrived and when the last answer was finished. */
	firstStartedAt?: number;
	lastEndedAt?: number;
	/** TCP connections accepted (fewer than requests = keep-alive). */
	connections?: number;
	cpuMs: number;
	peakRssMb: number;
}

export interface MemorySample {
	rssMb: number;
	heapTotalMb: number;
	heapUsedMb: number;
	externalMb: number;
	arrayBuffersMb: number;
}

/** What a scenario process is asked to do. */
export type Job =
	| { kind: 'baseline' }
	| {
			kind: 'node-embed';
			items: number;
			transport: 'base64' | 'float';
			concurrency?: number;
			batchSize?: number;
			continueOnFail?: boolean;
			/** A bench-only patch of the built node (lib/experiments.ts), to measure a suggested fix. */
			experiments?: Array<'keep-alive'>;
			/** 'batch': the node's Batch API mode (Submit and Wait). */
			processing?: 'realtime' | 'batch';
			/**
			 * Measure the first execution of a process: the warm-up's accepted setup is forgotten, so the
			 * first request goes alone as against a Base URL and key never used before.
			 */
			firstExecution?: boolean;
	  }
	| { kind: 'raw-embed'; items: number; transport: 'base64' | 'float'; concurrency: number; batchSize: number; maxTokens: number }
	/** One request per item: plain fetch, or n8n's own HTTP stack (OutboundHttp, what helpers.httpRequest and the HTTP Request node use). */
	| { kind: 'per-item-embed'; items: number; transport: 'base64' | 'float'; intervalMs?: number; client?: 'fetch' | 'n8n' }
	/** The memory floor: 10k x 1024-d number arrays built in-process, no HTTP ('alloc': filled directly; 'decode': from base64 strings, the fastest way). */
	| { kind: 'memory-floor'; items: number; mode: 'alloc' | 'decode' }
	| { kind: 'node-chat'; items: number; concurrency: number; continueOnFail?: boolean; experiments?: Array<'keep-alive'> }
	| { kind: 'raw-chat'; items: number; concurrency: number }
	/** Mistral Moderate over `items` texts (packed into few /v1/moderations requests). */
	| { kind: 'node-moderate'; items: number }
	/** The same texts, one /v1/moderations request per text (what an HTTP Request node per item does), `concurrency` at a time. */
	| { kind: 'per-item-moderate'; items: number; concurrency: number }
	/** Mistral Document AI on `items` PDFs of `pages` pages (binary, inline), or a raw fetch client sending the same OCR bodies. */
	| { kind: 'node-documents'; items: number; pages: number; concurrency: number }
	| { kind: 'raw-ocr'; items: number; pages: number; concurrency: number }
	/** One PDF of `megabytes` through the node (uploaded to the Files API, read by id, deleted). */
	| { kind: 'node-document-memory'; megabytes: number }

	/** Mistral Audio Transcribe: binary WAV recordings, one multipart request each. */
	| { kind: 'node-transcribe'; items: number; concurrency: number; experiments?: Array<'keep-alive'> }
	/** The same multipart requests from a plain fetch + FormData loop at the same concurrency. */
	| { kind: 'raw-transcribe'; items: number; concurrency: number };

export interface JobResult {
	/** Wall time of the measured run (the harness's runNode, or the raw loop). */
	wallMs: number;
	/** Date.now() at the start and end of the measured run (to compare with the server's timestamps). */
	startedAt: number;
	endedAt: number;
	/** CPU time of this process during the measured run. */
	cpu: { userMs: number; systemMs: number; totalMs: number };
	/** Peak RSS of the process (whole life: load, warm-up, run). */
	peakRssMb: number;
	/** RSS just before the measured run (after load, warm-up and a full GC). */
	rssBeforeMb: number;
	/** Peak RSS of the process just before the measured run. */
	peakBeforeMb: number;
	/** V8 heap in use just before the measured run (after a full GC). */
	heapUsedBeforeMb: number;
	/** RSS and V8 heap in use after the run and a full GC, with the run's output still referenced. */
	rssAfterGcMb: number;
	heapUsedAfterGcMb: number;
	/** process.memoryUsage() at the highest RSS sampled during the run (every 10 ms, when the event loop was free). */
	atPeak?: MemorySample;
	itemsIn: number;
	itemsOut: number;
	failedItems: number;
	/** The node's error message, if the run failed as a whole. */
	error?: string;
	/** Sampled outputs compared with what the server must return (vectors, echo answers). */
	checked: number;
	mismatches: number;
	/** The wall time as seen by the engine (runNode's durationMs). */
	engineMs?: number;
	/** For paced per-item runs: the spacing achieved between sends. */
	sendSpanMs?: number;
	/** The node's own request totals, from its debug log line (requests, retries, time waited before retries). */
	clientStats?: { requests: number; retries: number; retryWaitMs: number };
	notes?: string[];
}

export type WorkerMessage = { type: 'ready' } | { type: 'result'; result: JobResult } | { type: 'failed'; message: string };
export type ParentMessage = { type: 'go'; url: string };
