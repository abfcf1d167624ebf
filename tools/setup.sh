#!/usr/bin/env bash
# Installs what Herald needs on Debian 12, as root. Installs only what is missing, says what it
# installs, and is silent when everything is present; stops naming a package it cannot install.
#   tools/setup.sh          building, running and the whole test suite
#   tools/setup.sh --run    only building and running heraldd and heraldctl
#   tools/setup.sh --load   also nchan (nginx's module), the peer the load tool measures against
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

mode=test
case "${1:-}" in
  "") ;;
  --run) mode=run ;;
  --load) mode=load ;;
  *)
    echo "setup: unknown option '$1'; use --run, --load or nothing" >&2
    exit 2
    ;;
esac

# What `bazel build //broker/heraldd //admin:heraldctl` compiles and links against.
build_packages=(
  bazel-bootstrap
  g++
  protobuf-compiler
  protobuf-compiler-grpc
  libprotobuf-dev
  libgrpc++-dev
  libboost1.81-dev
  libabsl-dev
  libcli11-dev
  libtomlplusplus-dev
  libspdlog-dev
  librocksdb-dev
  libjwt-dev
  libssl-dev
  zlib1g-dev
)
# What the test suite adds: test libraries, the end-to-end suites' browser, servers and tools.
test_packages=(
  pkg-config
  libgtest-dev
  libgmock-dev
  libbenchmark-dev
  libhiredis-dev
  prometheus-cpp-dev
  prometheus
  redis-server
  nginx
  openssl
  chromium
  python3
  python3-yaml
  curl
)
# What the examples' end-to-end suite adds for the Python publisher. Bazel never reads them, so
# they stay out of the disk cache's key below.
example_packages=(
  python3-grpcio
  python3-grpc-tools
)

packages=("${build_packages[@]}")
if [[ "$mode" != run ]]; then
  packages+=("${test_packages[@]}" "${example_packages[@]}")
  # Node.js may come from another packaging (its own npm inside); Debian's only where absent.
  command -v node >/dev/null || packages+=(nodejs)
  command -v npm >/dev/null || packages+=(npm)
fi
if [[ "$mode" == load ]]; then
  packages+=(libnginx-mod-nchan)
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]})); then
  if ((EUID != 0)); then
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: run this script as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  if ! apt-get install -y -q --no-install-recommends "${missing[@]}"; then
    # One package at a time after a failed batch, so the error names the culprit.
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
if [[ "$mode" != run && ! -d "$e2e/node_modules/playwright-core" ]]; then
  echo "setup: installing npm packages in tests/e2e (playwright-core)"
  (cd "$e2e" && npm ci --no-audit --no-fund) || {
    echo "setup: cannot install npm package 'playwright-core' (npm ci in tests/e2e failed)" >&2
    exit 1
  }
fi

# The Node publisher example's gRPC packages (@grpc/grpc-js, @grpc/proto-loader), which the
# examples' end-to-end suite runs.
node_publisher="$root/examples/publishers/node"
if [[ "$mode" != run && ! -d "$node_publisher/node_modules/@grpc/grpc-js" ]]; then
  echo "setup: installing npm packages in examples/publishers/node (@grpc/grpc-js," \
    "@grpc/proto-loader)"
  (cd "$node_publisher" && npm ci --no-audit --no-fund) || {
    echo "setup: cannot install npm packages '@grpc/grpc-js' and '@grpc/proto-loader'" \
      "(npm ci in examples/publishers/node failed)" >&2
    exit 1
  }
fi

# System headers and libraries are not part of Bazel's cache keys: key the disk cache on the
# installed versions so an upgrade never serves stale objects. The key reads the whole list in
# every mode, so that on a machine with everything installed --run and the default share one
# cache.
all_packages=("${build_packages[@]}" "${test_packages[@]}")
key="$(dpkg-query -W "${all_packages[@]}" 2>/dev/null | sha256sum | cut -c1-16)"
cache_dir="${XDG_CACHE_HOME:-$HOME/.cache}/herald/bazel-disk-$key"
mkdir -p "$cache_dir"
line="build --disk_cache=$cache_dir"
if [[ "$(cat "$root/.bazelrc.user" 2>/dev/null)" != "$line" ]]; then
  echo "$line" > "$root/.bazelrc.user"
fi
