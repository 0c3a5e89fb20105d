# Shared by scripts/demo.sh, bench/run.sh and the integration tests: a scratch directory,
# servers started in the background of *this* shell (so cleanup can stop them), and
# cleanup on exit. Source it after setting `set -euo pipefail`.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/${TP_WORK_PREFIX:-teeproof}.XXXXXX")
PIDS=()
_tp_cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap _tp_cleanup EXIT

# start_server NAME CMD... : runs CMD, waits for its "listening on HOST:PORT" line and sets
# PORT_<NAME> and PID_<NAME>. Its output is in $WORK/NAME.out and $WORK/NAME.err.
start_server() {
  local name=$1; shift
  local out="$WORK/$name.out"
  "$@" >"$out" 2>"$WORK/$name.err" &
  local pid=$!
  PIDS+=("$pid")
  local _
  for _ in $(seq 1 200); do
    if grep -q '^listening on ' "$out" 2>/dev/null; then
      local addr; addr=$(sed -n 's/^listening on //p' "$out" | head -n1)
      printf -v "PORT_$name" '%s' "${addr##*:}"
      printf -v "PID_$name" '%s' "$pid"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { cat "$WORK/$name.err" >&2; echo "error: $name exited before listening" >&2; exit 1; }
    sleep 0.05
  done
  echo "error: $name did not start listening" >&2
  exit 1
}

# free_port: a loopback TCP port nobody listens on now (for servers that cannot bind :0 and
# report it, e.g. haproxy, nginx).
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return; }
  done
}

# wait_port PORT: waits until something accepts connections on 127.0.0.1:PORT (10 s).
wait_port() {
  local _
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "error: nothing listening on port $1" >&2
  exit 1
}
