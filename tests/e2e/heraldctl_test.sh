#!/usr/bin/env bash
# heraldctl as a process against a live heraldd: every subcommand, its output and its exit
# status, with API-key auth on; -o json/yaml parsed back (python3, python3-yaml); contexts;
# browser tokens that heraldd's SSE edge accepts (curl); the bash completion script.
set -uo pipefail

heraldd="$1"
heraldctl="$2"
failures=0
tmp="${TEST_TMPDIR:-$(mktemp -d)}"

admin_key="admin-key-0123456789abcdef"
publisher_key="publisher-key-0123456789abcdef"
printf '# e2e keys\nadmin %s\npublisher %s\n' "$admin_key" "$publisher_key" >"$tmp/keys"
printf '%s\n' "$admin_key" >"$tmp/admin.key"
# Browser token secrets, with the line break an editor leaves: heraldd and heraldctl drop it.
printf 'e2e-token-secret-0123456789abcdef0123456789\n' >"$tmp/secret"
printf 'another-secret-0123456789abcdef0123456789ab\n' >"$tmp/other-secret"
# Contexts go to the test's own folder, never to a real ~/.config.
export XDG_CONFIG_HOME="$tmp/config"

"$heraldd" --http_port=0 --grpc_port=0 --data_dir="$tmp/store" --api_keys_file="$tmp/keys" \
  --access_token_secret_file="$tmp/secret" 2>"$tmp/heraldd.log" &
pid=$!
trap 'kill -9 $pid 2>/dev/null' EXIT

port=""
for _ in $(seq 200); do
  port=$(sed -n 's/.* heraldd_ready .* grpc=[^:]*:\([0-9]*\).*/\1/p' "$tmp/heraldd.log")
  [[ -n "$port" ]] && break
  sleep 0.05
done
if [[ -z "$port" ]]; then
  echo "FAIL: heraldd did not report its control plane port"; cat "$tmp/heraldd.log"
  exit 1
fi
export HERALD_SERVER="127.0.0.1:$port"
export HERALD_TOKEN="$admin_key"
http_port=$(sed -n 's/.* heraldd_ready edge=http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$tmp/heraldd.log")

# expect NAME WANT_STATUS PATTERN -- heraldctl args...: runs heraldctl, checks the exit status
# and that stdout+stderr match PATTERN (an extended regex).
expect() {
  local name="$1" want="$2" pattern="$3"
  shift 4
  local out status
  out=$("$heraldctl" "$@" 2>&1)
  status=$?
  if [[ "$status" != "$want" ]]; then
    echo "FAIL $name: exit status $status, want $want; output:"; echo "$out"
    failures=$((failures + 1))
  elif ! grep -Eq -- "$pattern" <<<"$out"; then
    echo "FAIL $name: output does not match /$pattern/:"; echo "$out"
    failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}

# verdict NAME STATUS DETAIL: records one check (STATUS 0: passed).
verdict() {
  if [[ "$2" == 0 ]]; then
    echo "ok   $1"
  else
    echo "FAIL $1: $3"
    failures=$((failures + 1))
  fi
}

# parses NAME PYTHON -- heraldctl args...: runs heraldctl, which must succeed, and a Python
# expression over its stdout: `out` is the text, `json` and `yaml` the modules.
parses() {
  local name="$1" expression="$2"
  shift 3
  local out status=0
  out=$("$heraldctl" "$@" 2>"$tmp/stderr") || status=$?
  if [[ "$status" != 0 ]]; then
    verdict "$name" 1 "exit status $status: $(cat "$tmp/stderr")"
    return
  fi
  python3 -c "import json, sys, yaml; out = sys.stdin.read(); sys.exit(0 if ($expression) else 1)" \
    <<<"$out" 2>"$tmp/python.err"
  verdict "$name" $? "$expression is not true of: $out $(cat "$tmp/python.err")"
}

# same_data NAME -- heraldctl args...: -o json and -o yaml of the command parse to the same data.
same_data() {
  local name="$1"
  shift 2
  "$heraldctl" "$@" -o json >"$tmp/same.json" 2>"$tmp/stderr" &&
    "$heraldctl" "$@" -o yaml >"$tmp/same.yaml" 2>>"$tmp/stderr" &&
    python3 -c 'import json, sys, yaml
sys.exit(json.load(open(sys.argv[1])) != yaml.safe_load(open(sys.argv[2])))' \
      "$tmp/same.json" "$tmp/same.yaml" 2>>"$tmp/stderr"
  verdict "$name" $? "json $(cat "$tmp/same.json"); yaml $(cat "$tmp/same.yaml"); $(cat "$tmp/stderr")"
}

expect help 0 'topics create' -- --help
expect help-topics 0 'max-age' -- topics --help
expect help-publish 0 'stream' -- publish --help
expect help-tail 0 'from CURSOR' -- tail --help
expect help-command 0 'Usage: heraldctl topics create \[OPTIONS\] NAME' -- help topics create
expect help-names-global-flags 0 '--server' -- drain --help
expect no-command 2 '^Usage: heraldctl' --
expect unknown-command 2 '^error: USAGE: unknown command' -- frobnicate
expect unknown-flag 2 '^error: USAGE: unknown flag --colour' -- topics list --colour
expect unknown-flag-drain 2 '^error: USAGE: unknown flag --max-events for heraldctl drain' -- \
  drain --max-events 5
expect flag-of-another-command 2 '^error: USAGE: unknown flag --stream for heraldctl tail' -- \
  tail orders --stream
expect unexpected-argument 2 "^error: USAGE: unexpected argument 'extra'" -- stats extra
expect missing-subcommand 2 '^error: USAGE: heraldctl topics needs a command: create' -- topics
expect bad-output 2 "'xml' is not one of table, wide, json, yaml" -- -o xml health
HERALD_OUTPUT=xml expect bad-output-env 2 "^error: USAGE: --output: 'xml' is not one of" -- health
expect version 0 '^heraldctl [0-9]+\.[0-9]+\.[0-9]+ \(API herald\.v1, gRPC [0-9.]+\)$' -- version
parses version-json 'json.loads(out)["api"] == "herald.v1"' -- version -o json

expect health 0 '^SERVING$' -- health
expect no-token 1 '^error: UNAUTHENTICATED: .*--token' -- topics list --token=""
expect wrong-role 1 '^error: PERMISSION_DENIED: .*admin' -- topics create x --token "$publisher_key"

expect create 0 'orders +[0-9]+ +1 +0 +0 +100 +- +1h' -- topics create orders --max-events 100 --max-age 1h
expect create-again 1 '^error: ALREADY_EXISTS: ' -- topics create orders
expect create-bad-name 1 '^error: INVALID_ARGUMENT: topic name' -- topics create 'bad name'
expect get 0 '^NAME +EPOCH' -- topics get orders
expect get-missing 1 "^error: NOT_FOUND: topic 'nope'" -- topics get nope
expect update 0 'orders +[0-9]+ +1 +0 +0 +50 ' -- topics update orders --max-events 50
expect update-nothing 2 'nothing to update' -- topics update orders
expect create-second 0 'audit' -- topics create audit
expect list 0 '^audit ' -- topics list
expect list-second 0 '^orders ' -- topics list
expect list-page 0 'next page: --page-token ' -- topics list --page-size 1
expect list-json 0 '"name":"orders"' -- topics list --output json
# One JSON document for every page, however many topics.
parses list-json-parses '[t["name"] for t in json.loads(out)["topics"]] == ["audit", "orders"]' \
  -- topics list -o json
parses list-json-page 'len(json.loads(out)["topics"]) == 1 and json.loads(out)["next_page_token"]' \
  -- topics list -o json --page-size 1
parses get-yaml 'yaml.safe_load(out)["retention"]["max_events"] == "50"' -- topics get orders -o yaml
same_data get-json-is-yaml -- topics get orders
same_data list-json-is-yaml -- topics list
parses health-json 'json.loads(out) == {"status": "SERVING"}' -- health -o json
parses no-headers '[l.split()[0] for l in out.splitlines()] == ["audit", "orders"]' \
  -- topics list --no-headers -o table
expect wide 0 '^NAME .* BROWSER_PUBLISH +EVENTS +MAX_SUBSCRIBERS$' -- topics get orders -o wide

expect publish-arg 0 'orders +1 +[0-9]+ +[A-Za-z0-9_-]+' -- publish orders hello --event greeting
cursor=$("$heraldctl" publish orders second --output json | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
[[ -n "$cursor" ]] || { echo "FAIL publish-json: no id"; failures=$((failures + 1)); }
printf 'from a file' >"$tmp/data"
expect publish-file 0 'orders +3 ' -- publish orders --file "$tmp/data"
out=$(printf 'from stdin' | "$heraldctl" publish orders 2>&1)
grep -Eq 'orders +4 ' <<<"$out" && echo "ok   publish-stdin" ||
  { echo "FAIL publish-stdin: $out"; failures=$((failures + 1)); }
out=$(printf 'one\ntwo\nthree\n' | "$heraldctl" publish orders --stream 2>&1)
if [[ $(grep -Ec '^orders' <<<"$out") == 3 && $(sed -n 3p <<<"$out" | cut -f2) == 7 ]]; then
  echo "ok   publish-stream"
else
  echo "FAIL publish-stream:"; echo "$out"; failures=$((failures + 1))
fi
expect publish-missing 1 '^error: NOT_FOUND: ' -- publish nope data
head -c 2000000 /dev/zero | tr '\0' x >"$tmp/big"
expect publish-oversize 1 '^error: RESOURCE_EXHAUSTED: ' -- publish orders --file "$tmp/big"

# Resume from the second event's id: the third to fifth, once each, in order.
out=$("$heraldctl" tail orders --from "$cursor" --count 3 2>/dev/null | cut -f1,2,3,5)
want=$'orders\t3\tmessage\tfrom a file\norders\t4\tmessage\tfrom stdin\norders\t5\tmessage\tone'
if [[ "$out" == "$want" ]]; then
  echo "ok   tail-from"
else
  echo "FAIL tail-from:"; echo "$out"; failures=$((failures + 1))
fi
expect tail-json 0 '"data":"ZnJvbSBhIGZpbGU="' -- tail orders --from "$cursor" --count 1 --output json
parses tail-json-lines '[json.loads(l)["offset"] for l in out.splitlines()] == ["3", "4"]' \
  -- tail orders --from "$cursor" --count 2 -o json
parses tail-yaml-documents '[d["offset"] for d in yaml.safe_load_all(out)] == ["3", "4"]' \
  -- tail orders --from "$cursor" --count 2 -o yaml
expect tail-wide 0 $'^orders\t3\tmessage\t[^\t]+\t[0-9]+\t[0-9T:-]+Z\tfrom a file$' \
  -- tail orders --from "$cursor" --count 1 -o wide
expect tail-bad-cursor 1 '^error: INVALID_ARGUMENT: bad cursor in from' -- tail orders --from garbage

# A live tail shows up in connections and stats, and can be kicked.
"$heraldctl" tail orders >"$tmp/tail.out" 2>"$tmp/tail.err" &
tail_pid=$!
for _ in $(seq 100); do grep -q tailing "$tmp/tail.err" && break; sleep 0.05; done
expect connections-list 0 'c[0-9]+ +grpc +subscribe .* orders' -- connections list
expect connections-filter 0 '^ID +TRANSPORT' -- connections list --topic audit
expect stats 0 'connections\.grpc +1' -- stats
expect stats-json 0 '"topics":"2"' -- stats --output json
parses stats-yaml 'yaml.safe_load(out)["connections"]["grpc"] == "1"' -- stats -o yaml
parses connections-json 'json.loads(out)["connections"][0]["kind"] == "subscribe"' \
  -- connections list -o json
expect connections-wide 0 '^ID +TRANSPORT .* SUBJECT +QUEUED_BYTES$' -- connections list -o wide
id=$("$heraldctl" connections list | awk '/subscribe/ {print $1; exit}')
expect kick 0 "disconnected $id" -- connections kick "$id" --reason maintenance
wait "$tail_pid"
tail_status=$?
if [[ "$tail_status" == 1 ]] && grep -q 'UNAVAILABLE: disconnected by an operator: maintenance' "$tmp/tail.err"; then
  echo "ok   kicked-tail"
else
  echo "FAIL kicked-tail: status $tail_status"; cat "$tmp/tail.err"; failures=$((failures + 1))
fi
expect kick-missing 1 '^error: NOT_FOUND: ' -- connections kick c99999999

expect delete 0 'deleted topic audit' -- topics delete audit
expect delete-again 1 '^error: NOT_FOUND: ' -- topics delete audit
"$heraldctl" topics create doomed >/dev/null
parses delete-json 'json.loads(out) == {"deleted": "doomed"}' -- topics delete doomed -o json

# Contexts: the current one supplies the server, the key and the token secret; flags and their
# variables override it.
expect contexts-none 0 '^NAME +CURRENT +SERVER' -- context list
expect context-show-none 1 '^error: NOT_FOUND: no current context' -- context show
expect context-add 0 "added context 'e2e' and made it current" -- context add e2e \
  --server "127.0.0.1:$port" --api-key-file "$tmp/admin.key" --secret-file "$tmp/secret"
expect context-add-again 1 "^error: ALREADY_EXISTS: context 'e2e' exists" -- context add e2e \
  --server "127.0.0.1:$port"
expect context-add-bad-name 2 "^error: USAGE: context name 'a b' is not valid" -- context add \
  'a b' --server x:1
expect context-add-no-file 2 "^error: USAGE: --api-key-file: no file" -- context add x \
  --server x:1 --api-key-file "$tmp/nope"
expect context-add-no-server 2 '^error: USAGE: --server is required' -- context add x
HERALD_SERVER='' HERALD_TOKEN='' expect context-used 0 '^orders ' -- topics list
HERALD_SERVER='' HERALD_TOKEN='' expect context-flag-overrides 1 \
  '^error: UNAVAILABLE: cannot reach the Herald control plane at 127\.0\.0\.1:1 ' \
  -- health --server 127.0.0.1:1 --timeout 1s
HERALD_SERVER='' HERALD_TOKEN='' expect context-no-key 1 '^error: UNAUTHENTICATED: ' \
  -- topics list --token=
expect context-add-second 0 "added context 'elsewhere'; switch to it" -- context add elsewhere \
  --server 127.0.0.1:1
expect context-use 0 "switched to context 'elsewhere'" -- context use elsewhere
HERALD_SERVER='' expect context-switched 1 'control plane at 127\.0\.0\.1:1 ' -- health --timeout 1s
HERALD_SERVER='' expect context-flag 0 '^SERVING$' -- --context e2e health
HERALD_SERVER='' HERALD_CONTEXT=e2e expect context-env 0 '^SERVING$' -- health
expect context-use-missing 1 "^error: NOT_FOUND: context 'nope' not found" -- context use nope
expect context-use-back 0 "switched to context 'e2e'" -- context use e2e
expect context-list 0 '^e2e +\* +127\.0\.0\.1:[0-9]+ +no +/' -- context list
parses context-list-json '[(c["name"], c["current"]) for c in json.loads(out)["contexts"]] ==
  [("e2e", True), ("elsewhere", False)]' -- context list -o json
same_data context-show-json-is-yaml -- context show
parses context-show-named 'yaml.safe_load(out)["context"]["server"] == "127.0.0.1:1"' \
  -- context show elsewhere -o yaml
expect context-rm 0 "removed context 'elsewhere'" -- context rm elsewhere
mode=$(stat -c %a "$tmp/config/herald/contexts.json")
verdict contexts-file-owner-only "$([[ "$mode" == 600 ]]; echo $?)" "mode $mode"
XDG_CONFIG_HOME='' HOME="$tmp/home" "$heraldctl" context add home --server h:1 >/dev/null
verdict contexts-under-home "$([[ -f "$tmp/home/.config/herald/contexts.json" ]]; echo $?)" \
  "no $tmp/home/.config/herald/contexts.json"

# Browser tokens from heraldctl are what heraldd's edge accepts.
"$heraldctl" topics create news.e2e >/dev/null
first=$("$heraldctl" publish news.e2e first -o json | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
"$heraldctl" publish news.e2e 'second "news"' >/dev/null
# sse NAME TOKEN TOPIC: GET /v1/sse for TOPIC from the first event with TOKEN; the body goes
# to $tmp/NAME.sse, the HTTP status to stdout.
sse() {
  curl -sN --max-time 2 -o "$tmp/$1.sse" -w '%{http_code}' -H "Last-Event-ID: $first" \
    "http://127.0.0.1:$http_port/v1/sse?topic=$3&access_token=$2"
}
token=$("$heraldctl" token create --topics 'news.*' --ttl 1h --subject e2e)
verdict token-create "$([[ "$token" =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$ ]]; echo $?)" \
  "not a JWT: $token"
status=$(sse token "$token" news.e2e)
verdict token-accepted "$([[ "$status" == 200 ]] && grep -qx 'data: second "news"' "$tmp/token.sse"; echo $?)" \
  "status $status: $(cat "$tmp/token.sse")"
status=$(sse other-topic "$token" orders)
verdict token-other-topic-refused "$([[ "$status" == 403 ]]; echo $?)" "status $status"
forged=$("$heraldctl" token create --topics 'news.*' --secret-file "$tmp/other-secret")
status=$(sse forged "$forged" news.e2e)
verdict token-other-secret-refused "$([[ "$status" == 401 ]]; echo $?)" "status $status"
explicit=$(HERALD_CONTEXT=nope "$heraldctl" token create --topics news.e2e,chat --secret-file "$tmp/secret")
status=$(sse explicit "$explicit" news.e2e)
verdict token-secret-file "$([[ "$status" == 200 ]]; echo $?)" "status $status"
parses token-json 'json.loads(out)["topics"] == ["news.*", "chat"] and json.loads(out)["publish"]' \
  -- token create --topics 'news.* chat' --publish -o json
# Real JSON escaping: quotes, backslashes, control characters and UTF-8 come back as given.
subject=$'quote " backslash \\ tab \t bell \x07 \xc3\xa9'
parses token-json-escapes "json.loads(out)['subject'] == $(printf '%s' "$subject" | python3 -c 'import sys; print(repr(sys.stdin.read()))')" \
  -- token create --topics a --subject "$subject" -o json
expect token-no-topics 2 '^error: USAGE: --topics is required' -- token create
expect token-bad-ttl 2 "^error: USAGE: --ttl is '0s'" -- token create --topics a --ttl 0s
XDG_CONFIG_HOME='' HOME="$tmp/home" expect token-no-secret 2 '^error: USAGE: no token secret' \
  -- token create --topics a

# Bash completion from the same definitions as the parser.
"$heraldctl" completion bash >"$tmp/completion.bash"
bash -n "$tmp/completion.bash"
verdict completion-syntax $? "bash -n refused $tmp/completion.bash"
# complete WORDS...: what the script offers for the last word.
complete_words() {
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _heraldctl
    echo "${COMPREPLY[*]}"' _ "$tmp/completion.bash" "$heraldctl" "$@"
}
out=$(complete_words topics '')
verdict completion-commands "$([[ "$out" == 'create get list update delete' ]]; echo $?)" "$out"
out=$(complete_words topics create x --max)
verdict completion-flags "$([[ "$out" == '--max-events --max-bytes --max-age --max-subscribers' ]]; echo $?)" "$out"
out=$(complete_words -o '')
verdict completion-choices "$([[ "$out" == 'table wide json yaml' ]]; echo $?)" "$out"
out=$(complete_words context use '')
verdict completion-contexts "$([[ "$out" == 'e2e' ]]; echo $?)" "$out"
out=$(complete_words tail news)
verdict completion-topics "$([[ "$out" == 'news.e2e' ]]; echo $?)" "$out"

expect drain 0 '^draining' -- drain
expect health-draining 1 'NOT_SERVING' -- health
expect tail-draining 1 'UNAVAILABLE: this node is draining' -- tail orders

kill -TERM "$pid"
wait "$pid"
expect unreachable 1 '^error: UNAVAILABLE: cannot reach the Herald control plane at 127\.0\.0\.1' \
  -- health --timeout 1s

# Mutual TLS: the server presents a certificate for 127.0.0.1 and requires client
# certificates signed by a test CA.
if command -v openssl >/dev/null; then
  (
    cd "$tmp" &&
      openssl req -x509 -newkey rsa:2048 -nodes -keyout server.key -out server.pem -days 1 \
        -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 &&
      openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 -subj /CN=ca &&
      openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=client &&
      openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 \
        -out client.pem
  ) >"$tmp/openssl.log" 2>&1 || { echo "FAIL: openssl"; cat "$tmp/openssl.log"; exit 1; }
  "$heraldd" --http_port=0 --grpc_port=0 --data_dir="$tmp/tls-store" --grpc_tls_cert="$tmp/server.pem" \
    --grpc_tls_key="$tmp/server.key" --grpc_tls_client_ca="$tmp/ca.pem" 2>"$tmp/tls.log" &
  pid=$!
  port=""
  for _ in $(seq 200); do
    port=$(sed -n 's/.* heraldd_ready .* grpc=[^:]*:\([0-9]*\).*/\1/p' "$tmp/tls.log")
    [[ -n "$port" ]] && break
    sleep 0.05
  done
  export HERALD_SERVER="127.0.0.1:$port"
  expect mtls 0 '^SERVING$' -- health --tls-ca "$tmp/server.pem" --tls-cert "$tmp/client.pem" \
    --tls-key "$tmp/client.key"
  HERALD_TLS_CA="$tmp/server.pem" HERALD_TLS_CERT="$tmp/client.pem" \
    HERALD_TLS_KEY="$tmp/client.key" expect mtls-env 0 '^SERVING$' -- health
  expect mtls-no-client-cert 1 '^error: UNAVAILABLE: ' -- health --tls-ca "$tmp/server.pem" \
    --timeout 2s
  expect plaintext-to-tls 1 '^error: UNAVAILABLE: ' -- health --timeout 2s
  kill -TERM "$pid"
  wait "$pid"
else
  echo "skip mtls: no openssl"
fi

if [[ "$failures" != 0 ]]; then
  echo "$failures failures"
  exit 1
fi
echo "all heraldctl checks passed"
