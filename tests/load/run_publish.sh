#!/usr/bin/env bash
# Publish throughput and ack latency of heraldd on each store, in one run: the memory store,
# RocksDB acking once the write is in the process (--durability=process) and RocksDB acking
# once it is synced (--durability=fsync), each heraldd on a fresh data dir, pinned to CPU 0,
# the load tool (herald_publishbench) to CPU 1. Each store is measured with 1, 4, 16 and 64
# PublishStreams (64 unacknowledged requests each) and with unary callers, then set against
# the targets: fsync >= 30,000 events/s at 16 streams; process >= 80 % of memory.
#   tests/load/run_publish.sh [REPETITIONS]    (default 1, medians; results in $OUT, default /tmp)
# Environment: STREAMS="1 4 16 64", UNARY="1 16" (unary callers), TOPICS=1 (spread over K
# topics), RETAIN=100000 (max events per topic), PAYLOAD=64, WARMUP=2, DURATION=10,
# STORES="memory process fsync".
# One measurement by hand, against a running heraldd:
#   herald_publishbench --grpc=127.0.0.1:18051 --topic=bench --streams=16 --server_pid=PID
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
reps="${1:-1}"
out="${OUT:-/tmp}/herald-publish-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
source tests/load/heraldd.sh
build_opt //tests/load:herald_publishbench
bench="$bin/tests/load/herald_publishbench"
streams="${STREAMS:-1 4 16 64}"
unary="${UNARY:-1 16}"
ntopics="${TOPICS:-1}"

# start_herald STORE: on a fresh data dir, the topics created, ready to publish.
start_herald() {
  local name="$1"
  launch_heraldd 0 "$name" "$out/heraldd-$name.log" --shards=1 || exit 1
  for topic in $(topic_names); do
    "$heraldctl" --server="127.0.0.1:$grpc_port" topics create "$topic" \
      --max-events "${RETAIN:-100000}" >/dev/null
  done
}

# A failed step must not leave a server behind on the ports.
trap 'stop_heraldd' EXIT

# The names herald_publishbench spreads over: "bench", or bench-0 .. bench-(K-1).
topic_names() {
  if ((ntopics == 1)); then
    echo bench
  else
    for i in $(seq 0 $((ntopics - 1))); do echo "bench-$i"; done
  fi
}

# measure STORE MODE CALLERS
measure() {
  local store="$1" mode="$2" callers="$3"
  local flags=(--grpc="127.0.0.1:$grpc_port" --topic=bench --topics="$ntopics"
    --streams="$callers" --window=64 --payload="${PAYLOAD:-64}" --warmup="${WARMUP:-2}"
    --duration="${DURATION:-10}" --server_pid="$server_pid" --label="$store/$mode/$callers")
  [[ "$mode" == unary ]] && flags+=(--unary)
  taskset -c 1 "$bench" "${flags[@]}" --json="$out/$store-$mode-$callers-$rep.json" |
    tee -a "$out/summary.txt"
}

# measure_store STORE: one heraldd, every measurement against it.
measure_store() {
  local name="$1"
  start_herald "$name"
  for rep in $(seq "$reps"); do
    for n in $streams; do measure "$name" stream "$n"; done
    for n in $unary; do measure "$name" unary "$n"; done
  done
  stop_heraldd
}

for store in ${STORES:-memory process fsync}; do measure_store "$store"; done

# Medians per store, mode and callers; the rocksdb stores against memory and the targets. A
# load tool near 100 % of its CPU means the figure is the tool's, not the server's.
python3 - "$out" <<'PY'
import collections, json, pathlib, statistics, sys
runs = collections.defaultdict(list)
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
    r = json.loads(path.read_text())
    store, mode, callers = r["label"].split("/")
    runs[(store, mode, int(callers))].append(r)
med = lambda rs, k: statistics.median(r[k] for r in rs)
rate = {key: med(rs, "acked_per_s") for key, rs in runs.items()}
print(f"{'store':<9}{'mode':<8}{'callers':>8}{'n':>3}{'acks/s':>10}{'p50 ms':>9}{'p99 ms':>9}"
      f"{'srv cpu%':>9}{'load cpu%':>10}{'vs memory':>11}{'failed':>7}")
order = {"memory": 0, "process": 1, "fsync": 2}
for key in sorted(runs, key=lambda k: (order.get(k[0], 9), k[1], k[2])):
    store, mode, callers = key
    rs = runs[key]
    base = rate.get(("memory", mode, callers))
    ratio = f"{rate[key] / base:.2f}" if base and store != "memory" else ""
    print(f"{store:<9}{mode:<8}{callers:>8}{len(rs):>3}{rate[key]:>10.0f}"
          f"{med(rs, 'p50_us') / 1e3:>9.2f}{med(rs, 'p99_us') / 1e3:>9.2f}"
          f"{med(rs, 'server_cpu_pct'):>9.0f}{med(rs, 'loadgen_cpu_pct'):>10.0f}{ratio:>11}{sum(r['failed'] for r in rs):>7}")
print()
fsync16 = rate.get(("fsync", "stream", 16))
if fsync16 is None:
    print("target fsync >= 30,000 events/s at 16 streams: not measured")
else:
    verdict = "met" if fsync16 >= 30000 else "NOT met"
    print(f"target fsync >= 30,000 events/s at 16 streams: {fsync16:,.0f}/s, {verdict}")
ratios = {k: rate[k] / rate[("memory",) + k[1:]] for k in rate
          if k[0] == "process" and rate.get(("memory",) + k[1:])}
if not ratios:
    print("target process >= 80 % of memory: not measured")
else:
    worst = min(ratios, key=ratios.get)
    verdict = "met" if ratios[worst] >= 0.8 else "NOT met"
    print(f"target process >= 80 % of memory: lowest {ratios[worst]:.0%} "
          f"({worst[1]} {worst[2]}), {verdict}")
PY
echo "raw results: $out"
