#!/usr/bin/env bash
# Runs the C++ publisher against a fresh heraldd: builds it, heraldd and heraldctl if needed,
# starts heraldd, creates the topic `orders`, publishes 100 events with a stream broken on
# purpose after 40 acks and retried, then shows the topic: 100 events, each stored once.
#
#   examples/publishers/cpp/run.sh [publish flags, e.g. --count=1000 --break_after=300]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../lib.sh"

herald_build //examples/publishers/cpp:publish
herald_start
herald_topic orders --max-events=100000
"$bin/examples/publishers/cpp/publish" --server="$herald_server" --topic=orders --count=100 \
  --break_after=40 "$@"
herald_ctl topics get orders
