#!/usr/bin/env bash
# Installs everything Herald needs to build, run and test on Debian 12, as root.
# Idempotent and quiet when everything is present; stops naming the package it cannot install.
#   tools/setup.sh          build, run and test dependencies
#   tools/setup.sh --load   also nginx + nchan, the peer the load tool measures against
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(
  bazel-bootstrap
  g++
  pkg-config
  protobuf-compiler
  protobuf-compiler-grpc
  libprotobuf-dev
  libgrpc++-dev
  libboost1.81-dev
  libabsl-dev
  libgtest-dev
  libgmock-dev
  libbenchmark-dev
  librocksdb-dev
  libhiredis-dev
  prometheus-cpp-dev
  libjwt-dev
  libssl-dev
  zlib1g-dev
  redis-server
  chromium
  python3
  curl
)
# Node.js may come from another packaging (its own npm inside); Debian's only where absent.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
if [[ "${1:-}" == "--load" ]]; then
  packages+=(nginx libnginx-mod-nchan)
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # One package at a time after a failed batch, so the error names the culprit.
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    for pkg in "${missing[@]}"; do
      if ! apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null 2>&1; then
        echo "setup: cannot install package '$pkg' (apt-get install $pkg failed)" >&2
        exit 1
      fi
    done
  fi
fi

# playwright-core drives Debian's chromium; it never downloads a browser of its own.
e2e="$root/tests/e2e"
if [[ ! -d "$e2e/node_modules/playwright-core" ]]; then
  echo "setup: installing npm packages in tests/e2e"
  (cd "$e2e" && npm ci --silent --no-audit --no-fund >/dev/null) || {
    echo "setup: cannot install npm package 'playwright-core' (npm ci in tests/e2e failed)" >&2
    exit 1
  }
fi

# System headers and libraries are not part of Bazel's cache keys: key the disk cache on the
# installed versions so an upgrade never serves stale objects.
key="$(dpkg-query -W "${packages[@]}" 2>/dev/null | sha256sum | cut -c1-16)"
cache_dir="${XDG_CACHE_HOME:-$HOME/.cache}/herald/bazel-disk-$key"
mkdir -p "$cache_dir"
line="build --disk_cache=$cache_dir"
if [[ "$(cat "$root/.bazelrc.user" 2>/dev/null)" != "$line" ]]; then
  echo "$line" > "$root/.bazelrc.user"
fi
