#!/usr/bin/env bash
# heraldctl as a process against a live heraldd: every subcommand, its output and its exit
# status, with API-key auth on.
set -uo pipefail

heraldd="$1"
heraldctl="$2"
failures=0
tmp="${TEST_TMPDIR:-$(mktemp -d)}"

admin_key="admin-key-0123456789abcdef"
publisher_key="publisher-key-0123456789abcdef"
printf '# e2e keys\nadmin %s\npublisher %s\n' "$admin_key" "$publisher_key" >"$tmp/keys"

"$heraldd" --http_port=0 --grpc_port=0 --data_dir="$tmp/store" --api_keys_file="$tmp/keys" 2>"$tmp/heraldd.log" &
pid=$!
trap 'kill -9 $pid 2>/dev/null' EXIT

port=""
for _ in $(seq 200); do
  port=$(sed -n 's/.*control plane (gRPC) on [^:]*:\([0-9]*\).*/\1/p' "$tmp/heraldd.log")
  [[ -n "$port" ]] && break
  sleep 0.05
done
if [[ -z "$port" ]]; then
  echo "FAIL: heraldd did not report its control plane port"; cat "$tmp/heraldd.log"
  exit 1
fi
export HERALD_SERVER="127.0.0.1:$port"
export HERALD_TOKEN="$admin_key"

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

expect help 0 'topics create' -- --help
expect help-topics 0 'max-age' -- topics --help
expect help-publish 0 'stream' -- publish --help
expect help-tail 0 'from CURSOR' -- tail --help
expect unknown-command 2 '^error: USAGE: unknown command' -- frobnicate
expect unknown-flag 2 '^error: USAGE: unknown flag --colour' -- topics list --colour

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
expect tail-bad-cursor 1 '^error: INVALID_ARGUMENT: bad cursor in from' -- tail orders --from garbage

# A live tail shows up in connections and stats, and can be kicked.
"$heraldctl" tail orders >"$tmp/tail.out" 2>"$tmp/tail.err" &
tail_pid=$!
for _ in $(seq 100); do grep -q tailing "$tmp/tail.err" && break; sleep 0.05; done
expect connections-list 0 'c[0-9]+ +grpc +subscribe .* orders' -- connections list
expect connections-filter 0 '^ID +TRANSPORT' -- connections list --topic audit
expect stats 0 'connections\.grpc +1' -- stats
expect stats-json 0 '"topics":"2"' -- stats --output json
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
    port=$(sed -n 's/.*control plane (gRPC) on [^:]*:\([0-9]*\).*/\1/p' "$tmp/tls.log")
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
