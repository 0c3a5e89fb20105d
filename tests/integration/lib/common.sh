# Shared helpers for integration tests: temp dir, certs, starting servers on 127.0.0.1
# with a free port, waiting for "listening on", cleanup on exit. Source it; needs TP_BUILD.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
BUILD=${TP_BUILD:-build}
[[ $BUILD = /* ]] || BUILD="$ROOT/$BUILD"
BIN="$BUILD/bin"
TP_WORK_PREFIX=tp-it
source "$ROOT/scripts/lib/servers.sh"

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "-- $*"; }

make_certs() { bash "$ROOT/scripts/mkcerts.sh" "$WORK/certs" >/dev/null; CERTS="$WORK/certs"; }

# manifest_for PORT [extra sed expression] > file : the example account manifest on PORT.
manifest_for() {
  local port=$1; shift
  sed -e "s/localhost:8443/localhost:$port/" "$@" "$ROOT/docs/examples/account.manifest.json"
}

# big_manifest_for PORT KB: the account manifest on tp-demo-api's /api/big?kb=KB (a JSON
# document of exactly KB KiB), with a claim that its "kb" member equals KB.
big_manifest_for() {
  manifest_for "$1" -e "s|/api/account|/api/big?kb=$2|" |
    python3 -c '
import json, sys
m = json.load(sys.stdin)
m["id"] = "big"
m["response"]["body"]["extractors"] = [{"id": "kb", "description": "size", "selector": ["kb"],
    "type": "number", "predicates": [{"type": "value", "comparison": "equal", "value": '"$2"'}]}]
json.dump(m, sys.stdout)'
}

# expect_fail NAME PATTERN CMD... : CMD must exit non-zero and its stderr match PATTERN.
expect_fail() {
  local name=$1 pattern=$2; shift 2
  local rc=0
  "$@" >"$WORK/$name.stdout" 2>"$WORK/$name.stderr" || rc=$?
  [[ $rc -ne 0 ]] || fail "$name: expected failure, got success"
  grep -qE -- "$pattern" "$WORK/$name.stderr" || { cat "$WORK/$name.stderr" >&2; fail "$name: stderr does not match '$pattern'"; }
  [[ $(grep -c '^error: ' "$WORK/$name.stderr") -eq 1 ]] || { cat "$WORK/$name.stderr" >&2; fail "$name: want exactly one 'error:' line"; }
  note "$name rejected: $(head -c 200 "$WORK/$name.stderr")"
}

TOKEN="s3cret-token-$RANDOM$RANDOM"
