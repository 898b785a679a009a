/**
 * "Mistral Chat Tool" under an AI Agent: the variant n8n makes of Mistral Chat (usableAsTool),
 * called through n8n-core's own tool machinery (createNodeAsTool, SupplyDataContext) as an agent
 * calls it, with the parameters a user gets by adding the tool and picking nothing else.
 */
import { loadPackage, runAsAgentTool, toolVariantOf } from './harness/engine';
import { startMistralServer, type MistralTestServer } from './server/mistralServer';

describe('Mistral Chat Tool (an AI Agent calls Mistral Chat)', () => {
	let server: MistralTestServer;
	const credentials = () => ({ apiKey: server.apiKey as string, baseUrl: server.url });
	const chatRequests = () => server.requests.filter((request) => request.path === '/chat/completions');

	beforeAll(async () => {
		server = await startMistralServer({ recordBodies: true });
	});
	afterAll(async () => await server.close());
	beforeEach(() => server.reset());

	it('works with its defaults: the agent writes the prompt, the answer comes back to it', async () => {
		const prompt = 'Translate to French: the invoice is overdue';
		const call = await runAsAgentTool({
			node: 'mistralChat',
			parameters: {},
			credentials: credentials(),
			// A Chat Trigger's item: no "prompt" field, which the regular node's default would read.
			agentItems: [{ json: { sessionId: 's1', chatInput: 'Please translate my sentence' } }],
			toolArgs: { Prompt: prompt },
		});

		expect(call.error).toBeUndefined();
		// The agent's model is offered one argument, "Prompt", described for it.
		expect(call.tool.arguments).toEqual(['Prompt']);
		expect(call.tool.name).toBe('Ask_Mistral');
		expect(call.tool.description).toMatch(/^Ask a Mistral chat model/);
		expect(call.tool.description).not.toMatch(/each item/i);

		expect(chatRequests()).toHaveLength(1);
		expect(chatRequests()[0].body.messages).toEqual([{ role: 'user', content: prompt }]);
		expect(chatRequests()[0].body.model).toBe('mistral-small-latest');
		const answer = JSON.parse(call.response!) as Array<Record<string, unknown>>;
		expect(answer).toHaveLength(1);
		expect(answer[0].content).toBe(`Echo: ${prompt}`);
		expect(answer[0].finish_reason).toBe('stop');
		// The answer only: no input fields (the agent's own arguments) echoed back.
		expect(Object.keys(answer[0]).sort()).toEqual(['content', 'finish_reason', 'model', 'usage']);
	});

	it('keeps a fixed instruction written around the agent\'s prompt, and the System Message', async () => {
		const call = await runAsAgentTool({
			node: 'mistralChat',
			parameters: {
				prompt: "=Answer in one word. {{ $fromAI('prompt', 'The question', 'string') }}",
				systemMessage: 'You are terse.',
			},
			credentials: credentials(),
			toolArgs: { prompt: 'Capital of France?' },
		});
		expect(call.error).toBeUndefined();
		expect(chatRequests()[0].body.messages).toEqual([
			{ role: 'system', content: 'You are terse.' },
			{ role: 'user', content: 'Answer in one word. Capital of France?' },
		]);
	});

	it('an agent that leaves the prompt out gets an error it can act on, and no request is sent', async () => {
		const call = await runAsAgentTool({ node: 'mistralChat', parameters: {}, credentials: credentials(), toolArgs: {} });
		expect(call.response).toBeUndefined();
		expect(call.error).toMatch(/prompt/i);
		expect(chatRequests()).toHaveLength(0);
	});

	it('the regular node still reads {{ $json.prompt }}; Mistral Embed has no tool variant', async () => {
		const { nodeTypes, packageName } = await loadPackage();
		const chat = nodeTypes.getByNameAndVersion(`${packageName}.mistralChat`);
		const prompts = chat.description.properties.filter((p) => p.name === 'prompt');
		expect(prompts.map((p) => [p.default, p.displayOptions])).toEqual([
			['={{ $json.prompt }}', { hide: { '@tool': [true] } }],
			[
				expect.stringMatching(/^=\{\{ \/\*n8n-auto-generated-fromAI-override\*\/ \$fromAI\('Prompt', `[^`]+`, 'string'\) \}\}$/),
				{ show: { '@tool': [true] } },
			],
		]);
		expect(toolVariantOf(chat).description.name).toBe('mistralChatTool');

		const embed = nodeTypes.getByNameAndVersion(`${packageName}.mistralEmbed`);
		expect(embed.description.usableAsTool).toBeUndefined();
		expect(() => toolVariantOf(embed)).toThrow(/not usableAsTool/);
	});
});
