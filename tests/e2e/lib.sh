# What the shell end-to-end suites share; source it. Counts PASS and FAIL lines in `passed`
# and `failed`, which a suite prints last as "NAME: N passed, M failed".
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   port=$(free_port)
#   curl -fsS "http://127.0.0.1:$port/healthz"; check $? "heraldd answers" "detail if it fails"

passed=0
failed=0

# check STATUS NAME [DETAIL]: one PASS (STATUS 0) or FAIL line, counted; returns STATUS.
check() {
  if [[ "$1" == 0 ]]; then
    echo "PASS $2"
    passed=$((passed + 1))
  else
    echo "FAIL $2${3:+: $3}"
    failed=$((failed + 1))
  fi
  return "$1"
}

# A TCP port free on 127.0.0.1 at the time of asking.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# answers_healthz PORT PID: waits up to 10 s for heraldd (PID) to answer /healthz on PORT;
# fails at once when PID exits first.
answers_healthz() {
  for _ in $(seq 200); do
    curl -fsS -o /dev/null "http://127.0.0.1:$1/healthz" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# start_suite NAME [TARGET...]: the start of a suite that runs heraldd as a process. Builds
# heraldd, heraldctl and the TARGETs, or prints NAME's failed total and exits; sets bin,
# heraldd, heraldctl, an empty pids array and tmp, a folder removed at exit after every PID in
# pids is killed. A suite with more to clean up sets its own EXIT trap calling end_suite.
start_suite() {
  local name="$1"
  shift
  if ! bazel build //broker/heraldd //admin:heraldctl "$@" >/dev/null 2>&1; then
    echo "$name: 0 passed, 1 failed (bazel build failed)"
    exit 1
  fi
  bin="$(bazel info bazel-bin 2>/dev/null)"
  heraldd="$bin/broker/heraldd/heraldd"
  heraldctl="$bin/admin/heraldctl"
  tmp="$(mktemp -d)"
  pids=()
  trap end_suite EXIT
}

end_suite() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
