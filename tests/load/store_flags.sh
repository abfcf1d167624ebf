# Sourced by the load scripts: the heraldd flags that choose its store, so that every run
# says which store it measures and none writes heraldd's default ./data in the workspace.
#   source tests/load/store_flags.sh
#   store_flags fsync "$data_dir" || exit 1
#   "$heraldd" "${STORE_FLAGS[@]}" ...
# Stores: memory; process (rocksdb, an ack survives kill -9 of heraldd); fsync (rocksdb, an
# ack survives a power loss: acknowledged after a WAL sync).

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
