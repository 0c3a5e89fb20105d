#!/usr/bin/env bash
# Runs every test against one or more build dirs: the cmocka unit binaries in
# BUILD/tests, then the integration scripts in tests/integration (given BUILD as $TP_BUILD).
# Ends with "N passed, N failed". Exit status non-zero if anything failed.
set -u
cd "$(dirname "$0")/.."
builds=("$@")
((${#builds[@]})) || builds=(build)
passed=0
failed=0
failures=()
logdir=$(mktemp -d "${TMPDIR:-/tmp}/teeproof-tests.XXXXXX")
trap 'rm -rf "$logdir"' EXIT

run_one() { # name, command...
  local name=$1; shift
  local log="$logdir/$(echo "$name" | tr '/ ' '__').log"
  local t0=$SECONDS
  if timeout 600 "$@" >"$log" 2>&1; then
    passed=$((passed + 1)); printf 'PASS  %-58s %3ds\n' "$name" $((SECONDS - t0))
  else
    failed=$((failed + 1)); failures+=("$name")
    printf 'FAIL  %-58s %3ds\n' "$name" $((SECONDS - t0))
    sed 's/^/      | /' "$log" | tail -n 40
  fi
}

for b in "${builds[@]}"; do
  [[ -x $b/bin/teeproof && -x $b/bin/teeproof-notary ]] || { echo "error: $b is not a build (run make first)" >&2; exit 2; }
done
for b in "${builds[@]}"; do
  echo "== tests in $b"
  for t in "$b"/tests/test_*; do
    [[ -x $t ]] || continue
    run_one "$b/$(basename "$t")" "$t"
  done
  for s in tests/integration/*.sh; do
    [[ -f $s ]] || continue
    run_one "$b/integration/$(basename "$s" .sh)" env TP_BUILD="$b" bash "$s"
  done
done

# Fuzz smoke: each libFuzzer target (built by `make fuzz-build`) for a few seconds from its
# seed corpus; a crash, leak or timeout fails it. The seed is fixed so that a run repeats
# what ran before; `make fuzz` explores with random seeds.
if [[ ${TP_FUZZ_SECONDS:-0} != 0 ]]; then
  echo "== fuzz smoke (${TP_FUZZ_SECONDS}s each)"
  for f in build/fuzz/fuzz_*; do
    [[ -x $f && $f != *.log ]] || continue
    name=$(basename "$f")
    corpus=$(mktemp -d "$logdir/corpus.XXXXXX")
    [[ -d fuzz/corpus/$name ]] && cp -r "fuzz/corpus/$name/." "$corpus/"
    run_one "fuzz/$name" "$f" -seed=1 -max_total_time="$TP_FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$logdir/" "$corpus"
  done
fi

if ((failed)); then
  echo "failed:"; printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
((failed == 0))
