/**
 * On an n8n without @n8n/ai-node-sdk (every n8n before 2.16, e.g. 1.123) the package must still load
 * and its regular nodes must run. Here the SDK is made unresolvable, as Node reports a missing module,
 * before n8n's loader reads the built package; test/e2e/subnodes.e2e.ts does the same in a real n8n.
 */
jest.mock(
	'@n8n/ai-node-sdk',
	() => {
		const error = new Error("Cannot find module '@n8n/ai-node-sdk'") as Error & { code: string };
		error.code = 'MODULE_NOT_FOUND';
		throw error;
	},
	{ virtual: true },
);

import { loadPackage, runNode } from './harness/engine';
import { startMistralServer, type MistralTestServer } from './server/mistralServer';

describe('without @n8n/ai-node-sdk', () => {
	let server: MistralTestServer;
	const credentials = () => ({ apiKey: server.apiKey as string, baseUrl: server.url });

	beforeAll(async () => {
		server = await startMistralServer();
	});
	afterAll(async () => await server.close());

	it('the SDK really cannot be resolved here', () => {
		expect(() => require('@n8n/ai-node-sdk')).toThrow(/Cannot find module/);
	});

	it('loads every node of the package, the sub-nodes included', async () => {
		const { loader } = await loadPackage();
		// Every node package.json lists (Mistral Chat, Embed, Chat Model, Embeddings, Moderate, ...).
		const listed = (require('../package.json') as { n8n: { nodes: string[] } }).n8n.nodes.map((file) => {
			const name = /([^/]+)\.node\.js$/.exec(file)![1];
			return name[0].toLowerCase() + name.slice(1);
		});
		expect(listed).toEqual(expect.arrayContaining(['mistralChat', 'mistralChatModel', 'mistralEmbed', 'mistralEmbeddings', 'mistralModerate', 'mistralDocumentAi']));
		expect(Object.keys(loader.nodeTypes).sort()).toEqual(listed.sort());
	});

	it('runs the Mistral Chat and Mistral Embed nodes', async () => {
		const chat = await runNode({
			node: 'mistralChat',
			parameters: { model: { __rl: true, mode: 'id', value: 'mistral-small-latest' } },
			items: [{ json: { prompt: 'still here' } }],
			credentials: credentials(),
		});
		expect(chat.error).toBeUndefined();
		expect(chat.items[0].json.content).toBe('Echo: still here');
		const embed = await runNode({
			node: 'mistralEmbed',
			parameters: { model: { __rl: true, mode: 'id', value: 'mistral-embed' } },
			items: [{ json: { text: 'a' } }, { json: { text: 'b' } }],
			credentials: credentials(),
		});
		expect(embed.error).toBeUndefined();
		expect(embed.items.map((item) => (item.json.embedding as number[]).length)).toEqual([1024, 1024]);
	});

	it('the Mistral Chat Model explains which n8n it needs when it is used', async () => {
		const { loader } = await loadPackage();
		const nodeType = loader.nodeTypes.mistralChatModel.type as { supplyData: (this: unknown, itemIndex: number) => Promise<unknown> };
		const node = { name: 'Mistral Chat Model', type: 'n8n-nodes-mistral.mistralChatModel', typeVersion: 1, parameters: {} };
		await expect(nodeType.supplyData.call({ getNode: () => node }, 0)).rejects.toThrow(
			/"Mistral Chat Model" needs n8n 2\.16 or newer: it uses n8n's AI node SDK \(@n8n\/ai-node-sdk\)/,
		);
	});
});
