#!/usr/bin/env bash
# `npm start`: build this package, install it into a local n8n the way n8n installs a community
# package, and run n8n on http://localhost:5678 in the foreground (Ctrl+C stops it).
#
#   MISTRAL_API_KEY=...   optional: pre-creates the credential "Mistral account"
#   MISTRAL_BASE_URL=...  optional: its Base URL (default https://api.mistral.ai/v1)
#   N8N_USER_FOLDER=...   optional: n8n's data folder (default: the cache's n8n-user/)
#   N8N_PORT=...          optional: default 5678
#
# Nothing needs a key: n8n starts without one and the credential can be added in the editor.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { echo "[start] $*" >&2; }

step "1/5 Node.js 24 and the n8n runtime"
# shellcheck source=n8n-runtime.sh
source scripts/n8n-runtime.sh
n8n_runtime_ensure

if [ ! -d node_modules ]; then
	step "2/5 installing this project's dependencies (npm ci)"
	npm ci --no-audit --no-fund
else
	step "2/5 dependencies present (node_modules); skipping npm ci"
fi

step "3/5 building and packing n8n-nodes-mistral"
tgz="$(mistral_pack)"

user_folder="${N8N_USER_FOLDER:-$MISTRAL_CACHE/n8n-user}"
step "4/5 installing the package into n8n's community nodes folder $user_folder/.n8n/nodes"
mkdir -p "$user_folder"
mistral_install_into "$user_folder" "$tgz"
rm -rf "$(dirname "$tgz")"
n8n_headless_env "$user_folder"
export N8N_PORT="${N8N_PORT:-5678}"
export N8N_HOST="${N8N_HOST:-localhost}"
export N8N_LOG_LEVEL="${N8N_LOG_LEVEL:-info}"

if [ ! -f "$user_folder/.n8n/database.sqlite" ]; then
	# n8n creates its database on first use and prints each of its ~300 migrations at log level
	# info; do it here quietly so the first start's output stays readable.
	step "    first run in this folder: creating n8n's database"
	N8N_LOG_LEVEL=warn "$N8N_BIN" list:workflow >/dev/null
fi

if [ -n "${MISTRAL_API_KEY:-}" ]; then
	base_url="${MISTRAL_BASE_URL:-https://api.mistral.ai/v1}"
	step "    MISTRAL_API_KEY is set: saving the credential \"Mistral account\" (Base URL $base_url)"
	cred_file="$(mktemp "${TMPDIR:-/tmp}/mistral-credential.XXXXXX.json")"
	trap 'rm -f "$cred_file"' EXIT
	chmod 600 "$cred_file"
	# A fixed id (the one examples/*.json use): importing again updates the same credential.
	MISTRAL_BASE_URL_RESOLVED="$base_url" node -e '
		const fs = require("fs");
		fs.writeFileSync(process.argv[1], JSON.stringify([{
			id: "MistralAccount01",
			name: "Mistral account",
			type: "mistralAiApi",
			data: { apiKey: process.env.MISTRAL_API_KEY, baseUrl: process.env.MISTRAL_BASE_URL_RESOLVED },
		}]));
	' "$cred_file"
	N8N_LOG_LEVEL=warn "$N8N_BIN" import:credentials --input="$cred_file" >&2
	rm -f "$cred_file"
else
	step "    MISTRAL_API_KEY is not set: add a \"Mistral AI API\" credential in the editor when you need one"
fi

step "5/5 starting n8n $N8N_PINNED_VERSION on http://localhost:$N8N_PORT (data: $user_folder; Ctrl+C stops it)"
step "    the nodes are \"Mistral Chat\" and \"Mistral Embed\" (and \"Mistral Chat Tool\", \"Mistral Chat Model\", \"Mistral Embeddings\" for AI Agents and vector stores); example workflows to import: $(pwd)/examples/"
exec "$N8N_BIN" start
