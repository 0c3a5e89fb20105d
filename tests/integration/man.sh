# The manual pages in man/: each formats without a single groff warning (man --warnings=w: every warning),
# has NAME and SYNOPSIS/DESCRIPTION, and teeproof-notary(8) and teeproof(1) document every
# option the programs' --help lists. `make man` runs this too (the option check only when
# a build exists).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${TP_BUILD:-build}
[[ $BUILD = /* ]] || BUILD="$ROOT/$BUILD"
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v man >/dev/null && command -v groff >/dev/null || { echo "SKIP: man/groff not installed (apt-get install man-db groff)"; exit 0; }

pages=(teeproof.1 teeproof-notary.8 teeproof-manifest.5 teeproof-policy.5)
for p in "${pages[@]}"; do
  f="$ROOT/man/$p"
  [[ -f $f ]] || fail "man/$p missing"
  warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=w -l "$f" 2>&1 >/dev/null) || fail "$p: man failed"
  [[ -z $warn ]] || fail "$p: $warn"
  text=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$f" 2>/dev/null)
  for section in NAME DESCRIPTION 'SEE ALSO'; do
    grep -q "^$section" <<<"$text" || fail "$p: no $section section"
  done
  th=$(sed -n 's/^\.TH \([^ ]*\) \([^ ]*\) .*/\1 \2/p' "$f" | sed 's/\\-/-/g' | tr 'A-Z' 'a-z')
  [[ $th == "${p%.*} ${p##*.}" ]] || fail "$p: .TH says '$th'"
  echo "-- $p: no warnings"
done

# Every option of --help is documented (as \-\-name in the page).
options_of() { grep -oE -- '--[a-z][a-z0-9-]+' | sort -u; }
check_options() { # PAGE HELP-TEXT
  local page=$1 missing=()
  while read -r o; do
    grep -qF -- "$(sed 's/-/\\-/g' <<<"$o")" "$ROOT/man/$page" || missing+=("$o")
  done < <(options_of <<<"$2")
  ((${#missing[@]} == 0)) || fail "$page does not document: ${missing[*]}"
  echo "-- $page documents every option of --help"
}
if [[ -x $BUILD/bin/teeproof-notary && -x $BUILD/bin/teeproof ]]; then
  check_options teeproof-notary.8 "$("$BUILD/bin/teeproof-notary" --help)"
  cli_help=$("$BUILD/bin/teeproof" --help 2>&1 || true)
  for c in prove verify disclose export attestation evidence; do
    cli_help+=$'\n'$("$BUILD/bin/teeproof" "$c" --help 2>&1 || true)
  done
  check_options teeproof.1 "$cli_help"
else
  echo "-- no build in $BUILD: option coverage not checked"
fi
