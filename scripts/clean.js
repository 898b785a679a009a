// Removes the folders named on the command line (used to clean dist before a build).
const { rmSync } = require('node:fs');

for (const target of process.argv.slice(2)) rmSync(target, { recursive: true, force: true });
