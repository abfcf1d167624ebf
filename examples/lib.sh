# What the examples' run.sh scripts share; source it. Builds heraldd and heraldctl (unless
# HERALD_BIN names a directory where they are built already), starts heraldd with its history
# in memory, and stops it, and whatever else the script started, when the script exits.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
#   herald_build
#   herald_start --access_token_secret_file="$secret"
#   herald_ctl topics create chat.lobby --allow-browser-publish=true
#
# Ports: HERALD_HTTP_PORT (8080) and HERALD_GRPC_PORT (50051).

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HERALD_HTTP_PORT="${HERALD_HTTP_PORT:-8080}"
HERALD_GRPC_PORT="${HERALD_GRPC_PORT:-50051}"
herald_url="http://127.0.0.1:$HERALD_HTTP_PORT"
herald_server="127.0.0.1:$HERALD_GRPC_PORT"
started_pids=()

# Builds heraldd, heraldctl and the given targets as tools/run.sh does (optimized), once;
# later runs take seconds. Sets `bin`, where the outputs are.
herald_build() {
  if [[ -n "${HERALD_BIN:-}" ]]; then
    bin="$HERALD_BIN"
    return
  fi
  (cd "$root" && tools/setup.sh --run) || exit 1
  echo "example: building heraldd and heraldctl (the first build takes several minutes)"
  (cd "$root" && bazel build -c opt //broker/heraldd //admin:heraldctl "$@") || exit 1
  # The opt outputs themselves: the bazel-bin symlink follows whichever configuration built last.
  bin="$(cd "$root" && bazel info -c opt bazel-bin 2>/dev/null)"
}

herald_ctl() {
  "$bin/admin/heraldctl" --server="$herald_server" "$@"
}

# Remembers a background process to stop when the script exits.
herald_track() {
  started_pids+=("$1")
}

# Newest first: what feeds heraldd stops before heraldd does. Under `set -e` a process that
# is already gone (kill fails) or ends on the signal (wait returns its status) must not end
# this loop early, which left heraldd running after the script had exited.
stop_started() {
  local i
  for ((i = ${#started_pids[@]} - 1; i >= 0; i--)); do
    kill "${started_pids[i]}" 2>/dev/null || true
    wait "${started_pids[i]}" 2>/dev/null || true
  done
}
trap stop_started EXIT
# Exiting runs the EXIT trap: Ctrl-C and kill stop everything too.
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts heraldd in the background with the given extra flags and waits until both its edge
# and its control plane answer; exits the script when it does not come up.
herald_start() {
  "$bin/broker/heraldd/heraldd" --store=memory --http_port="$HERALD_HTTP_PORT" \
    --grpc_port="$HERALD_GRPC_PORT" "$@" &
  local pid=$!
  herald_track "$pid"
  for _ in $(seq 300); do
    if curl -fsS -o /dev/null "$herald_url/healthz" 2>/dev/null &&
      herald_ctl health >/dev/null 2>&1; then
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "example: heraldd exited at start (ports $HERALD_HTTP_PORT and $HERALD_GRPC_PORT" \
        "free? set HERALD_HTTP_PORT and HERALD_GRPC_PORT)" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "example: heraldd did not answer on $herald_url and $herald_server within 30 s" >&2
  exit 1
}

# Creates a topic, or updates one that exists, with the given flags.
herald_topic() {
  local name="$1"
  shift
  if herald_ctl topics get "$name" >/dev/null 2>&1; then
    herald_ctl topics update "$name" "$@" >/dev/null
  else
    herald_ctl topics create "$name" "$@" >/dev/null
  fi
}
