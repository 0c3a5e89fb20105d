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

# start_nginx NAME DOCROOT CERT KEY [DIRECTIVES] : nginx (one process, TLS 1.3) on a free
# loopback port serving DOCROOT, with DIRECTIVES (e.g. locations) in its server block; sets
# PORT_<NAME> and PID_<NAME>. NGINX_CONNECTIONS (default 1024): connections it may hold at
# once (worker_connections, and its descriptor limit); a connection that sends nothing is
# kept for 10 minutes (idle tunnels in bench/run.sh).
start_nginx() {
  local name=$1 root=$2 cert=$3 key=$4 directives=${5:-} conns=${NGINX_CONNECTIONS:-1024}
  local dir="$WORK/nginx-$name" port
  port=$(free_port)
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<CFG
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile $((conns + 64));
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections $conns; }
http {
    access_log off;
    client_header_timeout 600s;
    client_body_temp_path $dir;
    proxy_temp_path $dir;
    fastcgi_temp_path $dir;
    uwsgi_temp_path $dir;
    scgi_temp_path $dir;
    server {
        listen 127.0.0.1:$port ssl;
        server_name localhost;
        ssl_certificate $cert;
        ssl_certificate_key $key;
        ssl_protocols TLSv1.3;
        root $root;
        $directives
    }
}
CFG
  "$(command -v nginx || echo /usr/sbin/nginx)" -p "$dir" -c "$dir/nginx.conf" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  local pid=$!
  PIDS+=("$pid")
  wait_port "$port"
  printf -v "PORT_$name" '%s' "$port"
  printf -v "PID_$name" '%s' "$pid"
}
