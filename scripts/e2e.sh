#!/usr/bin/env bash
# `npm run test:e2e`: the packed package in a real n8n (test/e2e/n8n.e2e.ts).
#   1. the pinned n8n runtime (installed into the cache on first use: 4 to 13 minutes),
#   2. build + npm pack of this project (or E2E_PACKAGE_TGZ=path/to/a.tgz to test a given tarball),
#   3. a fresh N8N_USER_FOLDER with the tarball installed in .n8n/nodes (as n8n installs community
#      packages), then jest runs the test, which starts the local Mistral-compatible server and
#      drives n8n's CLI (import:credentials, import:workflow, execute) and `n8n start`.
# E2E_KEEP=1 keeps the user folder (n8n's database, logs) for a look afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
say() { echo "[e2e] $*" >&2; }

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

export E2E_N8N_BIN="$N8N_BIN" E2E_USER_FOLDER="$user_folder"
say "running test/e2e with n8n $N8N_PINNED_VERSION (user folder $user_folder)"
set +e
npx jest --forceExit --testMatch '**/test/e2e/**/*.e2e.ts' --maxWorkers=1 --testTimeout=150000 "$@"
rc=$?
set -e
say "finished in $((SECONDS - started)) s (exit $rc)"
exit "$rc"
