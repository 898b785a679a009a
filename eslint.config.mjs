import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { config } from '@n8n/node-cli/eslint';

/**
 * The package's layout, enforced (see CONTRIBUTING.md, "How the code is laid out"):
 *  - a node folder (nodes/MistralChat, ...) imports only from itself and nodes/shared, never from
 *    another node folder; nodes/shared imports from no node folder;
 *  - no import cycle anywhere;
 *  - nodes/shared is the domain core and imports nothing from n8n, except the n8n adapters listed
 *    below (the transport's n8n side, option lists, item results, batch runner...). A core module
 *    may not import an adapter either: that would bring n8n in through the back door.
 * Node folders are read from disk, so a new node is covered the day it is added.
 */
const root = dirname(fileURLToPath(import.meta.url));
const nodeFolders = readdirSync(join(root, 'nodes'), { withFileTypes: true })
	.filter((entry) => entry.isDirectory() && entry.name !== 'shared')
	.map((entry) => entry.name);

/** Modules under nodes/shared that speak to n8n (its types, helpers, errors or parameter lists). */
export const n8nAdapters = [
	// n8n's sleep: community nodes may not use timers themselves.
	'nodes/shared/abortableSleep.ts',
	'nodes/shared/agentTool.ts',
	'nodes/shared/aiNodeSdk.ts',
	// The audio and files modules call the client themselves (a small sender interface would make them core).
	'nodes/shared/audio/voices.ts',
	'nodes/shared/batch/parameters.ts',
	'nodes/shared/batch/results.ts',
	'nodes/shared/batch/runner.ts',
	'nodes/shared/batch/newBatchRunner.ts',
	'nodes/shared/commonOptions.ts',
	'nodes/shared/credentialTest.ts',
	'nodes/shared/embeddingOptions.ts',
	'nodes/shared/files/glue.ts',
	'nodes/shared/itemResults.ts',
	'nodes/shared/models.ts',
	'nodes/shared/n8nVersion.ts',
	'nodes/shared/nodeMethods.ts',
	'nodes/shared/nodeOptions.ts',
	'nodes/shared/parameterReaders.ts',
	'nodes/shared/samplingOptions.ts',
	'nodes/shared/transport/client.ts',
	'nodes/shared/transport/httpAttempt.ts',
	'nodes/shared/transport/rateLimitGate.ts',
	'nodes/shared/transport/streamAttempt.ts',
];

const betweenNodeFolders = [
	...nodeFolders.map((folder) => ({
		target: `./nodes/${folder}`,
		from: './nodes',
		except: [`./${folder}`, './shared'],
		message: `A node folder imports only from itself and nodes/shared. Move what ${folder} needs from its sibling into nodes/shared.`,
	})),
	{
		target: './nodes/shared',
		from: './nodes',
		except: ['./shared'],
		message: 'nodes/shared is imported by the node folders, never the other way round.',
	},
];

export default [
	...config,
	{
		files: ['nodes/**/*.ts', 'credentials/**/*.ts'],
		// import-x reads only .js modules unless told otherwise; no-cycle must follow our .ts imports.
		settings: {
			'import-x/extensions': ['.ts', '.js'],
		},
		rules: {
			'import-x/no-restricted-paths': ['error', { basePath: root, zones: betweenNodeFolders }],
			'import-x/no-cycle': ['error', { ignoreExternal: true }],
		},
	},
	{
		files: ['nodes/shared/**/*.ts'],
		ignores: n8nAdapters,
		rules: {
			'no-restricted-imports': [
				'error',
				{
					paths: [
						{ name: 'n8n-workflow', message: 'The domain core (nodes/shared) imports nothing from n8n: keep n8n in the node folders or an adapter (see eslint.config.mjs).' },
						{ name: 'n8n-core', message: 'The domain core (nodes/shared) imports nothing from n8n.' },
					],
					patterns: [{ group: ['@n8n/*'], message: 'The domain core (nodes/shared) imports nothing from n8n.' }],
				},
			],
			'import-x/no-restricted-paths': [
				'error',
				{
					basePath: root,
					zones: [
						...betweenNodeFolders,
						{
							target: './nodes/shared',
							from: n8nAdapters.map((file) => `./${file}`),
							message: 'A core module may not import an n8n adapter: pass what it needs in (a plain value or a small interface).',
						},
					],
				},
			],
		},
	},
];
