/**
 * Environment n8n-core reads when it is first imported. Imported first by ./engine.ts, so it runs
 * before any n8n module: n8n keeps its settings file (encryption key) under N8N_USER_FOLDER, and
 * binary data stays in memory ("default" mode), as in n8n's own node tests.
 *
 * Jest gives every test file a fresh module registry, so this runs once per test file: each file
 * gets its own user folder, removed after the file's tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const userFolder = mkdtempSync(path.join(tmpdir(), 'n8n-mistral-harness-'));
process.env.N8N_USER_FOLDER = userFolder;
process.env.N8N_DEFAULT_BINARY_DATA_MODE = 'default';
process.env.N8N_BINARY_DATA_STORAGE_PATH = path.join(userFolder, 'binaryData');
process.env.N8N_DIAGNOSTICS_ENABLED = 'false';

if (typeof afterAll === 'function') {
	afterAll(() => rmSync(userFolder, { recursive: true, force: true }));
}
