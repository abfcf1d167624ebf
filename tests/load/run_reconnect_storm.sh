#!/usr/bin/env bash
# The reconnect storm, against heraldd and nchan in the same run: CONNECTIONS SSE subscribers
# come back at once (as after a restart or a load balancer's failover), each resuming with a
# Last-Event-ID BEHIND events before the head, and the run measures the time until every one
# has received the head, the spread of per-subscriber catch-up times, and the server's CPU
# seconds meanwhile. Each repetition starts a fresh server and publishes BEHIND + 1 events
# first; the cursor is the first event's id from its publish ack (gRPC PublishResponse.id for
# Herald, last_message_id for nchan). Server on CPU 0, load tool on CPU 1.
#   tests/load/run_reconnect_storm.sh [REPETITIONS]   (default 3, medians; results in $OUT,
#                                                      default /tmp)
# Environment: CONNECTIONS=10000, BEHIND=1000, PAYLOAD=64, STORE=memory (heraldd's store:
# memory like nchan's, or process / fsync for RocksDB; see heraldd.sh).
# By hand, against a running server (raise the file limit first: ulimit -n $(ulimit -Hn)):
#   herald_loadgen --resume_behind=1000 --connections=10000 --connect_concurrency=10000 \
#     --grpc=127.0.0.1:18051 --topic=storm --sse_url='http://127.0.0.1:18080/v1/sse?topic=storm' \
#     --server_pid=$(pidof heraldd)
#   herald_loadgen --resume_behind=1000 --connections=10000 --connect_concurrency=10000 \
#     --topic=storm --publish_url='http://127.0.0.1:18090/pub?id=storm' \
#     --sse_url='http://127.0.0.1:18090/sub/storm' --server_pid=$(tests/load/nchan.sh start 18090 0)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
reps="${1:-3}"
conns="${CONNECTIONS:-10000}"
behind="${BEHIND:-1000}"
out="${OUT:-/tmp}/herald-storm-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
tools/setup.sh --load
source tests/load/heraldd.sh
build_opt //tests/load:herald_loadgen
loadgen="$bin/tests/load/herald_loadgen"
nchan_port=18090

# Every subscriber is a socket on both sides of the loopback; the soft limit is often 1024.
ulimit -n "$(ulimit -Hn)"
if (($(ulimit -n) < conns + 100)); then
  echo "run_reconnect_storm: open file limit $(ulimit -n) is below $conns connections;" \
    "raise the hard limit (ulimit -Hn) or lower CONNECTIONS" >&2
  exit 1
fi
# nchan replays only what its buffer still holds: the cursor event and the BEHIND after it.
export NCHAN_BUFFER=$((behind + 1))

start_herald() {
  launch_heraldd 0 "${STORE:-memory}" "$out/heraldd.log" --shards=1 \
    --max_connections=$((conns + 1000)) || exit 1
  "$heraldctl" --server="127.0.0.1:$grpc_port" topics create storm \
    --max-events $((behind * 2 + 1)) >/dev/null
}

# A failed step must not leave a server behind on the ports.
trap 'stop_heraldd; tests/load/nchan.sh stop' EXIT

# storm SERVER PID: one storm against the server started last, PID its measured process.
storm() {
  local server="$1" pid="$2"
  local flags=(--label="storm-$server" --resume_behind="$behind" --connections="$conns"
    --connect_concurrency="$conns" --payload="${PAYLOAD:-64}" --topic=storm --server_pid="$pid")
  if [[ "$server" == nchan ]]; then
    flags+=(--publish_url="http://127.0.0.1:$nchan_port/pub?id=storm"
      --sse_url="http://127.0.0.1:$nchan_port/sub/storm")
  else
    flags+=(--grpc="127.0.0.1:$grpc_port" --sse_url="http://127.0.0.1:$http_port/v1/sse?topic=storm")
  fi
  taskset -c 1 "$loadgen" "${flags[@]}" --json="$out/$server-$rep.json" | tee -a "$out/summary.txt"
}

for rep in $(seq "$reps"); do
  storm nchan "$(tests/load/nchan.sh start "$nchan_port" 0)"
  tests/load/nchan.sh stop
  start_herald
  storm "herald-${STORE:-memory}" "$server_pid"
  stop_heraldd
done

python3 - "$out" <<'PY'
import collections, json, pathlib, statistics, sys
runs = collections.defaultdict(list)
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
    r = json.loads(path.read_text())
    runs[r["label"]].append(r)
print(f"{'run':<22}{'n':>3}{'conns':>7}{'caught up':>10}{'all in s':>10}{'p50 s':>8}{'p99 s':>8}"
      f"{'server cpu s':>13}{'lost':>7}{'dup':>6}{'load cpu s':>11}")
for label, rs in sorted(runs.items()):
    med = lambda k: statistics.median(r[k] for r in rs)
    print(f"{label:<22}{len(rs):>3}{min(r['connections'] for r in rs):>7}"
          f"{min(r['caught_up'] for r in rs):>10}{med('all_caught_up_s'):>10.2f}"
          f"{med('catch_up_p50_ms') / 1e3:>8.2f}{med('catch_up_p99_ms') / 1e3:>8.2f}"
          f"{med('server_cpu_s'):>13.2f}{sum(r['lost'] for r in rs):>7}"
          f"{sum(r['duplicates'] for r in rs):>6}{med('loadgen_cpu_s'):>11.2f}")
print("all in s: -1 when a subscriber never caught up (see caught up)")
PY
echo "raw results: $out"
