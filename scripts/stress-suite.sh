#!/usr/bin/env bash
# The suite under load (issue 8): runs `npm test` N times (default 10) in a row while
# `stress-ng --cpu 2` keeps both cores busy, and stops at the first red run. Needs stress-ng
# (Debian: apt-get install stress-ng). Prints one line per run: exit code, seconds, tap's totals.
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
command -v stress-ng >/dev/null || { echo "stress-ng is not installed (apt-get install stress-ng)" >&2; exit 2; }
stress-ng --cpu 2 >/dev/null 2>&1 &
load=$!
trap 'kill $load 2>/dev/null' EXIT
log=$(mktemp -d)
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  npm test >"$log/run-$i.log" 2>&1
  rc=$?
  echo "run $i rc=$rc $(($(date +%s) - start))s $(grep -E '^# \{' "$log/run-$i.log" | tail -1)"
  if [ $rc -ne 0 ]; then
    grep -E '^\s*not ok' "$log/run-$i.log"
    echo "log: $log/run-$i.log"
    exit 1
  fi
done
echo "$runs runs green; logs in $log"
