/**
 * The layout rules in eslint.config.mjs (no import between node folders, no import cycle, no n8n in
 * the domain core) fail lint on a planted violation, pass on clean code, and hold on the real tree.
 * ESLint runs as `npm run lint` runs it, in a child process, with the project's own config file.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = join(__dirname, '..', '..');
const eslintBin = join(repo, 'node_modules', 'eslint', 'bin', 'eslint.js');

interface LintMessage {
	ruleId: string | null;
	message: string;
}

/** Lints `targets` in `cwd` with the config file found there; returns the messages by file (relative) and the exit code. */
async function lint(cwd: string, targets: string[]): Promise<{ exitCode: number; byFile: Map<string, LintMessage[]> }> {
	let stdout: string;
	let exitCode = 0;
	try {
		({ stdout } = await run(process.execPath, [eslintBin, '--format', 'json', ...targets], { cwd, maxBuffer: 64 * 1024 * 1024 }));
	} catch (error) {
		const failed = error as { code?: number; stdout?: string };
		if (typeof failed.stdout !== 'string' || failed.stdout === '') throw error;
		stdout = failed.stdout;
		exitCode = failed.code ?? 1;
	}
	const results = JSON.parse(stdout) as Array<{ filePath: string; messages: LintMessage[] }>;
	return { exitCode, byFile: new Map(results.map((result) => [relative(cwd, result.filePath), result.messages])) };
}

const LAYOUT_RULES = ['import-x/no-restricted-paths', 'import-x/no-cycle', 'no-restricted-imports'];
const layoutRulesOf = (messages: LintMessage[] = []) => messages.map((message) => message.ruleId).filter((id) => LAYOUT_RULES.includes(id ?? ''));

describe('layout rules (eslint.config.mjs)', () => {
	let project: string;

	beforeAll(() => {
		// A small project of its own with the real config file and the real node_modules.
		project = mkdtempSync(join(tmpdir(), 'layout-rules-'));
		cpSync(join(repo, 'eslint.config.mjs'), join(project, 'eslint.config.mjs'));
		cpSync(join(repo, 'tsconfig.json'), join(project, 'tsconfig.json'));
		symlinkSync(join(repo, 'node_modules'), join(project, 'node_modules'), 'dir');
		const files: Record<string, string> = {
			// A node reaching into a sibling node's internals.
			'nodes/MistralAlpha/reachesIntoSibling.ts': "import { helper } from '../MistralBeta/actions/helper';\nexport const alpha = helper + 1;\n",
			'nodes/MistralBeta/actions/helper.ts': 'export const helper = 1;\n',
			// The same node importing only from itself and nodes/shared: allowed.
			'nodes/MistralBeta/usesShared.ts': "import { pure } from '../shared/pure';\nimport { helper } from './actions/helper';\nexport const beta = pure + helper;\n",
			// nodes/shared importing a node folder.
			'nodes/shared/importsNode.ts': "import { helper } from '../MistralBeta/actions/helper';\nexport const shared = helper;\n",
			// A core module importing n8n.
			'nodes/shared/importsN8n.ts': "import { NodeOperationError } from 'n8n-workflow';\nexport const errorClass = NodeOperationError;\n",
			// A core module importing an n8n adapter.
			'nodes/shared/importsAdapter.ts': "import { collectOutput } from './itemResults';\nexport const collect = collectOutput;\n",
			'nodes/shared/itemResults.ts': "import type { INodeExecutionData } from 'n8n-workflow';\nexport const collectOutput = (items: INodeExecutionData[]) => items;\n",
			// Two modules importing each other.
			'nodes/shared/cycleOne.ts': "import { two } from './cycleTwo';\nexport const one = () => two() + 1;\n",
			'nodes/shared/cycleTwo.ts': "import { one } from './cycleOne';\nexport const two = () => (Math.random() > 2 ? one() : 2);\n",
			'nodes/shared/pure.ts': 'export const pure = 2;\n',
		};
		for (const [file, text] of Object.entries(files)) {
			mkdirSync(dirname(join(project, file)), { recursive: true });
			writeFileSync(join(project, file), text);
		}
	});

	afterAll(() => {
		if (project) rmSync(project, { recursive: true, force: true });
	});

	it('fails on each planted violation and passes the clean files', async () => {
		const { exitCode, byFile } = await lint(project, ['nodes']);
		expect(exitCode).toBe(1);
		expect(layoutRulesOf(byFile.get('nodes/MistralAlpha/reachesIntoSibling.ts'))).toEqual(['import-x/no-restricted-paths']);
		expect(layoutRulesOf(byFile.get('nodes/shared/importsNode.ts'))).toEqual(['import-x/no-restricted-paths']);
		expect(layoutRulesOf(byFile.get('nodes/shared/importsN8n.ts'))).toEqual(['no-restricted-imports']);
		expect(layoutRulesOf(byFile.get('nodes/shared/importsAdapter.ts'))).toEqual(['import-x/no-restricted-paths']);
		expect(layoutRulesOf(byFile.get('nodes/shared/cycleOne.ts'))).toContain('import-x/no-cycle');
		expect(layoutRulesOf(byFile.get('nodes/shared/cycleTwo.ts'))).toContain('import-x/no-cycle');
		// The clean ones: a node importing itself and nodes/shared, an adapter importing n8n.
		expect(layoutRulesOf(byFile.get('nodes/MistralBeta/usesShared.ts'))).toEqual([]);
		expect(layoutRulesOf(byFile.get('nodes/shared/itemResults.ts'))).toEqual([]);
		expect(layoutRulesOf(byFile.get('nodes/shared/pure.ts'))).toEqual([]);
	}, 180_000);

	it('hold on the package itself', async () => {
		const { byFile } = await lint(repo, ['nodes', 'credentials']);
		const broken = [...byFile].flatMap(([file, messages]) =>
			messages.filter((message) => LAYOUT_RULES.includes(message.ruleId ?? '')).map((message) => `${file}: ${message.ruleId}: ${message.message}`),
		);
		expect(broken).toEqual([]);
	}, 180_000);
});
