/**
 * The engine suites of `npm test` (test/harness/engine.ts drives n8n-core and n8n-workflow) run
 * against another n8n's engine: the n8n-core and n8n-workflow installed with the n8n runtime in
 * N8N_ENGINE_MODULES (its node_modules). scripts/e2e.sh uses it for n8n 1.x, whose engine differs
 * from the n8n-core 2.x this project develops against.
 */
const path = require('node:path');
const base = require('../../jest.config.js');

const modules = process.env.N8N_ENGINE_MODULES;
if (!modules) throw new Error('Set N8N_ENGINE_MODULES to the node_modules of an n8n runtime (scripts/e2e.sh does).');
const fromRuntime = ['n8n-core', 'n8n-workflow', '@n8n/di', '@n8n/config', '@n8n/backend-common'];

module.exports = {
	...base,
	rootDir: path.resolve(__dirname, '../..'),
	moduleNameMapper: Object.fromEntries(
		fromRuntime.flatMap((name) => [
			[`^${name}$`, path.join(modules, name)],
			[`^${name}/package\\.json$`, path.join(modules, name, 'package.json')],
		]),
	),
};
