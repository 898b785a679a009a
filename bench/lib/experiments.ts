/**
 * Bench-only experiments: measure the effect of a suggested change to the nodes WITHOUT editing
 * nodes/**, by replacing one export of the built module in the worker process (the node's execute
 * calls it through the module's exports, so the replacement is what runs).
 *
 * 'fast-decode': dist/nodes/MistralEmbed/actions/vectors.js vectorsByIndex with base64 float32
 * vectors decoded through a DataView into a preallocated array (same checks, same results), instead
 * of Buffer.readFloatLE into a Float32Array followed by Array.from.
 *
 * 'direct-field': when the node's "Text" parameter is exactly `={{ $json.<field> }}` (the default),
 * read items[i].json[field] instead of evaluating the expression per item through n8n's expression
 * engine (what a node-side fast path for the default would do; any other expression still goes
 * through n8n). Patched on n8n-core's ExecuteContext.prototype._getNodeParameter, for "text" only.
 *
 * 'keep-alive': NOT a change the node can make. n8n's HTTP stack (@n8n/backend-network, used by
 * helpers.httpRequest) builds new http/https agents for every request, so every request opens a new
 * TCP (and, against api.mistral.ai, TLS) connection. This reuses one keep-alive agent pair per
 * (proxy, ssrf, agent options), to measure what that costs.
 */
import path from 'node:path';

import { OUT_ROOT } from './common';

export type Experiment = 'fast-decode' | 'direct-field' | 'keep-alive';

type Dtype = 'float' | 'int8' | 'uint8' | 'binary' | 'ubinary';

interface VectorsModule {
	VectorError: new (message: string) => Error;
	decodeBase64Vector(encoded: string, dtype: Dtype): number[];
	vectorsByIndex(response: unknown, inputCount: number, dtype: Dtype): number[][];
}

export function applyExperiment(experiment: Experiment): void {
	if (experiment === 'fast-decode') return fastDecode();
	if (experiment === 'direct-field') return directField();
	if (experiment === 'keep-alive') return keepAlive();
	throw new Error(`unknown experiment ${String(experiment)}`);
}

const SIMPLE_FIELD = /^=\{\{\s*\$json\.([A-Za-z_$][\w$]*)\s*\}\}$/;

function directField(): void {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const core = require('n8n-core') as { ExecuteContext: { prototype: Record<string, unknown> } };
	const proto = core.ExecuteContext.prototype as {
		_getNodeParameter(this: unknown, name: string, itemIndex: number, fallback?: unknown, options?: unknown): unknown;
	};
	const original = proto._getNodeParameter;
	proto._getNodeParameter = function (this: unknown, name: string, itemIndex: number, fallback?: unknown, options?: unknown) {
		if (name === 'text') {
			const self = this as { node: { parameters: Record<string, unknown> }; getInputData(): Array<{ json: Record<string, unknown> }> };
			const raw = self.node.parameters.text;
			const match = typeof raw === 'string' ? SIMPLE_FIELD.exec(raw) : null;
			if (match) {
				const value = self.getInputData()[itemIndex]?.json?.[match[1]];
				return value === undefined ? fallback : value;
			}
		}
		return original.call(this, name, itemIndex, fallback, options);
	};
}

function keepAlive(): void {
	const coreDir = path.dirname(require.resolve('n8n-core/package.json'));
	const networkDir = path.dirname(path.dirname(require.resolve('@n8n/backend-network', { paths: [coreDir] })));
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const agents = require(path.join(networkDir, 'dist/http/node-agents.js')) as {
		buildNodeAgents(proxy: unknown, ssrf: unknown, agentOptions?: Record<string, unknown>): { httpAgent: unknown; httpsAgent: unknown };
	};
	const original = agents.buildNodeAgents;
	const cache = new Map<string, { httpAgent: unknown; httpsAgent: unknown }>();
	agents.buildNodeAgents = (proxy, ssrf, agentOptions) => {
		const key = JSON.stringify([proxy, typeof ssrf === 'string' ? ssrf : 'policy', agentOptions ?? {}]);
		let built = cache.get(key);
		if (!built) {
			built = original(proxy, ssrf, { ...agentOptions, keepAlive: true });
			cache.set(key, built);
		}
		return built;
	};
}

function fastDecode(): void {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const vectors = require(path.join(OUT_ROOT, 'dist/nodes/MistralEmbed/actions/vectors.js')) as VectorsModule;
	const { VectorError } = vectors;
	const original = vectors.decodeBase64Vector;

	const decode = (encoded: string, dtype: Dtype): number[] => {
		if (dtype !== 'float') return original(encoded, dtype);
		const bytes = Buffer.from(encoded, 'base64');
		if (bytes.length % 4 !== 0) throw new VectorError('A base64 vector does not hold whole float32 values');
		const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
		const n = bytes.length >>> 2;
		const out = new Array<number>(n);
		for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
		return out;
	};

	vectors.vectorsByIndex = (response: unknown, inputCount: number, dtype: Dtype): number[][] => {
		const data = (response as { data?: unknown })?.data;
		if (!Array.isArray(data)) {
			throw new VectorError('The server answered without a "data" list. Check that the Base URL points at an embeddings API');
		}
		const out: Array<number[] | undefined> = new Array(inputCount);
		for (let position = 0; position < data.length; position++) {
			const record = data[position] as { index?: unknown; embedding?: unknown };
			const index = typeof record?.index === 'number' ? record.index : data.length === inputCount ? position : -1;
			if (!Number.isInteger(index) || index < 0 || index >= inputCount) {
				throw new VectorError(`The server answered with data[].index ${String(record?.index)}, outside the ${inputCount} inputs sent`);
			}
			if (out[index] !== undefined) throw new VectorError(`The server answered twice for input ${index}`);
			const embedding = record.embedding;
			if (typeof embedding === 'string') out[index] = decode(embedding, dtype);
			else if (Array.isArray(embedding) && allNumbers(embedding)) out[index] = embedding as number[];
			else throw new VectorError(`The server answered with an embedding for input ${index} that is not a list of numbers`);
		}
		const missing = out.findIndex((vector) => vector === undefined);
		if (missing !== -1 || data.length < inputCount) {
			throw new VectorError(`The server answered with ${data.length} vectors for ${inputCount} inputs (input ${missing} has none)`);
		}
		return out as number[][];
	};
}

function allNumbers(values: unknown[]): boolean {
	for (let i = 0; i < values.length; i++) if (typeof values[i] !== 'number') return false;
	return true;
}
