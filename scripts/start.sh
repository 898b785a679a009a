#!/usr/bin/env bash
# `npm start`: build this package, install it into a local n8n the way n8n installs a community
# package, and run n8n on http://localhost:5678 in the foreground (Ctrl+C stops it).
#
#   MISTRAL_API_KEY=...   optional: pre-creates the credential "Mistral account"
#   MISTRAL_BASE_URL=...  optional: its Base URL (default https://api.mistral.ai/v1)
#   N8N_USER_FOLDER=...   optional: n8n's data folder (default: the cache's n8n-user/)
#   N8N_PORT=...          optional: the editor's port (default 5678, or the next free one)
#   N8N_RUNNERS_BROKER_PORT=...  optional: the port of n8n's task broker, where Code nodes run
#                         (default 5679, or the next free one)
#
# A port another program holds (e.g. another n8n on 5678 and 5679) is replaced by a free one and the
# line says so; a port set in one of the variables above is used as it is, or start.sh stops and says
# which variable to change.
#
# Nothing needs a key: n8n starts without one and the credential can be added in the editor.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { echo "[start] $*" >&2; }

step "1/5 Node.js 24 and the n8n runtime"
# shellcheck source=n8n-runtime.sh
source scripts/n8n-runtime.sh
n8n_runtime_ensure

# npm ci prints nothing for a minute or more while it fetches: a line every 10 s with what it has done.
ci_progress() { echo ", $(find node_modules -mindepth 1 -maxdepth 2 -name package.json 2>/dev/null | wc -l) packages in node_modules ($(rt_megabytes node_modules) MB)"; }
if [ ! -d node_modules ]; then
	step "2/5 installing this project's dependencies (npm ci; log: $MISTRAL_CACHE/npm-ci.log)"
	rt_run_with_progress "npm ci" "$MISTRAL_CACHE/npm-ci.log" ci_progress npm ci --no-audit --no-fund --loglevel=http
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
export N8N_HOST="${N8N_HOST:-localhost}"
export N8N_LOG_LEVEL="${N8N_LOG_LEVEL:-info}"

# VAR DEFAULT HOST WHAT [PORTS TO AVOID]: exports VAR as a port a server can listen on at HOST ("-":
# every address). A port the user set is kept or refused; the default is replaced by a free one.
choose_port() {
	local var="$1" default="$2" host="$3" what="$4" avoid="${5:-}" chosen_by_user="${!1:-}" want got
	want="${chosen_by_user:-$default}"
	# shellcheck disable=SC2086 # the ports to avoid are separate arguments
	got="$(node scripts/free-port.js "$want" "$host" $avoid)" || exit 1
	if [ "$got" != "$want" ]; then
		if [ -n "$chosen_by_user" ]; then
			step "$what: port $want ($var=$want) is in use by another program. Set $var to a free port, or unset it and npm start picks one."
			exit 1
		fi
		step "    $what: port $want is in use (another n8n?); using $got instead (set $var to choose)"
	fi
	export "$var=$got"
}
choose_port N8N_PORT 5678 "${N8N_LISTEN_ADDRESS:--}" "n8n's editor"
choose_port N8N_RUNNERS_BROKER_PORT 5679 "${N8N_RUNNERS_BROKER_LISTEN_ADDRESS:-127.0.0.1}" "n8n's task broker" "$N8N_PORT"

if [ ! -f "$user_folder/.n8n/database.sqlite" ]; then
	# n8n creates its database on first use and prints each of its ~300 migrations at log level
	# info; do it here quietly (a line every 10 s) so the first start's output stays readable.
	step "    first run in this folder: creating n8n's database"
	db_progress() { echo ", database $(( $(stat -c %s "$user_folder/.n8n/database.sqlite" 2>/dev/null || echo 0) / 1024 )) KB"; }
	rt_run_with_progress "creating n8n's database" "$user_folder/create-database.log" db_progress env N8N_LOG_LEVEL=warn "$N8N_BIN" list:workflow
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
