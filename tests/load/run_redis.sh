#!/usr/bin/env bash
# The Redis engine against one local node, in the same run:
# - fan-out: scenario A (1,000 SSE subscribers, publisher as fast as acked) and B1k (1,000
#   subscribers at 20 events/s), each on fresh servers. "local": one heraldd (memory store)
#   takes the publisher and the subscribers. "redis": the publisher on node 1, the
#   subscribers on node 2, both on one redis-server. The node that fans out is pinned to
#   CPU 0 either way; the load tool, node 1 and redis-server share CPU 1 (this machine has
#   two). In A the publisher is paced by the fan-out: node 2 tells node 1 through Redis
#   when it is behind, as a node's own shards do.
# - acknowledged publishes per second through Redis with 1 and 16 PublishStreams, Redis
#   with appendfsync everysec and always, against the local node's memory store; the
#   publisher's node on CPU 0, redis-server and the load tool on CPU 1.
# Prints the medians and the redis/local ratios the targets are set in (delivered/s >= 0.8,
# p99 no more than 2 ms above, no loss).
#   tests/load/run_redis.sh [REPETITIONS]      (default 3; results in $OUT, default /tmp)
# PARTS="fanout publish" (the default) runs both; PARTS=fanout or PARTS=publish one.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
reps="${1:-3}"
out="${OUT:-/tmp}/herald-redis-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
source tests/load/heraldd.sh
build_opt //tests/load:herald_loadgen //tests/load:herald_publishbench
loadgen="$bin/tests/load/herald_loadgen"
publishbench="$bin/tests/load/herald_publishbench"
ulimit -n "$(ulimit -Hn)"
redis_port=18379
redis_pid=""
publisher_pid=""
fanout_pid=""

# start_redis FSYNC: a fresh redis-server on CPU 1 with append-only persistence.
start_redis() {
  rm -rf "$out/redis" && mkdir -p "$out/redis"
  taskset -c 1 redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$out/redis" \
    --appendonly yes --appendfsync "$1" --save '' --logfile "$out/redis.log" &
  redis_pid=$!
  for _ in $(seq 100); do
    redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "run_redis: redis-server did not start" >&2
  return 1
}

stop_all() {
  stop_heraldd
  for pid in $fanout_pid $publisher_pid $redis_pid; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  fanout_pid=""
  publisher_pid=""
  redis_pid=""
}
trap stop_all EXIT

redis_flags=(--engine=redis --redis_url="redis://127.0.0.1:$redis_port/0")

# start_local / start_redis_nodes: the node that fans out is $server_pid on $http_port; the
# publisher's node is on $publish_grpc.
start_local() {
  launch_heraldd 0 memory "$out/heraldd-local.log" --shards=1 || exit 1
  publish_grpc=$grpc_port
  "$heraldctl" --server="127.0.0.1:$grpc_port" topics create load --max-events 1000000 >/dev/null
}

# start_redis_nodes FSYNC PUBLISHER_CPUS [fan-out]: redis-server, node 1 (the publisher's)
# on PUBLISHER_CPUS, and with "fan-out" node 2 (the subscribers') on CPU 0.
start_redis_nodes() {
  start_redis "$1"
  local http=$http_port grpc=$grpc_port
  http_port=18081 grpc_port=18052
  launch_heraldd "$2" memory "$out/heraldd-node1.log" --shards=1 "${redis_flags[@]}" || exit 1
  publisher_pid=$server_pid
  publish_grpc=$grpc_port
  "$heraldctl" --server="127.0.0.1:$grpc_port" topics create load --max-events 1000000 >/dev/null
  http_port=$http grpc_port=$grpc
  [[ "${3:-}" == fan-out ]] || return 0
  launch_heraldd 0 memory "$out/heraldd-node2.log" --shards=1 "${redis_flags[@]}" || exit 1
  fanout_pid=$server_pid
}

# fanout NAME RATE
fanout() {
  taskset -c 1 "$loadgen" --label="$1" --transport=sse --connections=1000 --rate="$2" \
    --payload=64 --warmup=2 --duration=10 --drain=15 --topic=load \
    --grpc="127.0.0.1:$publish_grpc" --sse_url="http://127.0.0.1:$http_port/v1/sse?topic=load" \
    --server_pid="$server_pid" --json="$out/fanout-$1-$rep.json" | tee -a "$out/summary.txt"
}

# publish NAME STREAMS
publish() {
  taskset -c 1 "$publishbench" --label="$1/$2" --grpc="127.0.0.1:$publish_grpc" --topic=load \
    --streams="$2" --window=64 --payload=64 --warmup=2 --duration=10 \
    --server_pid="$server_pid" --json="$out/publish-$1-$2-$rep.json" | tee -a "$out/summary.txt"
}

parts="${PARTS:-fanout publish}"
for rep in $(seq "$reps"); do
  [[ "$parts" == *fanout* ]] && for scenario in "A 0" "B1k 20"; do
    read -r name rate <<<"$scenario"
    start_local
    fanout "$name-local" "$rate"
    stop_all
    start_redis_nodes everysec 1 fan-out
    fanout "$name-redis" "$rate"
    stop_all
  done
  [[ "$parts" == *publish* ]] || continue
  start_local
  publish local 1
  publish local 16
  stop_all
  for fsync in everysec always; do
    # The publisher's node alone on CPU 0, as the local node is; it is the one measured.
    start_redis_nodes "$fsync" 0
    server_pid=$publisher_pid
    publish "redis-$fsync" 1
    publish "redis-$fsync" 16
    stop_all
  done
done

python3 - "$out" <<'PY'
import json, pathlib, statistics, sys, collections
runs = collections.defaultdict(list)
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
    r = json.loads(path.read_text())
    runs[r["label"]].append(r)
med = lambda label, k: statistics.median(r[k] for r in runs[label])
print(f"{'fan-out':<14}{'n':>3}{'deliv/s':>12}{'p50 us':>10}{'p99 us':>10}{'lost':>7}{'dup':>6}")
for label in sorted(l for l in runs if "delivered_per_s" in runs[l][0]):
    print(f"{label:<14}{len(runs[label]):>3}{med(label, 'delivered_per_s'):>12.0f}"
          f"{med(label, 'p50_us'):>10.0f}{med(label, 'p99_us'):>10.0f}"
          f"{sum(r['lost'] for r in runs[label]):>7}{sum(r['duplicates'] for r in runs[label]):>6}")
for s in ("A", "B1k"):
    local, redis = f"{s}-local", f"{s}-redis"
    if local in runs and redis in runs:
        print(f"{s}: redis/local delivered/s {med(redis, 'delivered_per_s') / med(local, 'delivered_per_s'):.2f}"
              f", p99 {med(redis, 'p99_us') - med(local, 'p99_us'):+.0f} us")
print(f"\n{'publish':<22}{'n':>3}{'acked/s':>10}{'p50 us':>10}{'p99 us':>10}{'vs local':>10}")
for label in sorted(l for l in runs if "acked_per_s" in runs[l][0]):
    local = "local/" + label.split("/")[1]
    ratio = med(label, "acked_per_s") / med(local, "acked_per_s") if local in runs else 0
    print(f"{label:<22}{len(runs[label]):>3}{med(label, 'acked_per_s'):>10.0f}"
          f"{med(label, 'p50_us'):>10.0f}{med(label, 'p99_us'):>10.0f}{ratio:>10.2f}")
PY
echo "raw results: $out"
