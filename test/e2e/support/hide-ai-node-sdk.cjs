/**
 * Preloaded into n8n (NODE_OPTIONS=--require) to play an n8n without @n8n/ai-node-sdk, as every n8n
 * before 2.16 is: this package's requires of the SDK fail exactly as Node fails for a missing module.
 * n8n's own modules are left alone.
 */
const Module = require('node:module');

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
	if (request === '@n8n/ai-node-sdk' && parent && /n8n-nodes-mistral/.test(parent.filename ?? '')) {
		const error = new Error(`Cannot find module '${request}'\nRequire stack:\n- ${parent.filename}`);
		error.code = 'MODULE_NOT_FOUND';
		throw error;
	}
	return resolve.call(this, request, parent, ...rest);
};
