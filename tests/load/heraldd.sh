# Sourced by the load scripts: building heraldd and the tools with -c opt, and heraldd's
# lifecycle in a run, so every run says which store it measures and none writes heraldd's
# default ./data in the workspace. launch_heraldd needs $out.
#   source tests/load/heraldd.sh
#   build_opt //tests/load:herald_loadgen      # sets bin, heraldd, heraldctl
#   launch_heraldd 0 fsync "$out/heraldd.log" --shards=1 || exit 1
#   ... measure against $server_pid ...
#   stop_heraldd
# Stores: memory; process (rocksdb, an ack survives kill -9 of heraldd); fsync (rocksdb, an
# ack survives a power loss: acknowledged after a WAL sync).
http_port=18080
grpc_port=18051
server_pid=""
data_dir=""

# build_opt [TARGETS...]: builds heraldd, heraldctl and TARGETS with -c opt (showing Bazel's
# output only when it fails); sets bin, heraldd and heraldctl.
build_opt() {
  local targets=(//broker/heraldd //admin:heraldctl "$@")
  bazel build -c opt "${targets[@]}" >/dev/null 2>&1 || bazel build -c opt "${targets[@]}"
  # Not the bazel-bin link: a build of another configuration in the workspace moves it.
  bin="$(bazel info -c opt bazel-bin 2>/dev/null)"
  heraldd="$bin/broker/heraldd/heraldd"
  heraldctl="$bin/admin/heraldctl"
}

# store_flags STORE DATA_DIR: sets the array STORE_FLAGS; fails for an unknown store.
store_flags() {
  local store="$1" dir="$2"
  case "$store" in
    memory) STORE_FLAGS=(--store=memory --data_dir="$dir") ;;
    process | fsync) STORE_FLAGS=(--store=rocksdb --data_dir="$dir" --durability="$store") ;;
    *)
      echo "store_flags: unknown store '$store' (memory, process or fsync)" >&2
      return 1
      ;;
  esac
}

# launch_heraldd CPUS STORE LOG [FLAGS...]: starts heraldd pinned to CPUS with STORE on a
# fresh data dir, its output in LOG; sets server_pid and data_dir. Fails, showing the log,
# when another server holds the port or heraldd does not answer /healthz.
launch_heraldd() {
  local cpus="$1" store="$2" log="$3"
  shift 3
  if curl -fsS "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1; then
    echo "${0##*/}: a server already answers on port $http_port; stop it first" >&2
    return 1
  fi
  data_dir="$(mktemp -d "$out/data.XXXXXX")"
  store_flags "$store" "$data_dir" || return 1
  # Every load generator is one client (the loopback): no per-client limits.
  taskset -c "$cpus" "$heraldd" --http_port="$http_port" --grpc_port="$grpc_port" \
    --max_connections_per_ip=0 --max_new_connections_per_second_per_ip=0 \
    "${STORE_FLAGS[@]}" "$@" >"$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 300); do
    curl -fsS "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "${0##*/}: heraldd ($store) did not start:" >&2
  cat "$log" >&2
  return 1
}

# stop_heraldd: ends the heraldd launch_heraldd started, and removes its data dir.
stop_heraldd() {
  [[ -n "$server_pid" ]] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  rm -rf "$data_dir"
}
