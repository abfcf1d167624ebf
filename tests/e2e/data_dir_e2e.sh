#!/usr/bin/env bash
# heraldd and its data directory going wrong: a second heraldd on a directory in use, a
# directory that is not Herald's, and a disk that fills up (a small tmpfs this script mounts;
# reported as skipped where mounting is not allowed). A full disk must fail publishes with
# UNAVAILABLE, keep every stored event readable, keep heraldd serving, and publishing must
# resume without a gap once there is room again.
#
#   tests/e2e/data_dir_e2e.sh       (from tools/test.sh; builds what it needs)
#
# Last line: "data_dir_e2e: N passed, M failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
source tests/e2e/lib.sh
if ! bazel build //broker/heraldd //admin:heraldctl //tests/e2e:crash_driver >/dev/null 2>&1; then
  echo "data_dir_e2e: 0 passed, 1 failed (bazel build failed)"
  exit 1
fi
bin="$(bazel info bazel-bin 2>/dev/null)"
heraldd="$bin/broker/heraldd/heraldd"
heraldctl="$bin/admin/heraldctl"
driver="$bin/tests/e2e/crash_driver"

tmp="$(mktemp -d)"
pids=()
mounted=""
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  [[ -n "$mounted" ]] && umount "$mounted" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

# start_heraldd NAME DATA_DIR: starts heraldd on free ports; sets http_port, grpc_port, pid.
start_heraldd() {
  http_port=$(free_port)
  grpc_port=$(free_port)
  "$heraldd" --http_port="$http_port" --grpc_port="$grpc_port" --data_dir="$2" \
    2>"$tmp/$1.log" &
  pid=$!
  pids+=("$pid")
  answers_healthz "$http_port" "$pid"
}

# refused NAME DATA_DIR WORDS: heraldd must exit non-zero at start, naming the directory
# and saying WORDS.
refused() {
  local status=0
  timeout 10 "$heraldd" --http_port=0 --grpc_port=0 --data_dir="$2" >/dev/null 2>"$tmp/$1.log"
  status=$?
  local message
  message="$(cat "$tmp/$1.log")"
  [[ "$status" != 0 && "$status" != 124 && "$message" == *"$2"* && "$message" == *"$3"* ]]
  check $? "$1: heraldd exits non-zero naming the directory ('$3')" "status $status: $message"
}

start_heraldd first "$tmp/shared"
check $? "a heraldd starts on a new data directory"
refused second-on-same-dir "$tmp/shared" "in use"
kill -0 "$pid" 2>/dev/null
check $? "the first heraldd keeps running"

mkdir -p "$tmp/foreign"
echo "someone else's" >"$tmp/foreign/notes.txt"
refused foreign-dir "$tmp/foreign" "no Herald database"
refused file-as-dir "$tmp/foreign/notes.txt" "not a directory"

# A full disk: a tmpfs with a filler file taking the room RocksDB would grow into, so that
# publishes meet heraldd's free-space reserve (--min_free_disk_bytes, 128 MiB).
mkdir -p "$tmp/disk"
if ! mount -t tmpfs -o size=384m tmpfs "$tmp/disk" 2>/dev/null; then
  echo "SKIP full disk: cannot mount a tmpfs here (needs root and mount rights)"
else
  mounted="$tmp/disk"
  start_heraldd full "$tmp/disk/data"
  check $? "heraldd starts on the small disk"
  ctl=("$heraldctl" --server="127.0.0.1:$grpc_port")
  "${ctl[@]}" topics create full --max-events 100000 >/dev/null
  "${ctl[@]}" publish full before >/dev/null
  check $? "a publish is stored while there is room"
  dd if=/dev/zero of="$tmp/disk/filler" bs=1M 2>/dev/null
  head -c 900000 /dev/zero | tr '\0' 'x' >"$tmp/big"
  refusal=""
  for i in $(seq 300); do
    if ! out=$("${ctl[@]}" publish full --file "$tmp/big" 2>&1); then
      refusal="$out"
      break
    fi
  done
  [[ "$refusal" == *UNAVAILABLE* || "$refusal" == *"could not write"* ]]
  check $? "a full disk fails the publish with UNAVAILABLE" "${refusal:-every publish succeeded}"
  stored_before=$("$driver" dump --grpc="127.0.0.1:$grpc_port" --topic=full | wc -l)
  [[ "$("$driver" dump --grpc="127.0.0.1:$grpc_port" --topic=full | head -1)" == before ]]
  check $? "stored events stay readable while the disk is full"
  curl -fsS -o /dev/null "http://127.0.0.1:$http_port/healthz"
  check $? "heraldd keeps serving while the disk is full"
  rm -f "$tmp/disk/filler"
  after=""
  for _ in $(seq 100); do
    if after=$("${ctl[@]}" publish full after 2>&1); then break; fi
    after=""
    sleep 0.1
  done
  [[ -n "$after" ]]
  check $? "publishing resumes once there is room" "still refused"
  offsets=$("$driver" dump --grpc="127.0.0.1:$grpc_port" --topic=full | wc -l)
  last=$("$driver" dump --grpc="127.0.0.1:$grpc_port" --topic=full | tail -1)
  [[ "$offsets" == $((stored_before + 1)) && "$last" == after ]]
  check $? "the refused publish left no gap and no trace" \
    "$stored_before events before, $offsets after, last '$last'"
fi

echo "data_dir_e2e: $passed passed, $failed failed"
((failed == 0))
