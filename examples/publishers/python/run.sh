#!/usr/bin/env bash
# Runs the Python publisher against a fresh heraldd: builds heraldd and heraldctl if needed,
# starts heraldd, creates the topic `orders`, publishes 100 events with a stream broken on
# purpose after 40 acks and retried, then shows the topic: 100 events, each stored once.
#
#   examples/publishers/python/run.sh [publish.py flags, e.g. --count 1000 --break_after 300]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../lib.sh"

if ! /usr/bin/python3 -c 'import grpc, grpc_tools' 2>/dev/null; then
  echo "example: Debian's python3-grpcio and python3-grpc-tools are missing; run tools/setup.sh" \
    "or apt-get install python3-grpcio python3-grpc-tools" >&2
  exit 1
fi
herald_build
herald_start
herald_topic orders --max-events=100000
# Debian's interpreter: python3-grpcio and python3-grpc-tools are installed for it.
/usr/bin/python3 "$root/examples/publishers/python/publish.py" --server="$herald_server" \
  --topic=orders --count=100 --break_after=40 "$@"
herald_ctl topics get orders
