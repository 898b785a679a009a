const { src, dest, parallel } = require('gulp');

// tsc emits only JavaScript; n8n also needs each node's icons, codex file and output schemas next to it.
function copyIcons() {
	return src(['nodes/**/*.svg', 'credentials/**/*.svg'], { base: '.', encoding: false }).pipe(dest('dist'));
}

function copyCodex() {
	return src('nodes/**/*.node.json', { base: '.' }).pipe(dest('dist'));
}

// Output schemas (__schema__/v<version>.json beside the node's .js, where n8n looks for them): the
// editor's schema preview lets users map a node's fields before its first run.
function copySchemas() {
	return src('nodes/**/__schema__/**/*.json', { base: '.' }).pipe(dest('dist'));
}

exports['build:assets'] = parallel(copyIcons, copyCodex, copySchemas);
