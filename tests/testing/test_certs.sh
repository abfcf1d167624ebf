#!/usr/bin/env bash
# A test CA and server certificates it signs, made with the openssl CLI, for heraldd's TLS
# port in end-to-end and load runs: DIR/ca.pem (what clients trust) and, per SERIAL,
# DIR/cert-SERIAL.pem and DIR/key-SERIAL.pem (P-256, for localhost and 127.0.0.1, valid a
# day). The CA is made once per DIR.
#   tests/testing/test_certs.sh DIR SERIAL...
set -euo pipefail
dir="$1"
shift
mkdir -p "$dir"
if [[ ! -f "$dir/ca.pem" ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj "/CN=herald test CA" -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
fi
for serial in "$@"; do
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$dir/key-$serial.pem" -out "$dir/req-$serial.csr" 2>/dev/null
  openssl x509 -req -in "$dir/req-$serial.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -set_serial "$serial" -days 1 -out "$dir/cert-$serial.pem" \
    -extfile <(printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') \
    2>/dev/null
  rm -f "$dir/req-$serial.csr"
done
