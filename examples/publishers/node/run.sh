#!/usr/bin/env bash
# Runs the Node publisher against a fresh heraldd: installs its npm packages if missing,
# builds heraldd and heraldctl if needed, starts heraldd, creates the topic `orders`,
# publishes 100 events with a stream broken on purpose after 40 acks and retried, then shows
# the topic: 100 events, each stored once.
#
#   examples/publishers/node/run.sh [publish.js flags, e.g. --count 1000 --break_after 300]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../lib.sh"

here="$root/examples/publishers/node"
if [[ ! -d "$here/node_modules/@grpc/grpc-js" ]]; then
  (cd "$here" && npm ci --no-audit --no-fund)
fi
herald_build
herald_start
herald_topic orders --max-events=100000
node "$here/publish.js" --server="$herald_server" --topic=orders --count=100 --break_after=40 "$@"
herald_ctl topics get orders
