/**
 * What `npm run bench` draws (docs/bench.svg, shown in the README) and the scenarios any node can add
 * to the run. To add a node's figures (documents/s, transcriptions/s, moderation requests saved...):
 *  1. a job kind in bench/lib/common.ts (Job) and its runner in bench/worker.ts (the node through
 *     test/harness runNode, and a raw client doing the same work at the same concurrency);
 *  2. its scenarios in SCENARIOS below: a section name (for --only), the specs to run round-robin;
 *  3. a panel in PANELS below: one bar per scenario, `value` read from the measured run.
 * The report table lists every panel's bars too, so a figure is in the table and the chart at once.
 */
import type { Job, JobResult, ServerSettings, ServerStats } from './lib/common';

export interface Spec {
	/** Unique name, e.g. "s7.node.ocr"; the section is what comes before the first dot. */
	name: string;
	label: string;
	job: Job;
	settings: ServerSettings;
}

/** A measured scenario as the panels read it (the median run when repeated). */
export interface MeasuredView {
	label: string;
	result: JobResult;
	serverStats: ServerStats;
}

export interface ScenarioGroup {
	/** The section --only selects, e.g. "s7". */
	section: string;
	specs: Spec[];
	/** Rounds run round-robin; the median run is kept (default 1). */
	repeat?: number;
}

export interface FigureBar {
	label: string;
	scenario: string;
	value: (measured: MeasuredView) => number | undefined;
	note?: (measured: MeasuredView) => string | undefined;
	/** One of our nodes (drawn in the accent colour). */
	ours?: boolean;
}

export interface FigurePanel {
	title: string;
	unit: string;
	bars: FigureBar[];
}

export const itemsPerSecond = (m: MeasuredView) => (m.result.itemsIn - m.result.failedItems) / (m.result.wallMs / 1000);
const failedNote = (m: MeasuredView) => (m.result.failedItems > 0 ? `(${m.result.failedItems.toLocaleString('en-US')} of ${m.result.itemsIn.toLocaleString('en-US')} failed)` : undefined);
const requestsNote = (m: MeasuredView) => `${m.serverStats.requests.toLocaleString('en-US')} requests`;

/** Scenarios beyond the built-in sections of bench/run.ts (run after them). */
export const SCENARIOS: ScenarioGroup[] = [];

export const PANELS: FigurePanel[] = [
	{
		title: 'Embed 10,000 texts, 1024-d vectors, 30 ms server latency',
		unit: 'vectors/s, higher is better',
		bars: [
			{ label: 'Mistral Embed (this package)', scenario: 's1.node.base64', value: itemsPerSecond, note: requestsNote, ours: true },
			{ label: 'raw client, same batches, base64', scenario: 's1.raw.base64', value: itemsPerSecond, note: requestsNote },
			{ label: 'count-only batches of 512 (built-in equivalent)', scenario: 's1.builtin512', value: itemsPerSecond, note: failedNote },
			{ label: "per item, n8n's HTTP stack (HTTP Request)", scenario: 's1.perItem.n8n', value: itemsPerSecond, note: requestsNote },
			{ label: 'per item, plain fetch, all at once', scenario: 's1.perItem', value: itemsPerSecond, note: requestsNote },
		],
	},
	{
		title: 'Peak memory of the same runs',
		unit: 'MiB peak RSS, lower is better',
		bars: [
			{ label: 'Mistral Embed, in n8n (engine + items)', scenario: 's1.node.base64', value: (m) => m.result.peakRssMb, ours: true },
			{ label: 'idle n8n engine, package loaded', scenario: 'baseline', value: (m) => m.result.peakRssMb },
			{ label: 'raw client, same batches, base64', scenario: 's1.raw.base64', value: (m) => m.result.peakRssMb },
		],
	},
	{
		title: 'Moderation: the same texts, requests sent',
		unit: 'HTTP requests, lower is better',
		bars: [
			{ label: 'Mistral Moderate (token-packed batches)', scenario: 's7.node', value: (m) => m.serverStats.requests, ours: true },
			{ label: 'one request per text', scenario: 's7.perItem', value: (m) => m.serverStats.requests },
		],
	},
	{
		title: 'Chat, 1,000 items, 100 ms server latency',
		unit: 'items/s, higher is better',
		bars: [
			{ label: 'Mistral Chat, concurrency 8', scenario: 's3.node', value: itemsPerSecond, ours: true },
			{ label: 'Mistral Chat, one at a time', scenario: 's3.sequential', value: itemsPerSecond },
		],
	},
];
