#!/usr/bin/env bash
# heraldd as a process: starts on free ports, answers GET /healthz, and exits 0 promptly on
# SIGTERM and on SIGINT.
set -uo pipefail

heraldd="$1"
failures=0

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

check_signal() {
  local signal="$1"
  local http_port grpc_port pid status
  http_port=$(free_port)
  grpc_port=$(free_port)
  "$heraldd" --http_port="$http_port" --grpc_port="$grpc_port" \
    --data_dir="$TEST_TMPDIR/data-$signal" 2>"$TEST_TMPDIR/heraldd.log" &
  pid=$!
  local healthy=""
  for _ in $(seq 200); do
    if body=$(curl -fsS "http://127.0.0.1:$http_port/healthz" 2>/dev/null); then
      healthy="$body"
      break
    fi
    sleep 0.05
  done
  if [[ -z "$healthy" ]]; then
    echo "FAIL $signal: /healthz never answered"; cat "$TEST_TMPDIR/heraldd.log"
    failures=$((failures + 1))
    kill -9 "$pid" 2>/dev/null
    return
  fi
  kill "-$signal" "$pid"
  for _ in $(seq 200); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "FAIL $signal: heraldd still running 10 s after the signal"
    kill -9 "$pid"
    failures=$((failures + 1))
    return
  fi
  wait "$pid"
  status=$?
  if [[ "$status" != 0 ]]; then
    echo "FAIL $signal: exit status $status"; cat "$TEST_TMPDIR/heraldd.log"
    failures=$((failures + 1))
    return
  fi
  echo "PASS $signal: /healthz answered '$healthy', clean exit"
}

check_signal TERM
check_signal INT
exit "$failures"
