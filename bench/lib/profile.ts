/**
 * Summarises a V8 .cpuprofile: self time per function and per area of code (our nodes, n8n-core,
 * n8n-workflow, axios, Node internals, GC), to locate where a scenario spends its CPU.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
	hitCount?: number;
	children?: number[];
}

interface CpuProfile {
	nodes: ProfileNode[];
	startTime: number;
	endTime: number;
	samples: number[];
	timeDeltas: number[];
}

export interface ProfileSummary {
	file: string;
	totalMs: number;
	busyMs: number;
	areas: Array<{ area: string; ms: number; share: number }>;
	functions: Array<{ fn: string; where: string; area: string; ms: number; share: number }>;
}

function areaOf(url: string, name: string): string {
	if (name === '(garbage collector)') return 'GC';
	if (name === '(idle)') return 'idle';
	if (name === '(program)') return 'V8/native (program)';
	if (url.includes('/dist/nodes/') || url.includes('/dist/credentials/')) return 'our nodes (dist/)';
	if (url.includes('/n8n-core/')) return 'n8n-core';
	if (url.includes('/n8n-workflow/')) return 'n8n-workflow';
	if (url.includes('/axios/')) return 'axios';
	if (url.includes('/@n8n/')) return '@n8n/* (backend-network, ...)';
	if (url.includes('/test/harness/')) return 'harness';
	if (url.includes('/bench/')) return 'bench';
	if (url.startsWith('node:') || url === '') return 'Node.js internals / builtins';
	if (url.includes('/node_modules/')) return `node_modules/${url.split('/node_modules/').pop()!.split('/')[0]}`;
	return 'other';
}

function shortUrl(url: string): string {
	const nm = url.lastIndexOf('/node_modules/');
	if (nm >= 0) return url.slice(nm + '/node_modules/'.length);
	const dist = url.indexOf('/dist/');
	if (dist >= 0) return url.slice(dist + 1);
	return url.replace(/^file:\/\//, '');
}

/**
 * Self time per function; areas attribute each sample to the package of the nearest caller with a
 * file (so Buffer#toString called by axios counts for axios, and a native getter inside n8n's
 * expression engine counts for n8n-workflow). Samples under the profiler's own calls (node:inspector,
 * stopping the profile) are left out.
 */
export function summarize(file: string, top = 25): ProfileSummary {
	const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
	const byId = new Map(profile.nodes.map((node) => [node.id, node]));
	const parentOf = new Map<number, number>();
	for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
	const selfUs = new Map<number, number>();
	profile.samples.forEach((id, index) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));

	const attribution = new Map<number, string | null>();
	const attribute = (id: number): string | null => {
		const known = attribution.get(id);
		if (known !== undefined) return known;
		const frame = byId.get(id)!.callFrame;
		let area: string | null;
		if (frame.url === 'node:inspector') area = null;
		else if (['(garbage collector)', '(idle)', '(program)'].includes(frame.functionName)) area = areaOf(frame.url, frame.functionName);
		else {
			const parent = parentOf.get(id);
			const above = parent === undefined ? undefined : attribute(parent);
			if (above === null) area = null;
			else if (frame.url.startsWith('file://')) area = areaOf(frame.url, frame.functionName);
			else area = above && above !== 'Node.js internals / builtins' ? above : areaOf(frame.url, frame.functionName);
		}
		attribution.set(id, area);
		return area;
	};

	const areas = new Map<string, number>();
	const functions = new Map<string, { fn: string; where: string; area: string; us: number }>();
	let totalUs = 0;
	for (const [id, us] of selfUs) {
		const area = attribute(id);
		if (area === null) continue;
		const frame = byId.get(id)!.callFrame;
		totalUs += us;
		areas.set(area, (areas.get(area) ?? 0) + us);
		const fn = frame.functionName || '(anonymous)';
		const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : `(native, in ${area})`;
		const key = `${fn}\u0000${where}`;
		const entry = functions.get(key) ?? { fn, where, area, us: 0 };
		entry.us += us;
		functions.set(key, entry);
	}
	const idleUs = areas.get('idle') ?? 0;
	const busyUs = totalUs - idleUs;
	return {
		file,
		totalMs: totalUs / 1000,
		busyMs: busyUs / 1000,
		areas: [...areas]
			.filter(([area]) => area !== 'idle')
			.map(([area, us]) => ({ area, ms: us / 1000, share: us / busyUs }))
			.sort((a, b) => b.ms - a.ms),
		functions: [...functions.values()]
			.filter((entry) => entry.area !== 'idle')
			.map((entry) => ({ fn: entry.fn, where: entry.where, area: entry.area, ms: entry.us / 1000, share: entry.us / busyUs }))
			.sort((a, b) => b.ms - a.ms)
			.slice(0, top),
	};
}
