#!/usr/bin/env bash
# `make fuzz`: runs every libFuzzer target in build/fuzz for SECONDS each (default 20),
# starting from fuzz/corpus/<target>/ when it exists, on a scratch copy of that corpus.
# Exits non-zero if any target finds a crash, leak or timeout (the reproducer is kept in
# build/fuzz/findings/).
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
findings=build/fuzz/findings
mkdir -p "$findings"
failed=0
for bin in build/fuzz/fuzz_*; do
  [[ -x $bin ]] || continue
  name=$(basename "$bin")
  work=$(mktemp -d)
  [[ -d fuzz/corpus/$name ]] && cp -r "fuzz/corpus/$name/." "$work/"
  if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$findings/$name-" \
       "$work" >"$findings/$name.log" 2>&1; then
    echo "ok    $name ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$findings/$name.log" | awk '{print $2}') runs; $(grep -o 'cov: [0-9]*' "$findings/$name.log" | tail -1))"
  else
    echo "FOUND $name: see $findings/$name.log"; tail -n 20 "$findings/$name.log"; failed=1
  fi
  rm -rf "$work"
done
exit $failed
