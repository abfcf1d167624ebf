#!/usr/bin/env bash
# The team's protocol probes (shared/probes: ws_probe.py, sse_probe.py) against a live
# heraldd, creating and publishing with heraldctl. Last line: "probes_e2e: N passed, M failed";
# skipped (0 passed, 0 failed, and a SKIP line) where the probes are absent.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
probes="${PROBES:-$root/../shared/probes}"
# The probes live in the team's shared/ beside the repository (as in CI), not in it: a clone
# alone reports the suite skipped, never passed and never failed.
if [[ ! -f "$probes/ws_probe.py" || ! -f "$probes/sse_probe.py" ]]; then
  echo "SKIP probes_e2e: no protocol probes in $probes (they come with the team's shared/; set PROBES)"
  echo "probes_e2e: 0 passed, 0 failed"
  exit 0
fi
if ! bazel build //broker/heraldd //admin:heraldctl >/dev/null 2>&1; then
  echo "probes_e2e: 0 passed, 1 failed (bazel build of heraldd/heraldctl failed)"
  exit 1
fi
log="$(mktemp)"
PROBES="$probes" tests/integration/run_probes.sh 2>&1 | tee "$log"
passed=0
failed=0
while read -r p f; do
  passed=$((passed + p))
  failed=$((failed + f))
done < <(sed -nE 's/^(ws|sse)_probe: ([0-9]+) passed, ([0-9]+) failed.*/\2 \3/p' "$log")
# Both probes must have reported: a probe that crashed prints no totals.
if (($(grep -cE '^(ws|sse)_probe: [0-9]+ passed' "$log") != 2)); then failed=$((failed + 1)); fi
rm -f "$log"
echo "probes_e2e: $passed passed, $failed failed"
((failed == 0))
