#!/usr/bin/env bash
# The README's test command (`npm test`): builds the package, then runs every jest suite through
# n8n's real execution engine against the local Mistral-compatible server.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node24.sh
[ -d node_modules/n8n-core ] || npm ci --no-audit --no-fund
npm run build --silent
npx jest "$@"
