#!/usr/bin/env bash
# Builds heraldd and heraldctl (-c opt) and installs them in $PREFIX/bin, /usr/local/bin by
# default. Missing build packages are installed first (tools/setup.sh --run, as root).
#
#   tools/install.sh                      # /usr/local/bin/heraldd, /usr/local/bin/heraldctl
#   PREFIX="$HOME/.local" tools/install.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
prefix="${PREFIX:-/usr/local}"

tools/setup.sh --run
echo "install: building heraldd and heraldctl (the first build takes several minutes)"
status=0
bazel build -c opt //broker/heraldd //admin:heraldctl || status=$?
if ((status != 0)); then
  echo "install: the build failed (bazel exit status $status); nothing was installed" >&2
  exit "$status"
fi
# The opt outputs themselves: the bazel-bin symlink follows whichever configuration built last.
bin="$(bazel info -c opt bazel-bin 2>/dev/null)"

install -d "$prefix/bin"
install -m 0755 "$bin/broker/heraldd/heraldd" "$bin/admin/heraldctl" "$prefix/bin/"
echo "install: installed $prefix/bin/heraldd and $prefix/bin/heraldctl"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "install: $prefix/bin is not on your PATH; add it, e.g. export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
echo "install: the demo page is not installed; serve it from this checkout with" \
  "heraldd --static_dir=$root/examples/demo"
