/**
 * The output schemas n8n serves for the editor's schema preview (GET /schemas/<package>.<node>/1.0.0.json,
 * read from __schema__/v1.0.0.json beside the built node): each one describes what the node really
 * outputs with its default settings, checked against a run through n8n's engine.
 */
import fs from 'node:fs';
import path from 'node:path';

import { runNode } from './harness/engine';
import { startMistralServer, type MistralTestServer } from './server/mistralServer';

interface Schema {
	type: string;
	properties?: Record<string, Schema>;
	items?: Schema;
}

function typeOf(value: unknown): string {
	if (Array.isArray(value)) return 'array';
	if (value === null) return 'null';
	if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
	return typeof value;
}

/** Every property the schema names is in the value, with its type (integers count as numbers). */
function expectMatches(schema: Schema, value: unknown, where: string): void {
	const actual = typeOf(value);
	expect({ where, type: schema.type === 'number' && actual === 'integer' ? 'number' : actual }).toEqual({ where, type: schema.type });
	if (schema.properties) for (const [key, inner] of Object.entries(schema.properties)) expectMatches(inner, (value as Record<string, unknown>)[key], `${where}.${key}`);
	if (schema.items) (value as unknown[]).forEach((entry, index) => expectMatches(schema.items!, entry, `${where}[${index}]`));
}

const schemaOf = (node: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'dist', 'nodes', node, '__schema__', 'v1.0.0.json'), 'utf8')) as Schema;

describe('output schemas for the schema preview', () => {
	let server: MistralTestServer;
	beforeAll(async () => {
		server = await startMistralServer();
	});
	afterAll(async () => await server.close());
	const credentials = () => ({ apiKey: server.apiKey as string, baseUrl: server.url });

	it('Mistral Chat: the schema names the fields a default run outputs, with their types', async () => {
		const run = await runNode({ node: 'mistralChat', parameters: { model: { __rl: true, mode: 'id', value: 'mistral-small-latest' } }, items: [{ json: { prompt: 'hi' } }], credentials: credentials() });
		const schema = schemaOf('MistralChat');
		expectMatches(schema, run.items[0].json, 'item');
		// Nothing but the input's own fields is left out.
		expect(Object.keys(run.items[0].json).filter((key) => key !== 'prompt').sort()).toEqual(Object.keys(schema.properties!).sort());
	});

	it('Mistral Embed: the schema names the vector field a default run outputs', async () => {
		const run = await runNode({ node: 'mistralEmbed', parameters: { model: { __rl: true, mode: 'id', value: 'mistral-embed' } }, items: [{ json: { text: 'hi' } }], credentials: credentials() });
		const schema = schemaOf('MistralEmbed');
		expectMatches(schema, run.items[0].json, 'item');
		expect(Object.keys(run.items[0].json).filter((key) => key !== 'text').sort()).toEqual(Object.keys(schema.properties!).sort());
	});
});
