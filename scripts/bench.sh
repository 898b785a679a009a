#!/usr/bin/env bash
# `npm run bench`: builds the package, compiles the benchmark (bench/ with test/harness and
# test/server) into .bench/, and runs it: the built nodes through n8n's real engine against the
# local Mistral-compatible server over loopback. Prints a report and writes bench/results/latest.json.
#
# Options (after `npm run bench --`): --only=s1,...,s9  --repeat=N  --per-item=N  --profile  --profile-of=s9.node,...
# --no-auto-profile  --no-experiments  (see bench/run.ts)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node24.sh
[ -d node_modules/n8n-core ] || npm ci --no-audit --no-fund

# The harness loads the package from two levels above its compiled file (.bench/test/harness/), so
# .bench/ gets its own copy of the build and manifest: a `npm run build` elsewhere (which empties
# dist/ first) cannot pull the nodes away in the middle of a run. The copy must load completely.
snapshot_build() {
	rm -rf .bench/dist .bench/package.json
	mkdir -p .bench
	cp -R dist .bench/dist && cp package.json .bench/package.json || return 1
	node -e '
		const path = require("node:path");
		const manifest = require("./.bench/package.json").n8n;
		for (const file of [...manifest.nodes, ...manifest.credentials]) require(path.resolve(".bench", file));
	' 2>/dev/null
}
built=0
for attempt in 1 2 3; do
	if npm run build --silent && snapshot_build; then built=1; break; fi
	echo "[bench] the build was incomplete (a concurrent build?); retrying ($attempt)" >&2
	sleep 2
done
[ "$built" = 1 ] || { echo "[bench] could not build the package" >&2; exit 1; }

npx tsc -p bench/tsconfig.json
exec node .bench/bench/run.js "$@"
