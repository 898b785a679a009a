#!/usr/bin/env bash
# The README's test command (`npm test`): builds the package, then runs every jest suite through
# n8n's real execution engine against the local Mistral-compatible server.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node24.sh
[ -d node_modules/n8n-core ] || npm ci --no-audit --no-fund
npm run build --silent
results="$(mktemp "${TMPDIR:-/tmp}/jest-results.XXXXXX.json")"
trap 'rm -f "$results"' EXIT
status=0
npx jest --json --outputFile="$results" "$@" || status=$?
# One plain closing line for CI: "N passed, N failed, N skipped" (skipped: it.skip, it.todo, and tests left out by -t).
node -e 'const r = require(process.argv[1]); console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`)' "$results" || true
exit "$status"
