/**
 * Whether the n8n running the node is 1.x, told by the n8n-workflow it lends its community nodes.
 * Read once; when it cannot be read, assume 2.x.
 */
let isV1: boolean | undefined;

export function runsOnN8nV1(): boolean {
	if (isV1 === undefined) {
		try {
			// eslint-disable-next-line @typescript-eslint/no-require-imports
			const { version } = require('n8n-workflow/package.json') as { version?: unknown };
			isV1 = typeof version === 'string' && version.startsWith('1.');
		} catch {
			isV1 = false;
		}
	}
	return isV1;
}
