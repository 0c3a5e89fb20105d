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
    # any socket on it, not only a listener: a connection's local port (bench/run.sh holds
    # thousands) or one in TIME_WAIT can make a later bind fail
    ss -Htan "sport = :$p" | grep -q . || { echo "$p"; return; }
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
# kept for 10 minutes (idle tunnels in bench/run.sh). A port taken meanwhile (by another
# program's outgoing connection, say) is retried with another.
start_nginx() {
  local name=$1 root=$2 cert=$3 key=$4 directives=${5:-} conns=${NGINX_CONNECTIONS:-1024}
  local dir="$WORK/nginx-$name" port pid attempt _
  mkdir -p "$dir"
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    _nginx_conf "$dir" "$port" "$root" "$cert" "$key" "$directives" "$conns" >"$dir/nginx.conf"
    "$(command -v nginx || echo /usr/sbin/nginx)" -p "$dir" -c "$dir/nginx.conf" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    pid=$!
    for _ in $(seq 1 200); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        PIDS+=("$pid")
        printf -v "PORT_$name" '%s' "$port"
        printf -v "PID_$name" '%s' "$pid"
        return 0
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
    grep -q 'Address already in use' "$WORK/$name.err" || break
  done
  cat "$WORK/$name.err" >&2
  echo "error: nginx $name did not start listening" >&2
  exit 1
}

# _nginx_conf DIR PORT DOCROOT CERT KEY DIRECTIVES CONNECTIONS : start_nginx's configuration.
_nginx_conf() {
  cat <<CFG
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile $(($7 + 64));
pid $1/nginx.pid;
error_log stderr warn;
events { worker_connections $7; }
http {
    access_log off;
    client_header_timeout 600s;
    client_body_temp_path $1;
    proxy_temp_path $1;
    fastcgi_temp_path $1;
    uwsgi_temp_path $1;
    scgi_temp_path $1;
    server {
        listen 127.0.0.1:$2 ssl;
        server_name localhost;
        ssl_certificate $4;
        ssl_certificate_key $5;
        ssl_protocols TLSv1.3;
        root $3;
        $6
    }
}
CFG
}
