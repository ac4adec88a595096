#!/usr/bin/env bash
# The clients (clients/js: chatd-sdk, clients/web-demo: the web chat app).
#
#   scripts/clients.sh build   installs the npm packages when clients/package-lock.json changed
#                              (npm ci), then builds the SDK and the demo (clients/build.mjs)
#   scripts/clients.sh demo    builds, then serves the demo on 127.0.0.1:${DEMO_PORT:-8081}
#                              for a chatd on ${CHATD_WS:-ws://127.0.0.1:8080/ws} (make run's)
#
# Node.js and npm come from Debian when the machine has no node (scripts/deps.sh).
set -euo pipefail
cd "$(dirname "$0")/../clients"

command -v node >/dev/null || { echo "clients.sh: node is missing: run scripts/deps.sh" >&2; exit 1; }
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
    echo "clients.sh: npm ci"
    npm ci --no-audit --no-fund --loglevel=error
fi
node build.mjs

if [ "${1:-build}" = demo ]; then
    port=${DEMO_PORT:-8081}
    ws=${CHATD_WS:-ws://127.0.0.1:8080/ws}
    echo "web demo: open http://127.0.0.1:$port/?server=$ws in two browser windows (alice, bob)"
    exec node web-demo/serve.mjs --port "$port"
fi
