#!/usr/bin/env bash
# Runs the ticker: builds heraldd and heraldctl if needed, starts heraldd serving this page,
# creates the topic `ticks` and starts the feed (feed.js piped into heraldctl's streaming
# publish). Stop with Ctrl-C.
#
#   examples/ticker/run.sh          # http://127.0.0.1:8080/
#   HERALD_HTTP_PORT=9080 HERALD_GRPC_PORT=9051 TICK_MS=100 examples/ticker/run.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

herald_build
herald_start --static_dir="$root/examples/ticker"
herald_topic ticks --max-events=1000

# The feed and heraldctl stop together: heraldctl ends at the feed's end of file, and the
# feed when heraldctl's end of the pipe closes: heraldctl itself, not a shell function around
# it, is the pipeline's last process, so that stopping $! closes that end. heraldctl's acks
# (one line per event) are dropped; its errors still show.
node "$root/examples/ticker/feed.js" |
  "$bin/admin/heraldctl" --server="$herald_server" publish ticks --stream --event tick >/dev/null &
herald_track $!
echo "ticker: open $herald_url/ in a browser (Ctrl-C stops)"
wait -n
