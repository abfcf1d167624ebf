#!/usr/bin/env bash
# Runs the fan-out scenarios against heraldd and nchan in the same run, the server pinned to
# CPU 0 and the load tool to CPU 1, and prints the median of each scenario's repetitions.
# Scenarios A, B and B1k also run against herald_rawserver (raw_server.cc: one thread, one
# write per event per subscriber, no history), the baseline the p99/raw column divides by.
#   tests/load/run_scenarios.sh [REPETITIONS]      (default 3; results in $OUT, default /tmp)
# Scenarios (64-byte payloads): A 1,000 SSE subscribers, publisher as fast as acked;
# B 10,000 SSE subscribers at 20 events/s; B1k 1,000 subscribers at 20 events/s;
# C 10,000 idle SSE connections (server RSS per connection); A, B and C over WebSocket;
# A and B over WebSocket with 512-byte JSON payloads, without and with permessage-deflate
# (A-ws-512, A-ws-deflate-512, ...: the deflate/plain table divides one by the other);
# A with two shards on both CPUs (the load tool then shares a CPU); A and C over TLS, SSE and
# WebSocket (A-tls, C-tls, A-ws-tls, C-ws-tls: heraldd always serves its TLS port, with a
# P-256 certificate of a test CA, so the tls/plain table compares clients of one server).
# SCENARIOS=tls runs only the plain and TLS pairs of A and C (no nchan, nothing to install).
# Herald runs on the memory store, as nchan does (STORE=process or fsync: RocksDB, on a fresh
# data dir per server; see heraldd.sh). STORES="memory process fsync": scenario A alone on
# each store, in the same run. The reconnect storm: run_reconnect_storm.sh.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
reps="${1:-3}"
out="${OUT:-/tmp}/herald-load-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
[[ "${SCENARIOS:-}" == tls ]] || tools/setup.sh --load
source tests/load/heraldd.sh
build_opt //tests/load:herald_loadgen //tests/load:herald_rawserver
loadgen="$bin/tests/load/herald_loadgen"
ulimit -n "$(ulimit -Hn)"
nchan_port=18090
raw_port=18095
https_port=18443
tests/testing/test_certs.sh "$out/certs" 1
# Event-like payloads for the permessage-deflate scenarios: random or padded bytes say
# nothing about how events compress. In A, 512-byte events fill loopback's socket buffers
# faster than the load tool reads them: a longer drain (it ends once all have arrived) reads
# that backlog rather than count it lost.
json512="--payload=512 --payload_json --drain=60"
start_herald() {
  local cpus="$1" shards="$2"
  launch_heraldd "$cpus" "${STORE:-memory}" "$out/heraldd.log" --shards="$shards" \
    --max_connections=20000 --https_port="$https_port" --http_tls_cert="$out/certs/cert-1.pem" \
    --http_tls_key="$out/certs/key-1.pem" || exit 1
  "$heraldctl" --server="127.0.0.1:$grpc_port" topics create load --max-events 1000000 >/dev/null
}

# run NAME SERVER TRANSPORT CONNECTIONS RATE [extra loadgen flags...]; a NAME with "-tls"
# connects to Herald's TLS port.
run() {
  local name="$1" server="$2" transport="$3" conns="$4" rate="$5"
  shift 5
  local flags=(--label="$name-$server" --transport="$transport" --connections="$conns"
    --rate="$rate" --payload=64 --warmup=2 --duration=10 --drain=15 --topic=load
    --server_pid="$server_pid" "$@")
  if [[ "$server" == nchan ]]; then
    flags+=(--publish_url="http://127.0.0.1:$nchan_port/pub?id=load"
      --sse_url="http://127.0.0.1:$nchan_port/sub/load")
  elif [[ "$server" == raw ]]; then
    flags+=(--publish_url="http://127.0.0.1:$raw_port/pub"
      --sse_url="http://127.0.0.1:$raw_port/v1/sse?topic=load")
  elif [[ "$name" == *-tls* ]]; then
    flags+=(--grpc="127.0.0.1:$grpc_port" --tls_ca="$out/certs/ca.pem"
      --sse_url="https://127.0.0.1:$https_port/v1/sse?topic=load"
      --ws_url="wss://127.0.0.1:$https_port/v1/ws")
  else
    flags+=(--grpc="127.0.0.1:$grpc_port" --sse_url="http://127.0.0.1:$http_port/v1/sse?topic=load"
      --ws_url="ws://127.0.0.1:$http_port/v1/ws")
  fi
  taskset -c "${LOADGEN_CPUS:-1}" "$loadgen" "${flags[@]}" --json="$out/$name-$server-$rep.json" |
    tee -a "$out/summary.txt"
}

# Scenario A on each store of STORES (e.g. "memory process fsync"), Herald alone.
store_runs() {
  for store in $STORES; do
    STORE="$store" start_herald 0 1
    run "A-$store" herald sse 1000 0
    stop_heraldd
  done
}

tls_scenarios=("A-tls sse 1000 0" "C-tls sse 10000 0 --idle" "A-ws-tls ws 1000 0"
  "C-ws-tls ws 10000 0 --idle")

# Scenarios on Herald alone, each on a fresh server: herald_runs "NAME TRANSPORT CONNS RATE
# [FLAGS]"...
herald_runs() {
  for scenario in "$@"; do
    read -r name transport conns rate extra <<<"$scenario"
    start_herald 0 1
    run "$name" herald "$transport" "$conns" "$rate" ${extra:-}
    stop_heraldd
  done
}

# A and C plain and over TLS, Herald alone.
tls_runs() {
  herald_runs "A sse 1000 0" "C sse 10000 0 --idle" "A-ws ws 1000 0" "C-ws ws 10000 0 --idle" \
    "${tls_scenarios[@]}"
}

all_runs() {
  for scenario in "A sse 1000 0" "B sse 10000 20" "B1k sse 1000 20" "C sse 10000 0 --idle"; do
    read -r name transport conns rate extra <<<"$scenario"
    server_pid=$(tests/load/nchan.sh start "$nchan_port" 0)
    run "$name" nchan "$transport" "$conns" "$rate" ${extra:-}
    tests/load/nchan.sh stop
    # The baseline measures delivery; an idle connection costs it next to nothing (C).
    if [[ -z "${extra:-}" ]]; then
      server_pid=$(tests/load/rawserver.sh start "$raw_port" 0)
      run "$name" raw "$transport" "$conns" "$rate"
      tests/load/rawserver.sh stop
    fi
    start_herald 0 1
    run "$name" herald "$transport" "$conns" "$rate" ${extra:-}
    stop_heraldd
  done
  herald_runs "A-ws ws 1000 0" "B-ws ws 10000 20" "C-ws ws 10000 0 --idle" \
    "A-ws-512 ws 1000 0 $json512" "A-ws-deflate-512 ws 1000 0 $json512 --ws_deflate" \
    "B-ws-512 ws 10000 20 $json512" "B-ws-deflate-512 ws 10000 20 $json512 --ws_deflate" \
    "${tls_scenarios[@]}"
  start_herald 0,1 2
  LOADGEN_CPUS=0,1 run "A-2shards" herald sse 1000 0
  stop_heraldd
}

for rep in $(seq "$reps"); do
  if [[ -n "${STORES:-}" ]]; then
    store_runs
  elif [[ "${SCENARIOS:-}" == tls ]]; then
    tls_runs
  else
    all_runs
  fi
done

# Median per scenario and server of the figures that matter; p99/raw: p99 over the baseline's
# p99 in the same scenario; compr %: WebSocket events that arrived compressed.
python3 - "$out" <<'PY'
import json, pathlib, statistics, sys, collections
runs = collections.defaultdict(list)
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
    r = json.loads(path.read_text())
    runs[r["label"]].append(r)
median = lambda rs, k: statistics.median(r[k] for r in rs)
print(f"{'run':<25}{'n':>3}{'deliv/s':>12}{'p50 us':>10}{'p99 us':>10}{'p99.9 us':>10}"
      f"{'p99/raw':>9}{'lost':>7}{'dup':>6}{'cpu %':>7}{'rss/conn B':>12}{'compr %':>9}")
for label, rs in sorted(runs.items()):
    med = lambda k: median(rs, k)
    raw = runs.get(label.rsplit("-", 1)[0] + "-raw")
    vs_raw = f"{med('p99_us') / median(raw, 'p99_us'):>9.1f}" if raw else f"{'':>9}"
    ws = sum(r.get("ws_compressed", 0) + r.get("ws_uncompressed", 0) for r in rs)
    compressed = f"{100 * sum(r['ws_compressed'] for r in rs) / ws:>9.0f}" if ws else ""
    print(f"{label:<25}{len(rs):>3}{med('delivered_per_s'):>12.0f}{med('p50_us'):>10.0f}"
          f"{med('p99_us'):>10.0f}{med('p999_us'):>10.0f}{vs_raw}{sum(r['lost'] for r in rs):>7}"
          f"{sum(r['duplicates'] for r in rs):>6}{med('server_cpu_pct'):>7.0f}"
          f"{med('rss_per_conn_bytes'):>12.0f}{compressed}")
# Per run: the server's CPU per delivery (CPU % over deliveries per second), which a busy
# machine disturbs less than either figure alone.
cpu_per_delivery = lambda r: r["server_cpu_pct"] / r["delivered_per_s"] if r["delivered_per_s"] else 0
def ratios(title, marker):
    pairs = [(l, l.replace(marker, "")) for l in sorted(runs) if marker + "-" in l]
    pairs = [(d, p) for d, p in pairs if p in runs]
    if not pairs:
        return
    print(f"\n{title:<25}{'deliv/s':>9}{'p50':>7}{'p99':>7}{'cpu':>7}{'cpu/deliv':>10}"
          f"{'rss/conn':>10}")
    for d, p in pairs:
        def ratio(key):
            of = lambda rs: statistics.median(key(r) if callable(key) else r[key] for r in rs)
            base = of(runs[p])
            return f"{of(runs[d]) / base:.2f}" if base > 0 else "-"
        print(f"{d:<25}{ratio('delivered_per_s'):>9}{ratio('p50_us'):>7}{ratio('p99_us'):>7}"
              f"{ratio('server_cpu_pct'):>7}{ratio(cpu_per_delivery):>10}"
              f"{ratio('rss_per_conn_bytes'):>10}")
ratios("deflate/plain", "-deflate")
ratios("tls/plain", "-tls")
PY
echo "raw results: $out"
