#!/usr/bin/env bash
# Builds heraldd and heraldctl and runs heraldd with the demo page, on a fresh Debian 12
# machine as root or on one that has the build's packages already. Once heraldd answers, it
# creates the topic `demo` (browser publishing allowed) and prints what to try next.
#
#   tools/run.sh                    # RocksDB history in ./data
#   tools/run.sh --store=memory     # every argument goes to heraldd
#
# Stop it with Ctrl-C: heraldd drains (clients are told to reconnect) and exits.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
caller_dir="$PWD"
cd "$root"

echo "run: checking the Debian packages the build needs (Bazel, g++, gRPC, Boost, abseil," \
  "RocksDB, libjwt); missing ones are installed now"
tools/setup.sh --run

echo "run: building heraldd and heraldctl. The first build compiles everything and takes" \
  "several minutes; later ones take seconds."
status=0
bazel build -c opt //broker/heraldd //admin:heraldctl || status=$?
if ((status != 0)); then
  echo "run: the build failed (bazel exit status $status); nothing was started" >&2
  exit "$status"
fi
# The opt outputs themselves: the bazel-bin symlink follows whichever configuration built last.
bin="$(bazel info -c opt bazel-bin 2>/dev/null)"

# Where heraldd will listen, read from its flags (--name=value or --name value).
http_address=127.0.0.1 http_port=8080 grpc_address=127.0.0.1 grpc_port=50051
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  arg="${args[i]}"
  name="${arg%%=*}"
  if [[ "$arg" == *=* ]]; then
    value="${arg#*=}"
  else
    value="${args[i + 1]:-}"
  fi
  case "$name" in
    --http_address) http_address="$value" ;;
    --http_port) http_port="$value" ;;
    --grpc_address) grpc_address="$value" ;;
    --grpc_port) grpc_port="$value" ;;
  esac
done
# A server listening on every address is reached on loopback from here; IPv6 in brackets.
local_address() {
  case "$1" in
    0.0.0.0 | :: | "[::]") echo 127.0.0.1 ;;
    \[*) echo "$1" ;;
    *:*) echo "[$1]" ;;
    *) echo "$1" ;;
  esac
}
server="$(local_address "$grpc_address"):$grpc_port"
page="http://$(local_address "$http_address"):$http_port"
# The commands printed at the end, as the caller can paste them where they are.
heraldctl="$root/bazel-bin/admin/heraldctl"
[[ "$caller_dir" == "$root" ]] && heraldctl=bazel-bin/admin/heraldctl
[[ "$server" == 127.0.0.1:50051 ]] || heraldctl="$heraldctl --server=$server"

# Runs beside heraldd (which replaces this shell, so $$ is heraldd's pid): waits for the
# control plane, creates the demo topic and says what to try. heraldctl reads HERALD_TOKEN,
# which must be an admin key when heraldd runs with --api_keys_file.
announce() {
  local ctl="$bin/admin/heraldctl"
  for _ in $(seq 600); do
    # heraldd stopped: its own message says why.
    kill -0 "$$" 2>/dev/null || return 0
    if "$ctl" --server="$server" health >/dev/null 2>&1; then break; fi
    sleep 0.1
  done
  if ! "$ctl" --server="$server" health >/dev/null 2>&1; then
    echo "run: heraldd's control plane did not answer on $server within 60 s" >&2
    return 1
  fi
  local topic_state
  if "$ctl" --server="$server" topics get demo >/dev/null 2>&1; then
    topic_state="exists"
    "$ctl" --server="$server" topics update demo --allow-browser-publish=true >/dev/null ||
      return 1
  else
    topic_state="created"
    "$ctl" --server="$server" topics create demo --allow-browser-publish=true >/dev/null ||
      return 1
  fi
  cat <<MSG

Herald is running. Topic 'demo' $topic_state, with publishing from browsers allowed.

  Demo page      $page/    (open it in a browser; publish from the page)
  Publish        $heraldctl publish demo 'hello'
  Follow (SSE)   curl -N '$page/v1/sse?topic=demo'
  Follow (gRPC)  $heraldctl tail demo
  Node stats     $heraldctl stats
  Metrics        curl $page/metrics

Stop with Ctrl-C. tools/install.sh puts heraldd and heraldctl on the PATH.
MSG
}

announce &
exec "$bin/broker/heraldd/heraldd" --static_dir="$root/examples/demo" "$@"
