#!/usr/bin/env bash
# `npm run test:e2e`: the packed package in a real n8n (test/e2e/n8n.e2e.ts).
#   1. the pinned n8n runtime (installed into the cache on first use: about 4 minutes idle, up to 13 on a busy machine),
#   2. build + npm pack of this project (or E2E_PACKAGE_TGZ=path/to/a.tgz to test a given tarball),
#   3. a fresh N8N_USER_FOLDER with the tarball installed in .n8n/nodes (as n8n installs community
#      packages), then jest runs the test, which starts the local Mistral-compatible server and
#      drives n8n's CLI (import:credentials, import:workflow, execute) and `n8n start`.
# E2E_KEEP=1 keeps the user folder (n8n's database, logs) for a look afterwards.
#
# n8n versions: every version in E2E_N8N_VERSIONS (default: the two lines we support, 2.41.1 on
# Node 24 and 1.123.81 on Node 22), one after the other with the same tarball; the test gets the
# version as E2E_N8N_VERSION. E2E_N8N_VERSIONS=1.123.81 (or N8N_PINNED_VERSION=...) runs one.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
say() { echo "[e2e] $*" >&2; }

E2E_N8N_VERSIONS="${E2E_N8N_VERSIONS:-${N8N_PINNED_VERSION:-2.41.1 1.123.81}}"
read -r -a versions <<<"${E2E_N8N_VERSIONS//,/ }"
if [ "${#versions[@]}" -gt 1 ]; then
	# Install every runtime first (a broken install fails before any test runs), pack once, then
	# run this script once per version.
	for version in "${versions[@]}"; do
		(N8N_PINNED_VERSION="$version" && source scripts/n8n-runtime.sh && n8n_runtime_ensure)
	done
	pack_dir=""
	if [ -z "${E2E_PACKAGE_TGZ:-}" ]; then
		# shellcheck source=n8n-runtime.sh
		source scripts/n8n-runtime.sh
		E2E_PACKAGE_TGZ="$(mistral_pack)"
		pack_dir="$(dirname "$E2E_PACKAGE_TGZ")"
	fi
	summary=()
	status=0
	for version in "${versions[@]}"; do
		version_started=$SECONDS
		rc=0
		E2E_N8N_VERSIONS="$version" E2E_PACKAGE_TGZ="$E2E_PACKAGE_TGZ" bash scripts/e2e.sh "$@" || rc=$?
		summary+=("n8n $version: $([ "$rc" = 0 ] && echo passed || echo "FAILED (exit $rc)") in $((SECONDS - version_started)) s")
		[ "$rc" = 0 ] || status=$rc
	done
	[ -n "$pack_dir" ] && rm -rf "$pack_dir"
	for line in "${summary[@]}"; do say "$line"; done
	say "all versions finished in $((SECONDS - started)) s (exit $status)"
	exit "$status"
fi
export N8N_PINNED_VERSION="${versions[0]}"

# shellcheck source=n8n-runtime.sh
source scripts/n8n-runtime.sh
n8n_runtime_ensure
[ -d node_modules/n8n-core ] || { say "installing this project's dependencies (npm ci)"; npm ci --no-audit --no-fund; }

if [ -n "${E2E_PACKAGE_TGZ:-}" ]; then
	tgz="$(cd "$(dirname "$E2E_PACKAGE_TGZ")" && pwd)/$(basename "$E2E_PACKAGE_TGZ")"
	say "testing the given tarball $tgz"
	pack_dir=""
else
	tgz="$(mistral_pack)"
	pack_dir="$(dirname "$tgz")"
fi

user_folder="$(mktemp -d "${TMPDIR:-/tmp}/n8n-nodes-mistral-e2e.XXXXXX")"
cleanup() {
	[ -n "$pack_dir" ] && rm -rf "$pack_dir"
	if [ "${E2E_KEEP:-}" = 1 ]; then say "kept the n8n user folder $user_folder"; else rm -rf "$user_folder"; fi
}
trap cleanup EXIT
mistral_install_into "$user_folder" "$tgz"
n8n_headless_env "$user_folder"

export E2E_N8N_BIN="$N8N_BIN" E2E_USER_FOLDER="$user_folder" E2E_N8N_VERSION="$N8N_PINNED_VERSION"
say "running test/e2e with n8n $N8N_PINNED_VERSION on Node $N8N_NODE_MAJOR (user folder $user_folder)"
set +e
npx jest --forceExit --testMatch '**/test/e2e/**/*.e2e.ts' --maxWorkers=1 --testTimeout=150000 "$@"
rc=$?
set -e

# An n8n whose engine is not the n8n-core this project develops against (n8n 1.x): the engine suites
# of `npm test` (credential test, transport, retries, cancel, model lists, chat, embed, bad input,
# secrets) run once more, through that n8n's own n8n-core and n8n-workflow, on its Node.
engine_version="$(node -p 'require("n8n-core/package.json").version')"
runtime_engine_version="$(node -p "require('$N8N_HOME/node_modules/n8n-core/package.json').version")"
if [ "$#" -eq 0 ] && [ "$runtime_engine_version" != "$engine_version" ]; then
	say "engine suites through n8n $N8N_PINNED_VERSION's engine (n8n-core $runtime_engine_version; npm test uses $engine_version)"
	set +e
	N8N_ENGINE_MODULES="$N8N_HOME/node_modules" rt_with_runtime_node npx jest --forceExit -c test/e2e/jest.engine-on-n8n.config.js \
		test/foundation.test.ts test/chat.test.ts test/embed.test.ts test/badInput test/faults/secrets.test.ts test/audio.test.ts
	engine_rc=$?
	set -e
	[ "$engine_rc" = 0 ] || rc=$engine_rc
fi
say "finished in $((SECONDS - started)) s (exit $rc)"
exit "$rc"
