const { src, dest, parallel } = require('gulp');

// tsc emits only JavaScript. n8n also needs the package's icons (icons/, one pair that every node and
// the credential point at with a relative `file:` path) and each node's codex file next to it.
function copyIcons() {
	return src('icons/*.svg', { base: '.', encoding: false }).pipe(dest('dist'));
}

function copyCodex() {
	return src('nodes/**/*.node.json', { base: '.' }).pipe(dest('dist'));
}

exports['build:assets'] = parallel(copyIcons, copyCodex);
