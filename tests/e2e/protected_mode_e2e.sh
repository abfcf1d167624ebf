#!/usr/bin/env bash
# heraldd's safe defaults as a process: protected mode refuses listeners beyond loopback
# without credentials (saying which flag to set) and starts once they are given; scoped,
# hashed API keys from `heraldctl keys hash`; RS256 keys made with the openssl CLI, rotated by
# SIGHUP; /metrics shows neither secrets nor keys.
#
#   tests/e2e/protected_mode_e2e.sh
#
# Last line: "protected_mode_e2e: N passed, M failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
source tests/e2e/lib.sh
start_suite protected_mode_e2e

# refuses NAME EXPECTED_TEXT FLAGS...: heraldd exits non-zero at once, saying EXPECTED_TEXT.
refuses() {
  local name="$1" expected="$2"
  shift 2
  timeout 10 "$heraldd" --store=memory --http_port="$(free_port)" --grpc_port="$(free_port)" \
    "$@" >"$tmp/out.log" 2>&1
  local status=$?
  [[ "$status" != 0 && "$status" != 124 ]] && grep -qF -- "$expected" "$tmp/out.log"
  check $? "$name" "exit $status: $(tail -1 "$tmp/out.log")"
}

# starts HTTP_PORT GRPC_PORT FLAGS...: heraldd runs in the background and answers /healthz.
starts() {
  local http_port="$1" grpc_port="$2"
  shift 2
  "$heraldd" --store=memory --http_port="$http_port" --grpc_port="$grpc_port" "$@" \
    >>"$tmp/heraldd.log" 2>&1 &
  pids+=($!)
  answers_healthz "$http_port" "$!"
}

b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

# rs256_token KEY_PEM PAYLOAD: a compact JWS signed by the openssl CLI.
rs256_token() {
  local input
  input="$(printf '%s' '{"alg":"RS256","typ":"JWT"}' | b64url).$(printf '%s' "$2" | b64url)"
  printf '%s.%s' "$input" "$(printf '%s' "$input" | openssl dgst -sha256 -sign "$1" -binary | b64url)"
}

# sse_status PORT TOKEN: the HTTP status of an SSE request for topic t with TOKEN.
sse_status() {
  curl -s -o "$tmp/body" -w '%{http_code}' --max-time 1 \
    "http://127.0.0.1:$1/v1/sse?topic=t&access_token=$2"
}

# Protected mode: each listener, each missing credential.
refuses "edge on 0.0.0.0 without tokens is refused, naming the flag" \
  "--allow_anonymous_browsers" --http_address=0.0.0.0
refuses "edge on 0.0.0.0 without tokens is refused, naming the token flags" \
  "--access_token_keys_file" --http_address=0.0.0.0
refuses "control plane on 0.0.0.0 without API keys is refused, naming the flag" \
  "--api_keys_file" --grpc_address=0.0.0.0
refuses "a keys file that holds no key is refused" "access token keys" \
  --access_token_keys_file=/dev/null
printf '# no keys yet\n' >"$tmp/empty-keys.txt"
refuses "an API keys file that holds no key is refused, not taken for auth off" \
  "holds no API key" --api_keys_file="$tmp/empty-keys.txt"
http=$(free_port)
starts "$http" "$(free_port)" --http_address=0.0.0.0 --allow_anonymous_browsers
check $? "edge on 0.0.0.0 starts with --allow_anonymous_browsers"

# Scoped, hashed API keys on a control plane beyond loopback.
admin_key="$("$heraldctl" keys hash --generate --allow admin 2>&1 >"$tmp/keys.txt" |
  sed -n 's/^api key.*: //p')"
printf 'orders-service-key-0123456789' |
  "$heraldctl" keys hash --allow publish --topics 'orders.*' --name orders >>"$tmp/keys.txt"
! grep -q "$admin_key" "$tmp/keys.txt" && ! grep -q orders-service-key "$tmp/keys.txt"
check $? "the keys file holds hashes, not keys"
http=$(free_port)
grpc=$(free_port)
starts "$http" "$grpc" --grpc_address=0.0.0.0 --api_keys_file="$tmp/keys.txt" \
  --allow_anonymous_browsers
check $? "control plane on 0.0.0.0 starts with --api_keys_file"
ctl() { "$heraldctl" --server="127.0.0.1:$grpc" "$@"; }
ctl --token="$admin_key" topics create orders.eu >/dev/null 2>&1 &&
  ctl --token="$admin_key" topics create payments >/dev/null 2>&1
check $? "the admin key creates topics"
ctl --token=orders-service-key-0123456789 publish orders.eu hello >/dev/null 2>&1
check $? "the scoped key publishes to orders.*"
out="$(ctl --token=orders-service-key-0123456789 publish payments hello 2>&1)"
[[ $? != 0 && "$out" == *"lacks publish on topic 'payments'"* ]]
check $? "the scoped key cannot publish elsewhere, and is told why" "$out"
out="$(ctl --token=orders-service-key-0123456789 topics delete orders.eu 2>&1)"
[[ $? != 0 && "$out" == *"lacks manage"* ]]
check $? "the scoped key cannot manage topics" "$out"
out="$(ctl --token=orders-service-key-0123456789 stats 2>&1)"
[[ $? != 0 && "$out" == *"lacks admin"* ]]
check $? "the scoped key cannot call admin RPCs" "$out"

# RS256 keys from the openssl CLI, rotated with SIGHUP.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/a.key" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/b.key" 2>/dev/null
openssl pkey -in "$tmp/a.key" -pubout -out "$tmp/keys.pem"
exp=$(($(date +%s) + 3600))
token_a="$(rs256_token "$tmp/a.key" "{\"subscribe\":[\"t\"],\"exp\":$exp}")"
token_b="$(rs256_token "$tmp/b.key" "{\"subscribe\":[\"t\"],\"exp\":$exp}")"
http=$(free_port)
grpc=$(free_port)
starts "$http" "$grpc" --http_address=0.0.0.0 --access_token_keys_file="$tmp/keys.pem"
check $? "edge on 0.0.0.0 starts with --access_token_keys_file"
pid="${pids[-1]}"
"$heraldctl" --server="127.0.0.1:$grpc" topics create t >/dev/null 2>&1
status="$(sse_status "$http" "$token_a")"
[[ "$status" == 200 ]]
check $? "an RS256 token of the configured key streams" "status $status"
status="$(sse_status "$http" "$token_b")"
[[ "$status" == 401 ]] && grep -q "bad signature" "$tmp/body"
check $? "a token of another key is refused as a bad signature" "status $status: $(cat "$tmp/body")"
openssl pkey -in "$tmp/b.key" -pubout -out "$tmp/keys.pem"
kill -HUP "$pid"
for _ in $(seq 100); do grep -q "reloaded signal=SIGHUP" "$tmp/heraldd.log" && break; sleep 0.05; done
status="$(sse_status "$http" "$token_b")"
[[ "$status" == 200 ]]
check $? "after SIGHUP, the new key's token streams" "status $status"
status="$(sse_status "$http" "$token_a")"
[[ "$status" == 401 ]]
check $? "after SIGHUP, the old key's token is refused" "status $status"
echo "not a key" >"$tmp/keys.pem"
kill -HUP "$pid"
for _ in $(seq 100); do grep -q "reload_failed" "$tmp/heraldd.log" && break; sleep 0.05; done
status="$(sse_status "$http" "$token_b")"
grep -q "reload_failed" "$tmp/heraldd.log" && [[ "$status" == 200 ]] && kill -0 "$pid"
check $? "a bad keys file on SIGHUP is reported and the old keys stay" "status $status"
metrics="$(curl -fsS "http://127.0.0.1:$http/metrics")"
[[ "$metrics" == *'herald_edge_refused_total{reason="token_bad_signature"} 2'* ]]
check $? "refused tokens are counted by reason on /metrics"
! grep -qF -- "$(sed -n 2p "$tmp/b.key")" <<<"$metrics" && ! grep -qF -- "$token_b" <<<"$metrics" &&
  ! grep -qF -- "$admin_key" <<<"$metrics"
check $? "/metrics holds no key, token or secret"

echo "protected_mode_e2e: $passed passed, $failed failed"
((failed == 0))
