#!/usr/bin/env bash
# Crash tests of heraldd's durable store (--store=rocksdb). Each round: start heraldd on the
# data dir, stream events into one topic with crash_driver (64 unacknowledged at most, every
# ack recorded as it arrives), SIGKILL heraldd at a random moment, restart it on the same data
# dir and ports, and let `crash_driver verify` check that every acknowledged event is there
# once at its offset, offsets and epoch continue, and pre-crash cursors resume over gRPC, SSE
# and WebSocket. The topic and the ack file carry over, so each round re-checks every earlier
# round too. The last round runs with --durability=fsync.
#
#   tests/e2e/crash_e2e.sh          (from tools/test.sh; builds what it needs)
#
# Last line: "crash_e2e: N passed, M failed" (one per PASS/FAIL line above it).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
source tests/e2e/lib.sh
if ! bazel build //broker/heraldd //tests/e2e:crash_driver >/dev/null 2>&1; then
  echo "crash_e2e: 0 passed, 1 failed (bazel build of heraldd/crash_driver failed)"
  exit 1
fi
# Not the bazel-bin symlink: it follows whichever configuration (opt, asan) built last.
bin="$(bazel info bazel-bin 2>/dev/null)"
heraldd="$bin/broker/heraldd/heraldd"
driver="$bin/tests/e2e/crash_driver"
durabilities=(process process process process process fsync)
topic="crash.$$"

tmp="$(mktemp -d)"
heraldd_pid=""
publisher_pid=""
cleanup() {
  for p in $publisher_pid $heraldd_pid; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# Runs the driver, echoing its output and counting its PASS/FAIL lines.
run_driver() {
  local out
  out=$("$driver" "$@" --grpc="127.0.0.1:$grpc_port" --http_port="$http_port" --topic="$topic" \
    --acks="$tmp/acks" --sent="$tmp/sent" 2>>"$tmp/driver.log")
  local status=$?
  [[ -n "$out" ]] && echo "$out"
  passed=$((passed + $(grep -c '^PASS' <<<"$out")))
  failed=$((failed + $(grep -c '^FAIL' <<<"$out")))
  return "$status"
}

http_port=$(free_port)
grpc_port=$(free_port)

# Starts heraldd on the data dir; returns once /healthz answers (1 if it never does).
start_heraldd() {
  "$heraldd" --store=rocksdb --data_dir="$tmp/data" --durability="$1" --http_port="$http_port" \
    --grpc_port="$grpc_port" 2>>"$tmp/heraldd.log" &
  heraldd_pid=$!
  answers_healthz "$http_port" "$heraldd_pid" && return 0
  echo "  heraldd did not come up; its log ends:"; tail -5 "$tmp/heraldd.log" | sed 's/^/  /'
  return 1
}

# Stops heraldd with SIGTERM, as an operator would between rounds; 0 for a clean exit.
stop_heraldd() {
  kill -TERM "$heraldd_pid"
  for _ in $(seq 200); do
    kill -0 "$heraldd_pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -9 "$heraldd_pid" 2>/dev/null
  wait "$heraldd_pid"
  local status=$?
  heraldd_pid=""
  return "$status"
}

run_round() {
  local round="$1" durability="$2" ok
  start_heraldd "$durability"
  check $? "$round: heraldd starts on the data dir (--durability=$durability)" || return 1
  if [[ "$round" == r1 ]]; then
    run_driver create
    check $? "$round: topic $topic created" || return 1
  fi

  "$driver" publish --grpc="127.0.0.1:$grpc_port" --topic="$topic" --prefix="$round" \
    --acks="$tmp/acks" --sent="$tmp/sent" 2>>"$tmp/driver.log" &
  publisher_pid=$!
  ok=1
  for _ in $(seq 200); do
    if grep -q " $round-" "$tmp/acks" 2>/dev/null; then ok=0; break; fi
    kill -0 "$publisher_pid" 2>/dev/null || break
    sleep 0.05
  done
  check $ok "$round: the publisher's first ack arrives" || return 1
  # The crash lands anywhere in the stream: mid-batch, mid-write, between acks.
  local delay_ms=$((200 + RANDOM % 1301))
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -KILL "$heraldd_pid"
  wait "$heraldd_pid" 2>/dev/null
  heraldd_pid=""
  wait "$publisher_pid"
  publisher_pid=""
  echo "  $round: SIGKILL ${delay_ms} ms after the first ack; $(tail -1 "$tmp/driver.log")"

  start_heraldd "$durability"
  check $? "$round: heraldd restarts on the data dir after SIGKILL" || return 1
  local seed=$RANDOM
  echo "  $round: verify --seed=$seed"
  run_driver verify --prefix="$round" --seed="$seed"
  stop_heraldd
  check $? "$round: heraldd exits 0 on SIGTERM after the checks"
}

for i in "${!durabilities[@]}"; do
  run_round "r$((i + 1))" "${durabilities[$i]}" || break
done
[[ -n "$heraldd_pid" ]] && stop_heraldd >/dev/null
echo "crash_e2e: $passed passed, $failed failed"
((failed == 0))
