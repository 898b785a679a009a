/**
 * Every bad option value a user can type as an expression, on the four nodes, realtime and Batch API,
 * through n8n's real engine: one error naming the option, its value and the valid range, before the
 * first request (counted at the test server), in well under 5 s. Prints the table for the closing note.
 *
 * The storms this holds back (0.2.0): Batch Size "auto" on Mistral Embed sent 20,865 requests in 90 s
 * and never ended (empty batches, a 422 on [] halved into [] again), froze in Batch API mode, and the
 * same path ran in Mistral Embeddings; Max Concurrent Requests 1e9 started a worker per slot; a
 * Timeout of 0.0001 s rounded to 0.
 */
import type { INodeParameters } from 'n8n-workflow';

import { runNode, supplyNode } from '../harness/engine';
import { startMistralServer, type MistralTestServer } from '../server/mistralServer';

type Target = 'Embed' | 'Embeddings' | 'Chat' | 'Chat Model';
type Mode = 'realtime' | 'batch';

interface BadValue {
	/** The option's name in the node's parameters. */
	name: string;
	/** Its display name, which the error must say. */
	displayName: string;
	/** Where it sits: in "Options", or a parameter of its own (the batch settings). */
	place: 'options' | 'parameter';
	/** The expression the user typed, and how the value shows in the error. */
	expression: string;
	shown: string;
	/** The range the error must state. */
	range: string;
	targets: Target[];
	modes: Mode[];
}

const ALL: Target[] = ['Embed', 'Embeddings', 'Chat', 'Chat Model'];
const EMBED: Target[] = ['Embed', 'Embeddings'];
const CHAT: Target[] = ['Chat', 'Chat Model'];
const BOTH: Mode[] = ['realtime', 'batch'];

const bad = (
	name: string,
	displayName: string,
	range: string,
	targets: Target[],
	values: Array<[expression: string, shown: string]>,
	place: 'options' | 'parameter' = 'options',
	modes: Mode[] = BOTH,
): BadValue[] => values.map(([expression, shown]) => ({ name, displayName, place, expression, shown, range, targets, modes }));

const BAD_VALUES: BadValue[] = [
	...bad('batchSize', 'Batch Size', 'a whole number from 1 to 2,048', EMBED, [
		["{{ 'auto' }}", '"auto"'],
		['{{ NaN }}', 'NaN'],
		['{{ 0 }}', '0'],
		['{{ -5 }}', '-5'],
		['{{ 2.5 }}', '2.5'],
		['{{ 1e9 }}', '1000000000'],
	]),
	...bad('maxTokensPerRequest', 'Max Tokens per Request', 'a whole number from 100 to 16,384', EMBED, [
		["{{ 'auto' }}", '"auto"'],
		['{{ 0 }}', '0'],
		['{{ 1e6 }}', '1000000'],
	]),
	...bad('outputDimension', 'Output Dimension', 'a whole number from 1 to 8,192', EMBED, [
		['{{ 0 }}', '0'],
		['{{ 1.5 }}', '1.5'],
	]),
	...bad('maxConcurrency', 'Max Concurrent Requests', 'a whole number from 1 to 64', ['Embed', 'Embeddings', 'Chat'], [
		["{{ 'auto' }}", '"auto"'],
		['{{ 0 }}', '0'],
		['{{ 1e9 }}', '1000000000'],
	]),
	...bad('timeout', 'Timeout (Seconds)', 'a number from 1 to 3,600 seconds', ALL, [
		['{{ 0.0001 }}', '0.0001'],
		['{{ 0 }}', '0'],
		["{{ 'auto' }}", '"auto"'],
		['{{ 1e9 }}', '1000000000'],
	]),
	...bad('maxRetries', 'Max Retries', 'a whole number from 0 to 20', ALL, [
		['{{ -1 }}', '-1'],
		['{{ 1e9 }}', '1000000000'],
		['{{ NaN }}', 'NaN'],
	]),
	...bad('maxAmbiguousRetries', 'Max Ambiguous Retries', 'a whole number from 0 to 20', ALL, [['{{ 2.5 }}', '2.5']]),
	...bad('maxTokens', 'Max Tokens', 'a whole number from 1 to 262,144', CHAT, [
		["{{ 'auto' }}", '"auto"'],
		['{{ 0 }}', '0'],
		['{{ 1e9 }}', '1000000000'],
	]),
	...bad('temperature', 'Temperature', 'a number from 0 to 1.5', CHAT, [
		['{{ NaN }}', 'NaN'],
		['{{ 5 }}', '5'],
	]),
	...bad('topP', 'Top P', 'a number above 0 and at most 1', CHAT, [['{{ 0 }}', '0']]),
	...bad('randomSeed', 'Random Seed', 'a whole number from 0 to 4,294,967,295', CHAT, [['{{ -1 }}', '-1']]),
	...bad('n', 'Number of Completions', 'a whole number from 1 to 16', ['Chat'], [['{{ 1e9 }}', '1000000000']]),
	...bad('presencePenalty', 'Presence Penalty', 'a number from -2 to 2', ['Chat'], [['{{ 3 }}', '3']]),
	...bad('maxWaitMinutes', 'Max Wait (Minutes)', 'a number from 0 to 10,080 minutes', ['Embed', 'Chat'], [
		['{{ NaN }}', 'NaN'],
		['{{ -1 }}', '-1'],
		['{{ 1e9 }}', '1000000000'],
	], 'parameter', ['batch']),
	...bad('jobTimeoutHours', 'Job Timeout (Hours)', 'a whole number from 1 to 168 hours', ['Embed', 'Chat'], [
		['{{ 0 }}', '0'],
		['{{ 1000 }}', '1000'],
	], 'parameter', ['batch']),
	...bad('batchMode', 'Batch Mode', 'one of "wait", "submit", "collect"', ['Embed', 'Chat'], [["{{ 'later' }}", '"later"']], 'parameter', ['batch']),
];

const hasBatchApi = (target: Target) => target === 'Embed' || target === 'Chat';
const ITEMS = 10;
const text = (i: number) => `Row ${i}: an ordinary sentence to embed.`;

interface Row {
	option: string;
	value: string;
	node: Target;
	mode: Mode;
	error: string;
	requests: number;
	ms: number;
}

describe('every bad option value gets one clear error before the first request', () => {
	let server: MistralTestServer;
	const rows: Row[] = [];
	const credentials = () => ({ apiKey: server.apiKey as string, baseUrl: server.url });

	beforeAll(async () => {
		server = await startMistralServer();
		// Load the package, the engine and the AI SDK once, so the times below are the nodes' own.
		await runNode({ node: 'mistralEmbed', parameters: { model: { __rl: true, mode: 'id', value: 'mistral-embed' } }, items: [{ json: { text: 'warm' } }], credentials: credentials() });
		await supplyNode({ node: 'mistralChatModel', parameters: { model: { __rl: true, mode: 'id', value: 'mistral-small-latest' } }, credentials: credentials() });
	});
	afterAll(async () => {
		await server.close();
		const line = (row: Row) => `| ${row.option} | \`${row.value}\` | ${row.node} | ${row.mode} | ${row.error} | ${row.requests} | ${row.ms} |`;
		console.log(
			[
				`Bad option values: ${rows.length} runs, most requests ${Math.max(...rows.map((row) => row.requests))}, longest ${Math.max(...rows.map((row) => row.ms))} ms`,
				'| Option | Typed | Node | Mode | Error shown | Requests | ms |',
				'|---|---|---|---|---|---|---|',
				...rows.map(line),
			].join('\n'),
		);
	});
	beforeEach(() => server.reset());

	/** Runs the node as a user would, with the value typed as an expression; the error (or none) and the time. */
	async function run(target: Target, mode: Mode, value: BadValue): Promise<{ error?: string; description?: string }> {
		const expression = `=${value.expression}`;
		const options: INodeParameters = value.place === 'options' ? { [value.name]: expression } : {};
		const own: INodeParameters = value.place === 'parameter' ? { [value.name]: expression } : {};
		const batch: INodeParameters = mode === 'batch' ? { processing: 'batch', batchMode: 'wait', ...own } : {};
		if (target === 'Embed' || target === 'Chat') {
			const isEmbed = target === 'Embed';
			const result = await runNode({
				node: isEmbed ? 'mistralEmbed' : 'mistralChat',
				parameters: isEmbed
					? { model: { __rl: true, mode: 'id', value: 'mistral-embed' }, text: '={{ $json.text }}', ...batch, options }
					: { model: { __rl: true, mode: 'id', value: 'mistral-small-latest' }, prompt: '={{ $json.prompt }}', ...batch, options },
				items: Array.from({ length: ITEMS }, (_, i) => ({ json: isEmbed ? { text: text(i) } : { prompt: `p${i}` } })),
				credentials: credentials(),
			});
			return { error: result.error?.message, description: result.error?.description };
		}
		// A sub-node: the error comes when the root node asks for it; if it came later, the first call would show it.
		try {
			const supplied = await supplyNode({
				node: target === 'Embeddings' ? 'mistralEmbeddings' : 'mistralChatModel',
				parameters: {
					model: { __rl: true, mode: 'id', value: target === 'Embeddings' ? 'mistral-embed' : 'mistral-small-latest' },
					options,
				},
				credentials: credentials(),
			});
			const response = supplied.response as {
				embedDocuments?: (texts: string[]) => Promise<unknown>;
				invoke?: (messages: string) => Promise<unknown>;
			};
			const call = response.embedDocuments
				? response.embedDocuments(Array.from({ length: ITEMS }, (_, i) => text(i)))
				: response.invoke!('hello');
			const late = await Promise.race([
				call.then(
					() => 'answered',
					(error: Error) => error.message,
				),
				new Promise<string>((resolve) => setTimeout(() => resolve('still running after 5 s'), 5_000)),
			]);
			return { error: `(supplied without error; then: ${late})` };
		} catch (error) {
			return { error: (error as Error).message, description: (error as { description?: string }).description };
		}
	}

	const cases = BAD_VALUES.flatMap((value) =>
		value.targets.flatMap((target) =>
			(hasBatchApi(target) ? value.modes : value.modes.filter((mode) => mode === 'realtime')).map((mode) => ({ value, target, mode })),
		),
	);

	it.each(cases.map((entry) => [`${entry.value.displayName} ${entry.value.expression} on ${entry.target} (${entry.mode})`, entry] as const))(
		'%s',
		async (_title, { value, target, mode }) => {
			const started = Date.now();
			const { error, description } = await run(target, mode, value);
			const ms = Date.now() - started;
			const requests = server.requests.length;
			rows.push({ option: value.displayName, value: value.expression, node: target, mode, error: error ?? '(no error)', requests, ms });

			expect(error).toBe(`"${value.displayName}" is ${value.shown}; it must be ${value.range}${target === 'Chat' && value.place === 'options' && !isNodeWide(value.name) ? ' [item 0]' : ''}`);
			expect(description).toMatch(/nothing was sent to the server/);
			expect(requests).toBe(0);
			expect(ms).toBeLessThan(5_000);
		},
	);
});

/** Options read once per execution (from the first item): their error names no item. */
function isNodeWide(name: string): boolean {
	return ['maxConcurrency', 'maxRetries', 'maxAmbiguousRetries', 'timeout'].includes(name);
}
