/**
 * `npm run bench`: throughput, latency-bound wall time, rate-limit behaviour, CPU overhead and memory
 * of the built nodes, run through n8n's real engine (test/harness) against the local
 * Mistral-compatible server (test/server) over loopback HTTP.
 *
 * Processes: one server process (same server for the whole run, reconfigured per scenario) and one
 * fresh worker process per scenario, so each scenario's peak RSS and CPU time are its own. The
 * machine's cores are shared by the server and the worker; the server's CPU time is reported beside
 * every scenario.
 *
 * Options: --only=s1,s3 (sections; --only=s6 runs the batch-mode comparison alone), --repeat=N (rounds of the round-robin groups in s1 and s4,
 * median kept; default 3), --per-item=N (items of the all-at-once fetch baseline, default 10000),
 * --profile (also profile the main node scenarios), --no-auto-profile (no profiling of missed
 * targets), --no-experiments (no bench-only patched variants of the node).
 */
import { execSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { Job, JobResult, ServerSettings, ServerStats } from './lib/common';
import { DIMENSION, OUT_ROOT, PACKAGE_ROOT } from './lib/common';
import { PANELS, SCENARIOS, type Spec } from './figures';
import { barChartSvg } from './lib/chart';
import { ServerProcess, runWorker } from './lib/processes';
import { summarize, type ProfileSummary } from './lib/profile';
import { fixed, ratio, table, thousands } from './lib/table';

// ----- configuration -------------------------------------------------------------------------------

const args = process.argv.slice(2);
const flag = (name: string) => args.some((arg) => arg === `--${name}`);
const value = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];

const ONLY = value('only')?.split(',');
const PROFILE_ALL = flag('profile');
/** --profile-of=s9.node,s8.node: CPU profiles of these scenarios, whatever their targets say. */
const PROFILE_OF = value('profile-of')?.split(',') ?? [];
const AUTO_PROFILE = !flag('no-auto-profile');
const EXPERIMENTS = !flag('no-experiments');
const EMBED_ITEMS = 10_000;
const EMBED_LATENCY_MS = 30;
const PER_ITEM_ITEMS = Number(value('per-item') ?? 10_000);
/** Through n8n's HTTP stack each request costs ~1 ms of CPU: 2,000 items, compared by items/s. */
const PER_ITEM_N8N_ITEMS = 2000;
const EMBED_RATE = 5;
const PACED_SLICE = 25;
const CHAT_ITEMS = 1000;
const CHAT_CONCURRENCY = 8;
const CHAT_LATENCY_MS = 100;
const SEQUENTIAL_ITEMS = 100;
const CHAT_RATE = 20;
const CPU_EMBED_ITEMS = 10_000;
const CPU_CHAT_ITEMS = 2000;
const SCALES = [1000, 10_000, 50_000];
/** s6: the same texts in realtime and in batch mode under a requests/s limit. */
const BATCH_TEXTS = 20_000;
const BATCH_RATE = 5;
/** The job clock runs this much faster than real time: a real job takes minutes to hours. */
const BATCH_CLOCK = { speed: 1000, queueSeconds: 30, requestsPerSecond: 50 };
/** s7: moderation, our node against one request per text. */
const MODERATE_TEXTS = 10_000;
const MODERATE_LATENCY_MS = 30;
const MODERATE_PER_ITEM_CONCURRENCY = 8;
/** s8: Mistral Document AI, PDFs of DOC_PAGES pages inline, vs a raw client at the same concurrency; one large PDF for memory. */
const DOC_ITEMS = 200;
const DOC_PAGES = 5;
const DOC_CONCURRENCY = 4;
const DOC_LATENCY_MS = 50;
const DOC_BIG_MB = 45;
/** s9: Mistral Audio Transcribe vs a raw fetch + FormData client, same recordings, same concurrency. */
const TRANSCRIBE_ITEMS = 500;
const TRANSCRIBE_CONCURRENCY = 8;
const TRANSCRIBE_LATENCY_MS = 100;
/** Runs of the short throughput scenarios (s1); the median is reported. */
const REPEAT = Number(value('repeat') ?? 3);
// The node's defaults, which the raw client copies.
const BATCH_SIZE = 128;
const MAX_TOKENS = 16_384;
const EMBED_CONCURRENCY = 4;

const RESULTS_DIR = path.join(PACKAGE_ROOT, 'bench', 'results');
const PROFILE_DIR = path.join(OUT_ROOT, 'profiles');
const VECTORS_MIB = (8 * DIMENSION * EMBED_ITEMS) / (1024 * 1024);

const section = (name: string) => !ONLY || ONLY.includes(name);

interface Measured {
	name: string;
	label: string;
	job: Job;
	server: ServerSettings;
	/** The run with the median wall time (the only run unless repeated). */
	result: JobResult;
	serverStats: ServerStats;
	/** Wall times of every run, when repeated. */
	runsMs?: number[];
	/** 1-minute load average before the scenario (other processes on the machine skew timings). */
	loadBefore: number;
	profile?: ProfileSummary;
}

const measured = new Map<string, Measured>();
const server = new ServerProcess();


function record(spec: Spec, runs: Array<{ result: JobResult; server: ServerStats }>, loadBefore: number, profile?: ProfileSummary): Measured {
	const sorted = [...runs].sort((a, b) => a.result.wallMs - b.result.wallMs);
	const { result, server: serverStats } = sorted[Math.floor((sorted.length - 1) / 2)];
	const entry: Measured = { name: spec.name, label: spec.label, job: spec.job, server: spec.settings, result, serverStats, loadBefore };
	if (runs.length > 1) entry.runsMs = runs.map((run) => run.result.wallMs);
	if (profile) entry.profile = profile;
	measured.set(spec.name, entry);
	process.stderr.write(
		`[bench] ${spec.name}: ${spec.label}: ${(result.wallMs / 1000).toFixed(2)} s${entry.runsMs ? ` (median of ${entry.runsMs.map((ms) => (ms / 1000).toFixed(2)).join(', ')})` : ''}, ` +
			`${serverStats.requests} requests, ${result.failedItems} failed, peak ${result.peakRssMb.toFixed(0)} MiB\n`,
	);
	if (result.mismatches > 0) process.stderr.write(`[bench] WARNING ${spec.name}: ${result.mismatches} of ${result.checked} checked outputs are wrong\n`);
	if (result.error) process.stderr.write(`[bench] ${spec.name}: node error: ${result.error}\n`);
	return entry;
}

async function runOnce(spec: Spec, profileFile?: string): Promise<{ result: JobResult; server: ServerStats }> {
	return await runWorker(server, spec.job, spec.settings, { timeoutMs: 300_000, profileFile });
}

/**
 * Runs the specs round-robin, `repeat` rounds (so every spec sees the same machine load on average:
 * other processes on a 2-core machine skew single runs), and keeps each spec's median run.
 */
async function measureGroup(specs: Spec[], repeat = 1): Promise<void> {
	const loadBefore = loadavg()[0];
	const runs = new Map<string, Array<{ result: JobResult; server: ServerStats }>>(specs.map((spec) => [spec.name, []]));
	for (let round = 0; round < repeat; round++) {
		for (const spec of specs) {
			if (repeat > 1) process.stderr.write(`[bench] ${spec.name} (round ${round + 1}/${repeat}) ...\n`);
			runs.get(spec.name)!.push(await runOnce(spec));
		}
	}
	for (const spec of specs) record(spec, runs.get(spec.name)!, loadBefore);
}

async function measure(spec: Spec, repeat = 1): Promise<void> {
	await measureGroup([spec], repeat);
}

/** One extra run of a measured spec under the V8 profiler (profiling slows it; its numbers are not used). */
async function profileRun(name: string, spec?: Spec): Promise<void> {
	const m = get(name);
	const target = spec ?? (m && { name, label: m.label, job: m.job, settings: m.server });
	if (!target) return;
	const file = path.join(PROFILE_DIR, `${name}.cpuprofile`);
	process.stderr.write(`[bench] ${name}: profiled re-run ...\n`);
	await runOnce(target, file);
	const existing = get(name);
	if (existing) existing.profile = summarize(file);
}

const get = (name: string) => measured.get(name);
/** Where the wall time went, from the worker's and the server's clocks (same machine, ms resolution). */
function timeline(m: Measured): { beforeMs?: number; networkMs?: number; afterMs?: number } {
	const { firstStartedAt, lastEndedAt } = m.serverStats;
	if (firstStartedAt === undefined || lastEndedAt === undefined) return {};
	return { beforeMs: firstStartedAt - m.result.startedAt, networkMs: lastEndedAt - firstStartedAt, afterMs: m.result.endedAt - lastEndedAt };
}
const itemsPerSecond = (m?: Measured) => (m ? m.result.itemsIn / (m.result.wallMs / 1000) : undefined);
const div = (a?: number, b?: number) => (a === undefined || b === undefined || b === 0 ? undefined : a / b);

// ----- scenarios -----------------------------------------------------------------------------------

async function runScenarios(): Promise<void> {
	await measure({ name: 'baseline', label: 'idle harness process (engine loaded, 2-item warm-up run)', job: { kind: 'baseline' }, settings: {} });

	const at30: ServerSettings = { latencyMs: EMBED_LATENCY_MS };
	const nodeEmbed = (items: number, transport: 'base64' | 'float' = 'base64') => ({ kind: 'node-embed', items, transport }) as const;
	const rawEmbed = (items: number, transport: 'base64' | 'float') =>
		({ kind: 'raw-embed', items, transport, concurrency: EMBED_CONCURRENCY, batchSize: BATCH_SIZE, maxTokens: MAX_TOKENS }) as const;

	if (section('s1')) {
		const group: Spec[] = [
			{ name: 's1.node.base64', label: `node, ${thousands(EMBED_ITEMS)} items, base64`, job: nodeEmbed(EMBED_ITEMS), settings: at30 },
			{ name: 's1.raw.base64', label: 'raw fetch client, same batches, base64', job: rawEmbed(EMBED_ITEMS, 'base64'), settings: at30 },
			{
				name: 's1.node.firstExecution',
				label: `node, first execution of the process (setup check)`,
				job: { ...nodeEmbed(EMBED_ITEMS), firstExecution: true },
				settings: at30,
			},
			{ name: 's1.node.float', label: `node, ${thousands(EMBED_ITEMS)} items, float JSON`, job: nodeEmbed(EMBED_ITEMS, 'float'), settings: at30 },
			{ name: 's1.raw.float', label: 'raw fetch client, same batches, float JSON', job: rawEmbed(EMBED_ITEMS, 'float'), settings: at30 },
		];
		await measureGroup(group, REPEAT);
		await measure({ name: 's1.perItem', label: `per item, all at once, fetch (${thousands(PER_ITEM_ITEMS)}), base64`, job: { kind: 'per-item-embed', items: PER_ITEM_ITEMS, transport: 'base64' }, settings: at30 });
		await measure({ name: 's1.perItem.n8n', label: `per item, all at once, n8n HTTP stack (${thousands(PER_ITEM_N8N_ITEMS)}), base64`, job: { kind: 'per-item-embed', items: PER_ITEM_N8N_ITEMS, transport: 'base64', client: 'n8n' }, settings: at30 });
		await measure({
			name: 's1.builtin512',
			label: 'count-only batches of 512, base64 (as LangChain MistralAIEmbeddings, behind n8n\'s Embeddings Mistral Cloud)',
			job: { ...rawEmbed(EMBED_ITEMS, 'base64'), batchSize: 512, maxTokens: Number.MAX_SAFE_INTEGER },
			settings: at30,
		});
		await measure({ name: 's1.floor.alloc', label: `memory floor: ${thousands(EMBED_ITEMS)} arrays filled in-process, no HTTP`, job: { kind: 'memory-floor', items: EMBED_ITEMS, mode: 'alloc' }, settings: {} });
		await measure({ name: 's1.floor.decode', label: `memory floor: ${thousands(EMBED_ITEMS)} arrays decoded from base64, no HTTP`, job: { kind: 'memory-floor', items: EMBED_ITEMS, mode: 'decode' }, settings: {} });
	}

	if (section('s2')) {
		const limited: ServerSettings = { latencyMs: EMBED_LATENCY_MS, rateLimitPerSecond: EMBED_RATE };
		await measure({ name: 's2.node', label: `node, ${thousands(EMBED_ITEMS)} items, ${EMBED_RATE} req/s limit`, job: { ...nodeEmbed(EMBED_ITEMS), continueOnFail: true }, settings: limited });
		await measure({ name: 's2.paced', label: `per item paced at ${EMBED_RATE}/s, ${PACED_SLICE}-item slice`, job: { kind: 'per-item-embed', items: PACED_SLICE, transport: 'base64', intervalMs: 1000 / EMBED_RATE }, settings: limited });
	}

	if (section('s3')) {
		const at100: ServerSettings = { latencyMs: CHAT_LATENCY_MS };
		await measure({ name: 's3.node', label: `node, ${thousands(CHAT_ITEMS)} items, concurrency ${CHAT_CONCURRENCY}`, job: { kind: 'node-chat', items: CHAT_ITEMS, concurrency: CHAT_CONCURRENCY }, settings: at100 });
		await measure({ name: 's3.sequential', label: `node, ${SEQUENTIAL_ITEMS} items, concurrency 1 (sequential)`, job: { kind: 'node-chat', items: SEQUENTIAL_ITEMS, concurrency: 1 }, settings: at100 });
		await measure({
			name: 's3.rateLimited',
			label: `node, ${thousands(CHAT_ITEMS)} items, concurrency ${CHAT_CONCURRENCY}, ${CHAT_RATE} req/s limit`,
			job: { kind: 'node-chat', items: CHAT_ITEMS, concurrency: CHAT_CONCURRENCY, continueOnFail: true },
			settings: { ...at100, rateLimitPerSecond: CHAT_RATE },
		});
	}

	if (section('s4')) {
		const at0: ServerSettings = { latencyMs: 0 };
		const group: Spec[] = [
			{ name: 's4.node.embed', label: `node embed, ${thousands(CPU_EMBED_ITEMS)} items, 0 ms`, job: nodeEmbed(CPU_EMBED_ITEMS), settings: at0 },
			{ name: 's4.raw.embed', label: `raw embed client, ${thousands(CPU_EMBED_ITEMS)} items, 0 ms`, job: rawEmbed(CPU_EMBED_ITEMS, 'base64'), settings: at0 },
			{ name: 's4.node.chat', label: `node chat, ${thousands(CPU_CHAT_ITEMS)} items, 0 ms`, job: { kind: 'node-chat', items: CPU_CHAT_ITEMS, concurrency: CHAT_CONCURRENCY }, settings: at0 },
			{ name: 's4.raw.chat', label: `raw chat client, ${thousands(CPU_CHAT_ITEMS)} items, 0 ms`, job: { kind: 'raw-chat', items: CPU_CHAT_ITEMS, concurrency: CHAT_CONCURRENCY }, settings: at0 },
		];
		if (EXPERIMENTS) {
			group.push({
				name: 's4.node.chat.keepAlive',
				label: "node chat, EXPERIMENT C: n8n's HTTP stack with keep-alive",
				job: { kind: 'node-chat', items: CPU_CHAT_ITEMS, concurrency: CHAT_CONCURRENCY, experiments: ['keep-alive'] },
				settings: at0,
			});
		}
		await measureGroup(group, REPEAT);
	}

	if (section('s5')) {
		for (const n of SCALES) {
			// 10,000 is s1.node.base64 (same job), unless s1 was skipped.
			if (n === EMBED_ITEMS && get('s1.node.base64')) continue;
			await measure({ name: `s5.node.${n / 1000}k`, label: `node, ${thousands(n)} items, base64`, job: nodeEmbed(n), settings: at30 });
		}
	}

	if (section('s6')) {
		const limited: ServerSettings = { latencyMs: EMBED_LATENCY_MS, rateLimitPerSecond: BATCH_RATE, batch: BATCH_CLOCK };
		await measure({ name: 's6.realtime', label: `realtime, ${thousands(BATCH_TEXTS)} texts, ${BATCH_RATE} req/s limit`, job: { ...nodeEmbed(BATCH_TEXTS), continueOnFail: true }, settings: limited });
		await measure({ name: 's6.batch', label: `batch API, ${thousands(BATCH_TEXTS)} texts, ${BATCH_RATE} req/s limit`, job: { ...nodeEmbed(BATCH_TEXTS), continueOnFail: true, processing: 'batch' }, settings: limited });
	}

	if (section('s7')) {
		const at30: ServerSettings = { latencyMs: MODERATE_LATENCY_MS };
		await measure({ name: 's7.node', label: `Mistral Moderate, ${thousands(MODERATE_TEXTS)} texts`, job: { kind: 'node-moderate', items: MODERATE_TEXTS }, settings: at30 });
		await measure({
			name: 's7.perItem',
			label: `one request per text, ${MODERATE_PER_ITEM_CONCURRENCY} at a time (fetch)`,
			job: { kind: 'per-item-moderate', items: MODERATE_TEXTS, concurrency: MODERATE_PER_ITEM_CONCURRENCY },
			settings: at30,
		});
	}

	if (section('s8')) {
		const atDoc: ServerSettings = { latencyMs: DOC_LATENCY_MS };
		await measureGroup(
			[
				{ name: 's8.node', label: `Document AI node, ${DOC_ITEMS} PDFs of ${DOC_PAGES} pages, concurrency ${DOC_CONCURRENCY}`, job: { kind: 'node-documents', items: DOC_ITEMS, pages: DOC_PAGES, concurrency: DOC_CONCURRENCY }, settings: atDoc },
				{ name: 's8.raw', label: `raw fetch client, same OCR bodies, concurrency ${DOC_CONCURRENCY}`, job: { kind: 'raw-ocr', items: DOC_ITEMS, pages: DOC_PAGES, concurrency: DOC_CONCURRENCY }, settings: atDoc },
			],
			REPEAT,
		);
		await measure({ name: 's8.big', label: `Document AI node, one ${DOC_BIG_MB} MB PDF (upload, OCR by file id, delete)`, job: { kind: 'node-document-memory', megabytes: DOC_BIG_MB }, settings: {} });
	}
	if (section('s9')) {
		const settings: ServerSettings = { latencyMs: TRANSCRIBE_LATENCY_MS };
		const group: Spec[] = [
			{ name: 's9.node', label: `node, ${TRANSCRIBE_ITEMS} WAV recordings, concurrency ${TRANSCRIBE_CONCURRENCY}`, job: { kind: 'node-transcribe', items: TRANSCRIBE_ITEMS, concurrency: TRANSCRIBE_CONCURRENCY }, settings },
			{ name: 's9.raw', label: `raw fetch + FormData client, same recordings, concurrency ${TRANSCRIBE_CONCURRENCY}`, job: { kind: 'raw-transcribe', items: TRANSCRIBE_ITEMS, concurrency: TRANSCRIBE_CONCURRENCY }, settings },
		];
		if (EXPERIMENTS) {
			group.push({
				name: 's9.node.keepAlive',
				label: "node, EXPERIMENT C: n8n's HTTP stack with keep-alive",
				job: { kind: 'node-transcribe', items: TRANSCRIBE_ITEMS, concurrency: TRANSCRIBE_CONCURRENCY, experiments: ['keep-alive'] },
				settings,
			});
		}
		await measureGroup(group, REPEAT);
	}

	for (const group of SCENARIOS) if (section(group.section)) await measureGroup(group.specs, group.repeat ?? 1);

	if (PROFILE_ALL) {
		for (const name of ['s1.node.base64', 's1.node.float', 's3.node', 's4.node.embed', 's4.node.chat']) await profileRun(name);
	}
	for (const name of PROFILE_OF) await profileRun(name);
}

// ----- report --------------------------------------------------------------------------------------

interface Target {
	name: string;
	holds: boolean | undefined;
	detail: string;
	/** The scenario to profile when the target is missed. */
	profile?: string;
}

function report(): { text: string; targets: Target[]; derived: Record<string, unknown> } {
	const out: string[] = [];
	const targets: Target[] = [];
	const derived: Record<string, unknown> = {};
	const baseline = get('baseline')!.result.peakRssMb;
	const above = (m?: Measured) => (m ? m.result.peakRssMb - baseline : undefined);
	const cpuS = (m?: Measured) => (m ? m.result.cpu.totalMs / 1000 : undefined);

	const loads = [...measured.values()].map((m) => m.loadBefore);
	out.push(`Machine: ${cpus().length} cores, Node ${process.version}. Load average (1 min) before the scenarios: ${fixed(Math.min(...loads), 2)} to ${fixed(Math.max(...loads), 2)} (other processes skew wall times; CPU times are steadier).`);
	out.push(`Each scenario runs in a fresh process; the server runs in one separate process on the same cores ("srv CPU" = its CPU time during the scenario).`);
	out.push(`Baseline: an idle harness process (n8n engine and package loaded, one 2-item run): peak RSS ${fixed(baseline)} MiB. Memory in MiB (peak RSS = getrusage maxRSS).`);

	// Scenario 1.
	if (get('s1.node.base64') && get('s1.raw.base64')) {
		const perItemRate = itemsPerSecond(get('s1.perItem'));
		const perItemN8nRate = itemsPerSecond(get('s1.perItem.n8n'));
		const throughputRows = [
			's1.node.base64',
			's1.raw.base64',
			's1.node.firstExecution',
			's1.node.float',
			's1.raw.float',
			's1.perItem',
			's1.perItem.n8n',
			's1.node.base64.fastDecode',
			's1.node.base64.directField',
			's1.node.base64.both',
		].filter((name) => get(name));
		const rawFor = (name: string) => get(name.includes('float') ? 's1.raw.float' : 's1.raw.base64');
		const rows = throughputRows.map((name) => {
			const m = get(name)!;
			const raw = rawFor(name);
			const rate = itemsPerSecond(m)!;
			const cpuPerItem = (x?: Measured) => (x ? x.result.cpu.totalMs / x.result.itemsIn : undefined);
			return [
				m.label,
				thousands(m.result.itemsIn),
				m.serverStats.requests,
				m.serverStats.connections ?? '-',
				fixed(m.result.wallMs / 1000, 2),
				thousands(rate),
				ratio(div(rate, itemsPerSecond(raw))),
				ratio(div(rate, perItemRate), 1),
				ratio(div(rate, perItemN8nRate), 1),
				fixed(cpuS(m), 2),
				ratio(div(cpuPerItem(m), cpuPerItem(raw))),
				fixed(m.serverStats.cpuMs / 1000, 2),
				fixed(m.result.peakRssMb, 0),
				m.result.failedItems,
			];
		});
		out.push('', `== 1. Embed ${thousands(EMBED_ITEMS)} short texts (~40 tokens), ${DIMENSION}-d, server latency ${EMBED_LATENCY_MS} ms (node defaults: batch ${BATCH_SIZE}, concurrency ${EMBED_CONCURRENCY}) ==`);
		out.push(
			table(
				['scenario', 'items', 'requests', 'conns', 'wall s', 'items/s', 'vs raw', 'vs per-item fetch', 'vs per-item n8n', 'CPU s', 'CPU/item vs raw', 'srv CPU s', 'peak MiB', 'failed'],
				rows,
			),
		);
		out.push(
			'raw = plain fetch with the node\'s own batches (dist packBatches), concurrency and transport, decoding into number arrays: the design\'s physical limit. ' +
				'per-item fetch = one fetch per item, all at once (a lower bound for the per-item flow\'s time); per-item n8n = the same through n8n\'s HTTP stack (OutboundHttp, as helpers.httpRequest / the HTTP Request node), ' +
				`${thousands(PER_ITEM_N8N_ITEMS)} items, compared by items/s. EXPERIMENT rows patch the built node in the bench process only (bench/lib/experiments.ts).`,
		);
		const nodeB = get('s1.node.base64')!;
		const nodeF = get('s1.node.float');
		const memoryRows = [...throughputRows, 's1.floor.alloc', 's1.floor.decode'].filter((name) => get(name));
		out.push('', `Memory (MiB). baseline = idle harness process, peak ${fixed(baseline)}; before = this process right before the run (after load, warm-up, full GC); at the sampled RSS peak: V8 heap used/total and ArrayBuffers; retained = heap after the run and a full GC, minus before (what the output keeps).`);
		out.push(
			table(
				['scenario', 'peak', '+base', 'before', 'peak-before', 'x vectors', 'heap used/total @peak', 'arrayBuf @peak', 'retained heap'],
				memoryRows.map((name) => {
					const r = get(name)!.result;
					return [
						get(name)!.label,
						fixed(r.peakRssMb, 0),
						name.includes('node') ? fixed(r.peakRssMb - baseline, 0) : '-',
						fixed(r.rssBeforeMb, 0),
						fixed(r.peakRssMb - r.rssBeforeMb, 0),
						r.itemsIn === EMBED_ITEMS ? ratio((name.includes('node') ? r.peakRssMb - baseline : r.peakRssMb - r.rssBeforeMb) / VECTORS_MIB) : '-',
						r.atPeak ? `${fixed(r.atPeak.heapUsedMb, 0)}/${fixed(r.atPeak.heapTotalMb, 0)}` : '-',
						fixed(r.atPeak?.arrayBuffersMb, 0),
						fixed(r.heapUsedAfterGcMb - r.heapUsedBeforeMb, 0),
					];
				}),
			),
		);
		out.push(`(the vectors alone: ${fixed(VECTORS_MIB)} MiB as JS number arrays; "x vectors" = +base for node rows, peak-before otherwise)`);
		out.push('', 'Timeline (ms): start of the run to the first request at the server / first request to last answer / last answer to the end of the run.');
		out.push(
			table(
				['scenario', 'before 1st request', 'network phase', 'after last answer', 'wall'],
				throughputRows.map((name) => {
					const m = get(name)!;
					const t = timeline(m);
					return [m.label, fixed(t.beforeMs, 0), fixed(t.networkMs, 0), fixed(t.afterMs, 0), fixed(m.result.wallMs, 0)];
				}),
			),
		);
		const vsRaw = div(itemsPerSecond(nodeB), itemsPerSecond(get('s1.raw.base64')));
		const vsPerItem = div(itemsPerSecond(nodeB), perItemRate);
		const vsPerItemN8n = div(itemsPerSecond(nodeB), perItemN8nRate);
		derived.s1 = {
			nodeItemsPerSecond: itemsPerSecond(nodeB),
			rawItemsPerSecond: itemsPerSecond(get('s1.raw.base64')),
			perItemFetchItemsPerSecond: perItemRate,
			perItemN8nItemsPerSecond: perItemN8nRate,
			vsRaw,
			vsRawFloat: div(itemsPerSecond(nodeF), itemsPerSecond(get('s1.raw.float'))),
			vsPerItem,
			vsPerItemN8n,
			floatVsBase64WallRatio: div(nodeF?.result.wallMs, nodeB.result.wallMs),
			floatVsBase64CpuRatio: div(cpuS(nodeF), cpuS(nodeB)),
			floatVsBase64ServerCpuRatio: div(nodeF?.serverStats.cpuMs, nodeB.serverStats.cpuMs),
			latencyFloorS: (Math.ceil(nodeB.serverStats.requests / EMBED_CONCURRENCY) * EMBED_LATENCY_MS) / 1000,
		};
		if (nodeF) {
			out.push(
				`Vector transport: float JSON takes ${ratio(div(nodeF.result.wallMs, nodeB.result.wallMs))} the wall time of base64, ` +
					`${ratio(div(cpuS(nodeF), cpuS(nodeB)))} the node's CPU and ${ratio(div(nodeF.serverStats.cpuMs, nodeB.serverStats.cpuMs))} the server's CPU ` +
					`(response bytes: base64 ~${fixed((DIMENSION * 4 * 4) / 3 / 1024, 1)} KiB per vector, float JSON ~${fixed((DIMENSION * 20) / 1024, 0)} KiB).`,
			);
		}
		out.push(
			`Latency floor of the design: ceil(${nodeB.serverStats.requests} requests / ${EMBED_CONCURRENCY}) x ${EMBED_LATENCY_MS} ms = ${fixed((derived.s1 as { latencyFloorS: number }).latencyFloorS, 2)} s ` +
				`(${thousands(EMBED_ITEMS / (derived.s1 as { latencyFloorS: number }).latencyFloorS)} items/s).`,
		);
		targets.push({
			name: 'Embed >= 0.95x raw-client throughput (base64)',
			holds: vsRaw !== undefined ? vsRaw >= 0.95 : undefined,
			detail:
				`${ratio(vsRaw)} (float JSON: ${ratio(div(itemsPerSecond(nodeF), itemsPerSecond(get('s1.raw.float'))))}` +
				`${get('s1.node.firstExecution') ? `; the first execution of a process, whose first request goes alone: ${ratio(div(itemsPerSecond(get('s1.node.firstExecution')), itemsPerSecond(get('s1.raw.base64'))))}` : ''})`,
			profile: 's1.node.base64',
		});
		targets.push({
			name: 'Embed >= 10x the per-item flow, no rate limit (vs one fetch per item, all at once)',
			holds: vsPerItem !== undefined ? vsPerItem >= 10 : undefined,
			detail: `${ratio(vsPerItem, 1)} (${thousands(itemsPerSecond(nodeB)!)} vs ${thousands(perItemRate ?? NaN)} items/s; the raw client reaches ${ratio(div(itemsPerSecond(get('s1.raw.base64')), perItemRate), 1)})`,
		});
		if (perItemN8nRate !== undefined) {
			targets.push({
				name: "Embed >= 10x the per-item flow, no rate limit (vs per item through n8n's HTTP stack)",
				holds: vsPerItemN8n !== undefined ? vsPerItemN8n >= 10 : undefined,
				detail: `${ratio(vsPerItemN8n, 1)} (${thousands(itemsPerSecond(nodeB)!)} vs ${thousands(perItemN8nRate)} items/s)`,
			});
		}
		const aboveNode = nodeB.result.peakRssMb - baseline;
		const rawB = get('s1.raw.base64')?.result;
		const floor = get('s1.floor.decode')?.result;
		if (rawB) {
			// What n8n holds anyway: the output items, still referenced after the run and a full GC.
			const itemsHeld = nodeB.result.heapUsedAfterGcMb - nodeB.result.heapUsedBeforeMb;
			const rawGrowth = rawB.peakRssMb - rawB.rssBeforeMb;
			derived.s1memory = { nodeAboveBaselineMb: aboveNode, rawGrowthMb: rawGrowth, itemsHeldMb: itemsHeld };
			targets.push({
				name: 'Embed peak RSS (above the idle engine) <= the raw client\'s growth + the items n8n holds anyway',
				holds: aboveNode <= rawGrowth + itemsHeld,
				detail: `${fixed(aboveNode)} MiB vs ${fixed(rawGrowth)} + ${fixed(itemsHeld)} = ${fixed(rawGrowth + itemsHeld)} MiB`,
				profile: 's1.node.base64',
			});
		}
		targets.push({
			name: `Peak RSS for ${thousands(EMBED_ITEMS)} x ${DIMENSION}-d <= 2x the vectors (${fixed(VECTORS_MIB)} MiB as JS arrays) above baseline`,
			holds: aboveNode <= 2 * VECTORS_MIB,
			detail:
				`${fixed(aboveNode)} MiB above baseline = ${ratio(aboveNode / VECTORS_MIB)} (limit ${fixed(2 * VECTORS_MIB)} MiB); absolute ${fixed(nodeB.result.peakRssMb)} MiB, baseline ${fixed(baseline)} MiB` +
				(rawB ? `; raw client ${ratio((rawB.peakRssMb - rawB.rssBeforeMb) / VECTORS_MIB)}` : '') +
				(floor ? `, in-process decode without HTTP ${ratio((floor.peakRssMb - floor.rssBeforeMb) / VECTORS_MIB)}` : ''),
			profile: 's1.node.base64',
		});
	}

	// Scenario 2.
	if (get('s2.node') && get('s2.paced')) {
		const node = get('s2.node')!;
		const paced = get('s2.paced')!;
		const extrapolatedS = EMBED_ITEMS / EMBED_RATE;
		const achievedRate = paced.result.sendSpanMs ? ((paced.result.itemsIn - 1) * 1000) / paced.result.sendSpanMs : undefined;
		const speedup = extrapolatedS / (node.result.wallMs / 1000);
		out.push('', `== 2. Embed ${thousands(EMBED_ITEMS)} at a server limit of ${EMBED_RATE} requests/s (429 + Retry-After), latency ${EMBED_LATENCY_MS} ms ==`);
		out.push(
			table(
				['scenario', 'items', 'requests', '429s', 'wall s', 'items/s', 'failed', 'peak MiB'],
				[
					[node.label, thousands(EMBED_ITEMS), node.serverStats.requests, node.serverStats.rateLimited, fixed(node.result.wallMs / 1000, 2), thousands(itemsPerSecond(node)!), node.result.failedItems, fixed(node.result.peakRssMb, 0)],
					[paced.label, paced.result.itemsIn, paced.serverStats.requests, paced.serverStats.rateLimited, fixed(paced.result.wallMs / 1000, 2), fixed(itemsPerSecond(paced), 2), paced.result.failedItems, fixed(paced.result.peakRssMb, 0)],
					[`per item paced, ${thousands(EMBED_ITEMS)} items (extrapolated: items / ${EMBED_RATE})`, thousands(EMBED_ITEMS), thousands(EMBED_ITEMS), '-', fixed(extrapolatedS, 0), fixed(EMBED_RATE, 2), '-', '-'],
				],
			),
		);
		const accepted = node.serverStats.requests - node.serverStats.rateLimited;
		out.push(`Node: ${accepted} accepted requests in ${fixed(node.result.wallMs / 1000, 1)} s = ${fixed(accepted / (node.result.wallMs / 1000), 2)} req/s of the ${EMBED_RATE} req/s limit (the limiter starts with a burst of ${EMBED_RATE}).`);
		out.push(`Paced slice: ${paced.result.itemsIn} sends over ${fixed((paced.result.sendSpanMs ?? 0) / 1000, 2)} s = ${fixed(achievedRate, 2)} req/s, ${paced.serverStats.rateLimited} rejected: the rate is sustainable, so the extrapolation holds.`);
		derived.s2 = { nodeWallS: node.result.wallMs / 1000, pacedExtrapolatedS: extrapolatedS, speedup, pacedRate: achievedRate, pacedRejected: paced.serverStats.rateLimited };
		targets.push({
			name: `Embed >= 50x the paced per-item flow at ${EMBED_RATE} req/s, no failed item`,
			holds: speedup >= 50 && node.result.failedItems === 0 && !node.result.error,
			detail: `${ratio(speedup, 1)} (${fixed(node.result.wallMs / 1000, 1)} s vs ${fixed(extrapolatedS, 0)} s), ${node.result.failedItems} failed items, ${node.serverStats.rateLimited} 429s absorbed`,
		});
	}

	// Scenario 3.
	if (get('s3.node')) {
		const node = get('s3.node')!;
		const sequential = get('s3.sequential');
		const limited = get('s3.rateLimited');
		const idealS = (Math.ceil(CHAT_ITEMS / CHAT_CONCURRENCY) * CHAT_LATENCY_MS) / 1000;
		const sequentialS = sequential ? (sequential.result.wallMs / 1000) * (CHAT_ITEMS / SEQUENTIAL_ITEMS) : undefined;
		const limitIdealS = CHAT_ITEMS / CHAT_RATE;
		out.push('', `== 3. Chat ${thousands(CHAT_ITEMS)} items, concurrency ${CHAT_CONCURRENCY}, server latency ${CHAT_LATENCY_MS} ms ==`);
		const rows: Array<Array<string | number>> = [
			[node.label, thousands(CHAT_ITEMS), node.serverStats.requests, node.serverStats.maxInFlight, fixed(node.result.wallMs / 1000, 2), `${fixed(idealS, 2)} (ceil(N/C) x latency)`, ratio(node.result.wallMs / 1000 / idealS), node.result.failedItems],
		];
		if (sequential) {
			rows.push([sequential.label, SEQUENTIAL_ITEMS, sequential.serverStats.requests, sequential.serverStats.maxInFlight, fixed(sequential.result.wallMs / 1000, 2), fixed((SEQUENTIAL_ITEMS * CHAT_LATENCY_MS) / 1000, 2), ratio(sequential.result.wallMs / (SEQUENTIAL_ITEMS * CHAT_LATENCY_MS)), sequential.result.failedItems]);
			rows.push([`sequential, ${thousands(CHAT_ITEMS)} items (extrapolated x${CHAT_ITEMS / SEQUENTIAL_ITEMS})`, thousands(CHAT_ITEMS), thousands(CHAT_ITEMS), 1, fixed(sequentialS, 2), fixed((CHAT_ITEMS * CHAT_LATENCY_MS) / 1000, 2), '-', '-']);
		}
		if (limited) {
			rows.push([limited.label, thousands(CHAT_ITEMS), limited.serverStats.requests, limited.serverStats.maxInFlight, fixed(limited.result.wallMs / 1000, 2), `${fixed(limitIdealS, 2)} (N / limit)`, ratio(limited.result.wallMs / 1000 / limitIdealS), limited.result.failedItems]);
		}
		out.push(table(['scenario', 'items', 'requests', 'max in flight', 'wall s', 'ideal s', 'vs ideal', 'failed'], rows));
		if (sequentialS) out.push(`Speed-up over sequential (one at a time, as n8n's OpenAI node): ${ratio(sequentialS / (node.result.wallMs / 1000), 1)}.`);
		if (limited) out.push(`Rate-limited run: ${limited.serverStats.rateLimited} answers were 429 (retried after Retry-After), ${limited.result.failedItems} failed items.`);
		derived.s3 = { idealS, wallS: node.result.wallMs / 1000, vsIdeal: node.result.wallMs / 1000 / idealS, sequentialExtrapolatedS: sequentialS, rateLimitedWallS: limited && limited.result.wallMs / 1000, rateLimited429s: limited?.serverStats.rateLimited };
		targets.push({
			name: 'Chat wall <= 1.2x ideal ceil(N/C) x latency',
			holds: node.result.wallMs / 1000 <= 1.2 * idealS && node.result.failedItems === 0,
			detail: `${ratio(node.result.wallMs / 1000 / idealS)} (${fixed(node.result.wallMs / 1000, 2)} s vs ${fixed(idealS, 2)} s)`,
			profile: 's3.node',
		});
		if (limited) {
			targets.push({
				name: `Rate-limited chat (${CHAT_RATE} req/s) finishes with no failed item`,
				holds: limited.result.failedItems === 0 && !limited.result.error && limited.result.itemsOut === CHAT_ITEMS,
				detail: `${limited.result.failedItems} failed of ${thousands(CHAT_ITEMS)}, ${fixed(limited.result.wallMs / 1000, 1)} s (ideal at the limit ${fixed(limitIdealS, 1)} s)`,
			});
		}
	}

	// Scenario 4.
	if (get('s4.node.embed')) {
		const per1000 = (m?: Measured) => (m ? (m.result.cpu.totalMs / m.result.itemsIn) * 1000 : undefined);
		const rows = ['s4.node.embed', 's4.raw.embed', 's4.node.chat', 's4.raw.chat', 's4.node.chat.keepAlive']
			.map((name) => get(name))
			.filter((m): m is Measured => m !== undefined)
			.map((m) => [
				m.label,
				thousands(m.result.itemsIn),
				m.serverStats.requests,
				m.serverStats.connections ?? '-',
				fixed(m.result.wallMs / 1000, 2),
				fixed(m.result.cpu.userMs / 1000, 2),
				fixed(m.result.cpu.systemMs / 1000, 2),
				fixed(per1000(m), 0),
				fixed(m.serverStats.cpuMs / 1000, 2),
			]);
		out.push('', '== 4. Node overhead: CPU time of the client process, server latency 0 ==');
		out.push(table(['scenario', 'items', 'requests', 'conns', 'wall s', 'user s', 'sys s', 'CPU ms / 1000 items', 'srv CPU s'], rows));
		const embedOver = div(per1000(get('s4.node.embed')), per1000(get('s4.raw.embed')));
		const chatOver = div(per1000(get('s4.node.chat')), per1000(get('s4.raw.chat')));
		out.push(`Node vs raw client CPU: embed ${ratio(embedOver)}, chat ${ratio(chatOver)}.`);
		const keepAlive = get('s4.node.chat.keepAlive');
		if (keepAlive) {
			out.push(
				`EXPERIMENT C (n8n, not the node): n8n's HTTP stack builds new agents per request, so each request opens a new connection ` +
					`(conns column); with keep-alive agents the chat node needs ${fixed(per1000(keepAlive), 0)} instead of ${fixed(per1000(get('s4.node.chat')), 0)} CPU ms per 1,000 items.`,
			);
		}
		derived.s4 = {
			embedCpuMsPer1000: per1000(get('s4.node.embed')),
			rawEmbedCpuMsPer1000: per1000(get('s4.raw.embed')),
			chatCpuMsPer1000: per1000(get('s4.node.chat')),
			rawChatCpuMsPer1000: per1000(get('s4.raw.chat')),
		};
	}

	// Scenario 5.
	const scale = SCALES.map((n) => (n === EMBED_ITEMS ? (get('s1.node.base64') ?? get('s5.node.10k')) : get(`s5.node.${n / 1000}k`)));
	if (scale.every(Boolean)) {
		const rows = scale.map((m, index) => {
			const previous = index > 0 ? scale[index - 1]! : undefined;
			const growth = previous ? m!.result.itemsIn / previous.result.itemsIn : undefined;
			return [
				thousands(m!.result.itemsIn),
				m!.serverStats.requests,
				fixed(m!.result.wallMs / 1000, 2),
				previous ? `${ratio(m!.result.wallMs / previous.result.wallMs)} (items x${growth})` : '-',
				thousands(itemsPerSecond(m)!),
				fixed(m!.result.peakRssMb, 0),
				fixed(above(m), 0),
				previous ? ratio(above(m)! / above(previous)!) : '-',
				fixed((above(m)! * 1024) / m!.result.itemsIn, 1),
			];
		});
		out.push('', `== 5. Scaling: node embed, base64, latency ${EMBED_LATENCY_MS} ms ==`);
		out.push(table(['items', 'requests', 'wall s', 'wall ratio', 'items/s', 'peak MiB', '+base', '+base ratio', 'KiB/item'], rows));
		out.push(`(vectors alone: ${fixed((8 * DIMENSION) / 1024, 1)} KiB per item as a JS number array)`);
		derived.s5 = scale.map((m) => ({ items: m!.result.itemsIn, wallS: m!.result.wallMs / 1000, peakRssMb: m!.result.peakRssMb, aboveBaselineMb: above(m) }));
	}

	// Scenario 6.
	if (get('s6.realtime') && get('s6.batch')) {
		const realtime = get('s6.realtime')!;
		const batch = get('s6.batch')!;
		const row = (m: Measured) => [
			m.label,
			thousands(m.result.itemsIn),
			m.serverStats.requests,
			m.serverStats.rateLimited,
			m.result.clientStats?.retries ?? '-',
			fixed((m.result.clientStats?.retryWaitMs ?? NaN) / 1000, 1),
			fixed(m.result.wallMs / 1000, 2),
			m.result.failedItems,
		];
		out.push('', `== 6. Batch API vs realtime: embed ${thousands(BATCH_TEXTS)} texts, server limit ${BATCH_RATE} requests/s (429 + Retry-After), latency ${EMBED_LATENCY_MS} ms ==`);
		out.push(table(['scenario', 'texts', 'HTTP requests', '429s', 'retries', 'waits before retries s (summed)', 'wall s', 'failed'], [row(realtime), row(batch)]));
		const savedRequests = realtime.serverStats.requests - batch.serverStats.requests;
		const savedWaitS = ((realtime.result.clientStats?.retryWaitMs ?? 0) - (batch.result.clientStats?.retryWaitMs ?? 0)) / 1000;
		out.push(
			`Batch mode sends ${batch.serverStats.requests} HTTP requests (1 job submission, status checks with growing pauses, 1 result read) instead of ${realtime.serverStats.requests}: ` +
				`${savedRequests} fewer (${fixed((savedRequests / realtime.serverStats.requests) * 100, 1)}%), ${realtime.serverStats.rateLimited - batch.serverStats.rateLimited} fewer 429s and ${fixed(savedWaitS, 1)} s less waiting on the rate limit. ` +
				`The same ${thousands(BATCH_TEXTS)} texts travel inside the job as ${realtime.result.clientStats ? realtime.result.clientStats.requests - realtime.result.clientStats.retries : '-'} packed embedding requests, billed at 50%. ` +
				`Wall time is not comparable: the bench runs the job clock ${BATCH_CLOCK.speed}x faster than real time, so the job had ended by the first status check; ` +
				`a real job takes minutes to hours, and the node checks after 1 s, then 1.5x longer each time up to once a minute (about 70 checks for a 1-hour job, spaced far below any rate limit).`,
		);
		derived.s6 = {
			realtimeRequests: realtime.serverStats.requests,
			batchRequests: batch.serverStats.requests,
			savedRequests,
			realtime429s: realtime.serverStats.rateLimited,
			batch429s: batch.serverStats.rateLimited,
			realtimeRateLimitWaitS: (realtime.result.clientStats?.retryWaitMs ?? 0) / 1000,
			batchRateLimitWaitS: (batch.result.clientStats?.retryWaitMs ?? 0) / 1000,
			savedWaitS,
		};
		targets.push({
			name: `Batch mode: every one of ${thousands(BATCH_TEXTS)} texts embedded and checked, no 429`,
			holds: batch.result.failedItems === 0 && batch.result.mismatches === 0 && !batch.result.error && batch.serverStats.rateLimited === 0,
			detail: `${batch.result.failedItems} failed, ${batch.result.mismatches} of ${batch.result.checked} sampled vectors wrong, ${batch.serverStats.rateLimited} 429s`,
		});
	}

	const moderated = get('s7.node');
	const perText = get('s7.perItem');
	if (moderated && perText) {
		const row = (m: Measured) => [
			m.label,
			thousands(m.result.itemsIn),
			m.serverStats.requests,
			fixed(m.result.wallMs / 1000, 2),
			fixed(m.result.itemsIn / (m.result.wallMs / 1000), 0),
			`${m.result.mismatches}/${m.result.checked}`,
			m.result.failedItems,
		];
		out.push('', `== 7. Moderation: ${thousands(MODERATE_TEXTS)} texts, latency ${MODERATE_LATENCY_MS} ms, requests counted at the server ==`);
		out.push(table(['scenario', 'texts', 'requests', 'wall s', 'texts/s', 'wrong output', 'failed'], [row(moderated), row(perText)]));
		const ratio = perText.serverStats.requests / Math.max(1, moderated.serverStats.requests);
		derived.s7 = { nodeRequests: moderated.serverStats.requests, perItemRequests: perText.serverStats.requests, requestsRatio: ratio };
		targets.push({
			name: `Moderate >= 20x fewer requests than one request per text (${thousands(MODERATE_TEXTS)} texts), every text on the right output`,
			holds: ratio >= 20 && moderated.result.mismatches === 0 && moderated.result.failedItems === 0,
			detail: `${moderated.serverStats.requests} requests vs ${perText.serverStats.requests}: ${fixed(ratio, 1)}x fewer; ${moderated.result.mismatches} on the wrong output, ${moderated.result.failedItems} failed`,
		});
	}

	if (get('s8.node') && get('s8.raw')) {
		const node = get('s8.node')!;
		const raw = get('s8.raw')!;
		const big = get('s8.big');
		const rate = (m: Measured) => m.result.itemsIn / (m.result.wallMs / 1000);
		out.push('', `== 8. Mistral Document AI: ${DOC_ITEMS} PDFs of ${DOC_PAGES} pages, server latency ${DOC_LATENCY_MS} ms, concurrency ${DOC_CONCURRENCY} ==`);
		out.push(
			table(
				['scenario', 'documents', 'requests', 'wall s', 'documents/s', 'vs raw', 'CPU s', 'peak MiB', 'failed', 'wrong'],
				[node, raw].map((m) => [m.label, m.result.itemsIn, m.serverStats.requests, fixed(m.result.wallMs / 1000, 2), fixed(rate(m), 1), ratio(rate(m) / rate(raw)), fixed(cpuS(m), 2), fixed(m.result.peakRssMb, 0), m.result.failedItems, m.result.mismatches]),
			),
		);
		const vsRaw = rate(node) / rate(raw);
		derived.s8 = { documentsPerSecond: rate(node), rawDocumentsPerSecond: rate(raw), vsRaw };
		targets.push({ name: 'Document AI documents/s vs a raw client at the same concurrency', holds: vsRaw >= 0.9 && node.result.failedItems === 0 && node.result.mismatches === 0, detail: `${ratio(vsRaw)} (goal >= 0.9x)`, profile: 's8.node' });
		if (big) {
			const r = big.result;
			// maxRSS covers the whole process life: when the preparation (writing the PDF) peaked higher, the run's own peak is the sampled one.
			const runPeak = r.peakRssMb > r.peakBeforeMb ? r.peakRssMb : (r.atPeak?.rssMb ?? r.peakRssMb);
			const growth = runPeak - r.rssBeforeMb;
			const times = growth / DOC_BIG_MB;
			out.push(
				`One ${DOC_BIG_MB} MB PDF: ${big.serverStats.requests} requests (upload, OCR, delete), ${fixed(r.wallMs / 1000, 2)} s; RSS before the run ${fixed(r.rssBeforeMb, 0)} MiB (the item's base64 already in memory), peak during the run ${fixed(runPeak, 0)} MiB: +${fixed(growth, 0)} MiB = ${ratio(times)} the document${r.failedItems || r.mismatches ? ' (FAILED)' : ''}.`,
			);
			derived.s8big = { megabytes: DOC_BIG_MB, peakGrowthMb: growth, timesDocument: times };
			targets.push({ name: `Document AI peak memory for a ${DOC_BIG_MB} MB document`, holds: times <= 2 && r.failedItems === 0 && r.mismatches === 0, detail: `+${fixed(growth, 0)} MiB over the run = ${ratio(times)} its size (goal <= 2x)` });
		}
	}

	// Scenario 9.
	if (get('s9.node') && get('s9.raw')) {
		const node = get('s9.node')!;
		const raw = get('s9.raw')!;
		const row = (m: Measured) => [
			m.label,
			m.result.itemsIn,
			m.serverStats.requests,
			fixed(m.result.wallMs / 1000, 2),
			fixed(itemsPerSecond(m), 1),
			ratio(div(itemsPerSecond(m), itemsPerSecond(raw))),
			fixed(cpuS(m), 2),
			fixed(m.result.peakRssMb, 0),
			m.result.failedItems,
			m.result.mismatches,
		];
		out.push('', `== 9. Transcribe ${TRANSCRIBE_ITEMS} recordings (1-2 s WAV, multipart uploads), server latency ${TRANSCRIBE_LATENCY_MS} ms, concurrency ${TRANSCRIBE_CONCURRENCY} ==`);
		const keepAlive = get('s9.node.keepAlive');
		out.push(table(['scenario', 'items', 'requests', 'wall s', 'items/s', 'vs raw', 'CPU s', 'peak MiB', 'failed', 'wrong'], [row(node), row(raw), ...(keepAlive ? [row(keepAlive)] : [])]));
		out.push(
			`Ideal at this latency and concurrency: ${fixed((TRANSCRIBE_CONCURRENCY * 1000) / TRANSCRIBE_LATENCY_MS, 0)} items/s. The node's run includes what n8n does around it ` +
				'(the harness copies the 500 input items with their base64 audio, n8n opens a new connection per request: no keep-alive); ' +
				'on a loaded machine CPU time per item decides the ratio.',
		);
		const speed = div(itemsPerSecond(node), itemsPerSecond(raw));
		derived.s9 = { nodeItemsPerS: itemsPerSecond(node), rawItemsPerS: itemsPerSecond(raw), ratio: speed, ideaItemsPerS: (TRANSCRIBE_CONCURRENCY * 1000) / TRANSCRIBE_LATENCY_MS };
		targets.push({
			name: `Transcriptions per second >= 0.9x a raw client at concurrency ${TRANSCRIBE_CONCURRENCY}, every transcript right`,
			holds: speed === undefined ? undefined : speed >= 0.9 && node.result.failedItems === 0 && node.result.mismatches === 0,
			detail: `${ratio(speed)} (${fixed(itemsPerSecond(node), 1)} vs ${fixed(itemsPerSecond(raw), 1)} items/s), ${node.result.failedItems} failed, ${node.result.mismatches} wrong`,
			profile: 's9.node',
		});
	}

	out.push('', '== Targets (not tests) ==');
	for (const target of targets) out.push(`[${target.holds === undefined ? ' ?  ' : target.holds ? 'HOLD' : 'MISS'}] ${target.name}: ${target.detail}`);
	return { text: out.join('\n'), targets, derived };
}

function profileText(m: Measured): string {
	const summary = m.profile!;
	const lines = [
		``,
		`-- CPU profile of ${m.name} (${m.label}): ${fixed(summary.busyMs, 0)} ms busy of ${fixed(summary.totalMs, 0)} ms sampled (${summary.file}) --`,
		table(['area', 'self ms', 'share'], summary.areas.slice(0, 12).map((entry) => [entry.area, fixed(entry.ms, 0), `${fixed(entry.share * 100)}%`])),
		'',
		table(['function', 'where', 'self ms', 'share'], summary.functions.slice(0, 20).map((entry) => [entry.fn, entry.where, fixed(entry.ms, 0), `${fixed(entry.share * 100)}%`])),
	];
	return lines.join('\n');
}

// ----- figures -------------------------------------------------------------------------------------

/**
 * The panels of bench/figures.ts from this run: docs/bench.svg (the README's chart) when the main
 * scenarios ran, and a table for the report.
 */
function writeFigures(): string {
	const panels = PANELS.map((panel) => ({
		title: panel.title,
		unit: panel.unit,
		bars: panel.bars.map((bar) => {
			const m = get(bar.scenario);
			return { label: bar.label, value: m && bar.value(m), note: m && bar.note?.(m), ours: bar.ours };
		}),
	}));
	const rows = panels.flatMap((panel) => panel.bars.map((bar) => [panel.title, bar.label, fixed(bar.value, bar.value !== undefined && bar.value < 10 ? 2 : 0), panel.unit, bar.note ?? '']));
	const measuredBars = panels.flatMap((panel) => panel.bars).filter((bar) => bar.value !== undefined).length;
	if (get('s1.node.base64') && get('s1.raw.base64')) {
		const loads = [...measured.values()].map((m) => m.loadBefore);
		const subtitle =
			`npm run bench, ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (load average ${fixed(Math.min(...loads), 1)}-${fixed(Math.max(...loads), 1)}), Node ${process.version}, ` +
			`loopback server, n8n-core ${n8nCoreVersion()}; Embed and raw client: medians of ${REPEAT} interleaved runs`;
		mkdirSync(path.join(PACKAGE_ROOT, 'docs'), { recursive: true });
		writeFileSync(path.join(PACKAGE_ROOT, 'docs', 'bench.svg'), barChartSvg('n8n-nodes-mistral: throughput and memory', subtitle, panels));
	}
	return `${table(['figure', 'scenario', 'value', 'unit', 'note'], rows)}\n(${measuredBars} bars measured in this run${get('s1.node.base64') ? '; chart written to docs/bench.svg' : '; docs/bench.svg left as it was (s1 not run)'})`;
}

function n8nCoreVersion(): string {
	try {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		return (require(require.resolve('n8n-core/package.json', { paths: [PACKAGE_ROOT] })) as { version: string }).version;
	} catch {
		return '?';
	}
}

// ----- main ----------------------------------------------------------------------------------------

async function main(): Promise<void> {
	const started = Date.now();
	await server.start();
	let text: string;
	let targets: Target[];
	let derived: Record<string, unknown>;
	try {
		await runScenarios();
		({ text, targets, derived } = report());
		if (AUTO_PROFILE) {
			// Profile the scenario behind each missed target (once each), and what is left with the experiments.
			const missed = targets.filter((target) => target.holds === false && target.profile).map((target) => target.profile!);
			for (const name of new Set(missed)) if (!get(name)?.profile) await profileRun(name);
			if (missed.includes('s1.node.base64') && get('s1.node.base64.both')) await profileRun('s1.node.base64.both');
			({ text, targets, derived } = report());
		}
	} finally {
		await server.close();
	}

	const figures = writeFigures();
	text = `${text}\n\n== Figures (docs/bench.svg) ==\n${figures}`;
	const profiled = [...measured.values()].filter((m) => m.profile);
	const fullText = [text, ...profiled.map(profileText)].join('\n');
	process.stdout.write(`\n${fullText}\n`);

	const gitCommit = (() => {
		try {
			return execSync('git rev-parse HEAD', { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
		} catch {
			return undefined;
		}
	})();
	mkdirSync(RESULTS_DIR, { recursive: true });
	const file = path.join(RESULTS_DIR, 'latest.json');
	const json = {
		date: new Date().toISOString(),
		gitCommit,
		gitDirty: (() => {
			try {
				return execSync('git status --porcelain -- nodes credentials', { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() !== '';
			} catch {
				return undefined;
			}
		})(),
		environment: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, totalMemGiB: totalmem() / 2 ** 30, platform: process.platform },
		config: { MODERATE_TEXTS, MODERATE_LATENCY_MS, MODERATE_PER_ITEM_CONCURRENCY, BATCH_TEXTS, BATCH_RATE, BATCH_CLOCK, EMBED_ITEMS, EMBED_LATENCY_MS, PER_ITEM_ITEMS, EMBED_RATE, PACED_SLICE, CHAT_ITEMS, CHAT_CONCURRENCY, CHAT_LATENCY_MS, SEQUENTIAL_ITEMS, CHAT_RATE, CPU_EMBED_ITEMS, CPU_CHAT_ITEMS, SCALES, BATCH_SIZE, MAX_TOKENS, EMBED_CONCURRENCY, DIMENSION },
		units: { memory: 'MiB (peak RSS = getrusage maxRSS of the scenario process)', time: 'ms unless named *S' },
		scenarios: Object.fromEntries([...measured].map(([name, m]) => [name, { label: m.label, job: m.job, server: m.server, result: m.result, serverStats: m.serverStats, profile: m.profile }])),
		derived,
		targets,
		report: fullText,
		benchSeconds: (Date.now() - started) / 1000,
	};
	writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
	process.stdout.write(`\nResults: ${file}\nTotal bench time: ${fixed((Date.now() - started) / 1000, 0)} s\n`);
}

main().catch((error: unknown) => {
	process.stderr.write(`[bench] ${String((error as Error)?.stack ?? error)}\n`);
	process.exit(1);
});
