# Shared by the bench scripts (sourced).
# big_manifest PORT KB FILE: a manifest for tp-demo-api's /api/big?kb=KB on localhost:PORT
# (a JSON document of exactly KB KiB), extracting its "kb" member.
big_manifest() {
  cat >"$3" <<JSON
{"manifestVersion":"2","id":"big","title":"$2 KiB","description":"bench",
 "request":{"method":"GET","url":"https://localhost:$1/api/big?kb=$2",
   "headers":{"Authorization":"Bearer <% token %>"},"body":"","vars":{"token":{}}},
 "response":{"status":"200","headers":{},"body":{"format":"json","extractors":[
   {"id":"kb","description":"size","selector":["kb"],"type":"number","required":true}]}}}
JSON
}

# median_ms CMD...: runs CMD $RUNS times (default $N), prints the median wall time in ms;
# a failing run ends the benchmark. Needs $WORK.
median_ms() {
  local i t0 t1 runs=${RUNS:-$N}
  : >"$WORK/times"
  for i in $(seq 1 "$runs"); do
    t0=$(date +%s%N); "$@" >/dev/null 2>&1 || { echo "error: benchmark command failed: $*" >&2; exit 1; }; t1=$(date +%s%N)
    echo $(( t1 - t0 )) >>"$WORK/times"
  done
  sort -n "$WORK/times" | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.3f\n", m / 1e6}'
}
# ratio A B: A / B with two decimals (0 when B is 0).
ratio() { echo "$1 $2" | awk '{ printf "%.2f", ($2 > 0) ? $1 / $2 : 0 }'; }
