#!/usr/bin/env bash
# heraldd's configuration as an operator meets it: --check_config on a good and on broken
# files (each fault named with its file and line, exit 1), the precedence of flags over
# HERALD_* variables over the file (read back from --print_config and from the ports heraldd
# really binds), masked secrets, and [[topics]] that exist after start and follow the file
# across a restart.
#
#   tests/e2e/config_e2e.sh       (from tools/test.sh; builds what it needs)
#
# Last line: "config_e2e: N passed, M failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
source tests/e2e/lib.sh
start_suite config_e2e
# heraldctl's own HERALD_* variables must not leak into heraldd's settings from the caller.
unset HERALD_HTTP_PORT HERALD_GRPC_PORT

# rejected NAME FILE WORDS...: --check_config exits 1 and prints every one of WORDS.
rejected() {
  local name="$1" file="$2"
  shift 2
  local out status
  out="$("$heraldd" --config "$file" --check_config 2>&1)"
  status=$?
  local missing=""
  for words in "$@"; do [[ "$out" == *"$words"* ]] || missing+="'$words' "; done
  [[ "$status" == 1 && -z "$missing" ]]
  check $? "$name: --check_config exits 1 naming the fault" "status $status, missing $missing: $out"
}

"$heraldd" --config deploy/herald.toml --check_config >"$tmp/out" 2>&1
check $? "the shipped deploy/herald.toml is valid" "$(cat "$tmp/out")"

printf '[edge]\nhttp_port = 8080\nhtp_address = "0.0.0.0"\n' >"$tmp/unknown.toml"
rejected unknown-key "$tmp/unknown.toml" "$tmp/unknown.toml:3: edge.htp_address: unknown key"
printf '[control]\ngrpc_port = "50051"\n' >"$tmp/type.toml"
rejected wrong-type "$tmp/type.toml" "$tmp/type.toml:2: control.grpc_port: expected an integer"
printf '[edge]\nhttp_port = 70000\n[control]\ngrpc_tls_cert = "%s/missing.pem"\n' "$tmp" \
  >"$tmp/values.toml"
rejected impossible-values "$tmp/values.toml" "$tmp/values.toml:2: edge.http_port = 70000: not a port" \
  "$tmp/values.toml:4: control.grpc_tls_cert = '$tmp/missing.pem': cannot read file"
printf '[edge]\nhttp_port = 8080\n[edge]\n' >"$tmp/syntax.toml"
rejected syntax "$tmp/syntax.toml" "$tmp/syntax.toml:3:"
rejected missing-file "$tmp/none.toml" "$tmp/none.toml: cannot read the config file"
out="$(HERALD_SSE_HEARTBEAT=soon "$heraldd" --check_config 2>&1)"
[[ $? == 1 && "$out" == *"HERALD_SSE_HEARTBEAT=soon"* ]]
check $? "a bad environment value is named by its variable" "$out"
out="$(timeout 10 "$heraldd" --config "$tmp/unknown.toml" --store=memory 2>&1)"
[[ $? == 1 && "$out" == *"edge.htp_address: unknown key"* ]]
check $? "heraldd refuses to start on a broken file, naming the fault" "$out"

# Precedence, read back from --print_config and from what heraldd binds.
file_port=$(free_port)
env_port=$(free_port)
flag_port=$(free_port)
grpc_port=$(free_port)
cat >"$tmp/herald.toml" <<TOML
[store]
data_dir = "$tmp/data"

[edge]
http_port = $file_port
sse_heartbeat = "3s"

[control]
grpc_port = $grpc_port

[redis]
redis_url = "redis://app:hunter2@127.0.0.1:6379/0"

[[topics]]
name = "orders"
max_events = 500
max_age = "1h"

[[topics]]
name = "chat.lobby"
allow_browser_publish = true
TOML
printed="$("$heraldd" --config "$tmp/herald.toml" --print_config)"
[[ "$printed" == *"http_port = $file_port  # $tmp/herald.toml:5"* ]]
check $? "print_config: a file value with its file and line" "$printed"
printed="$(HERALD_HTTP_PORT=$env_port "$heraldd" --config "$tmp/herald.toml" --print_config)"
[[ "$printed" == *"http_port = $env_port  # HERALD_HTTP_PORT"* ]]
check $? "print_config: the environment over the file"
printed="$(HERALD_HTTP_PORT=$env_port HERALD_CONFIG="$tmp/herald.toml" "$heraldd" \
  --http_port=$flag_port --print_config)"
[[ "$printed" == *"http_port = $flag_port  # --http_port"* && "$printed" == *"sse_heartbeat = '3s'"* ]]
check $? "print_config: a flag over both (file from HERALD_CONFIG)"
[[ "$printed" == *"redis://app:****@127.0.0.1:6379/0"* && "$printed" != *hunter2* ]]
check $? "print_config masks the Redis password"
[[ "$printed" == *"grpc_port = 50051"* ]]
[[ $? != 0 && "$printed" == *"grpc_port = $grpc_port"* ]]
check $? "print_config: values the file does not override keep their defaults elsewhere"

# start [ARGS...]: heraldd on the file, waits until it answers on $1's port.
start() {
  local port="$1"
  shift
  "$heraldd" --config "$tmp/herald.toml" "$@" 2>>"$tmp/heraldd.log" &
  pid=$!
  pids+=("$pid")
  answers_healthz "$port" "$pid"
}

# topics_json: heraldctl's topic list once every declared topic is there (or after 5 s).
topics_json() {
  local topics=""
  for _ in $(seq 50); do
    topics="$("$heraldctl" --server "127.0.0.1:$grpc_port" topics list -o json 2>&1)"
    [[ "$topics" == *chat.lobby* && "$topics" == *orders* ]] && break
    sleep 0.1
  done
  echo "$topics"
}

stop() {
  kill -TERM "$pid"
  wait "$pid"
  check $? "heraldd exits 0 on SIGTERM"
  pid=""
}

HERALD_HTTP_PORT=$env_port start "$flag_port" --http_port="$flag_port"
check $? "heraldd binds the flag's port over the variable's and the file's"
topics="$(topics_json)"
python3 - "$topics" <<'PY'
import json, sys
topics = {t["name"]: t for t in json.loads(sys.argv[1])["topics"]}
orders, lobby = topics["orders"], topics["chat.lobby"]
assert int(orders["retention"]["max_events"]) == 500, orders
assert orders["retention"]["max_age"] == "3600s", orders
assert lobby.get("allow_browser_publish") is True, lobby
PY
check $? "declared topics exist after start with their settings" "$topics"
"$heraldctl" --server "127.0.0.1:$grpc_port" topics create extra >/dev/null
check $? "a topic outside the file is created with heraldctl"
stop

sed -i 's/^max_events = 500$/max_events = 800/' "$tmp/herald.toml"
start "$file_port"
check $? "heraldd restarts on the changed file (its own port this time)"
topics="$(topics_json)"
python3 - "$topics" <<'PY'
import json, sys
topics = {t["name"]: t for t in json.loads(sys.argv[1])["topics"]}
assert int(topics["orders"]["retention"]["max_events"]) == 800, topics["orders"]
assert "extra" in topics, topics
PY
check $? "a changed declaration updates its topic; undeclared topics are left alone" "$topics"
grep -q "declared_topic action=updated topic=orders declared_at=$tmp/herald.toml:14" "$tmp/heraldd.log"
check $? "the update is logged with the declaration's line" "$(cat "$tmp/heraldd.log")"
stop

echo "config_e2e: $passed passed, $failed failed"
((failed == 0))
