#!/usr/bin/env bash
# Relay throughput (run by bench/run.sh, or alone: bash bench/relay.sh BUILD): one response of
# RELAY_MB (100) MiB from nginx (TLS, a static file) on loopback, fetched
#   - through HAProxy in TCP mode by curl (the baseline: a plain TCP relay), and
#   - through the notary's tunnel by build/bench/bench_relay (a plain TLS client on the
#     prover library: attestation, tunnel, then the same GET; no proof is asked for).
# Both move the same TLS bytes from the same server; the notary also records them and
# carries them in its own TLS channel. Prints medians of RELAY_N (5) runs and the ratio
# (goal: teeproof >= 80% of HAProxy), and the CPU each relay used per response.
# RELAY_NOTARY: another notary binary to measure (e.g. a build before a change). Needs haproxy and nginx (deps.sh scale).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/${1:-build}"
BIN="$BUILD/bin"
MB=${RELAY_MB:-100}
N=${RELAY_N:-7}
TP_WORK_PREFIX=tp-relay
source "$ROOT/scripts/lib/servers.sh"
bash "$ROOT/scripts/deps.sh" scale
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# cpu_ms PID: user+system CPU time the process used so far, in milliseconds.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) * 1000 / hz}' "/proc/$1/stat"; }
# median of the numbers on stdin
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

bash "$ROOT/scripts/mkcerts.sh" "$WORK/certs" >/dev/null
mkdir -p "$WORK/www" "$WORK/nginx"
head -c $((MB << 20)) /dev/urandom >"$WORK/www/big.bin"
size=$((MB << 20))

NPORT=$(free_port)
cat >"$WORK/nginx/nginx.conf" <<CFG
daemon off;
master_process off;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx;
    proxy_temp_path $WORK/nginx;
    fastcgi_temp_path $WORK/nginx;
    uwsgi_temp_path $WORK/nginx;
    scgi_temp_path $WORK/nginx;
    server {
        listen 127.0.0.1:$NPORT ssl;
        server_name localhost;
        ssl_certificate $WORK/certs/server.pem;
        ssl_certificate_key $WORK/certs/server.key;
        ssl_protocols TLSv1.3;
        root $WORK/www;
    }
}
CFG
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" >"$WORK/nginx.out" 2>"$WORK/nginx.err" &
PIDS+=("$!")
wait_port "$NPORT"

HPORT=$(free_port)
cat >"$WORK/haproxy.cfg" <<CFG
defaults
    mode tcp
    timeout connect 2s
    timeout client 330s
    timeout server 330s
frontend relay
    bind 127.0.0.1:$HPORT
    default_backend web
backend web
    server nginx 127.0.0.1:$NPORT
CFG
"$HAPROXY" -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.out" 2>"$WORK/haproxy.err" &
PIDS+=("$!")
HAPROXY_PID=$!
wait_port "$HPORT"

start_server notary "${RELAY_NOTARY:-$BIN/teeproof-notary}" --listen 127.0.0.1:0 --allow-port any --allow-private \
  --tee sim --ca-file "$WORK/certs/ca.pem" --max-transcript $((2 * size)) --memory-budget $((4 * size))

curl_once() {
  curl -sf --cacert "$WORK/certs/ca.pem" --resolve "localhost:$HPORT:127.0.0.1" \
    -o /dev/null -w '%{size_download} %{time_total}\n' "https://localhost:$HPORT/big.bin"
}
relay_once() {
  "$BUILD/bench/bench_relay" "127.0.0.1:$PORT_notary" localhost "$NPORT" /big.bin "$WORK/certs/ca.pem" |
    awk '{print $2, $4}'
}
# rate FN: one run, which must move the whole file (plus headers); prints its MiB/s, and
# appends the client's CPU seconds (user + system) to $WORK/FN.cpu.
rate() {
  local bytes secs TIMEFORMAT='%U %S'
  { time "$1" >"$WORK/run.out"; } 2>>"$WORK/$1.cpu"
  read -r bytes secs <"$WORK/run.out"
  (( bytes >= size )) || { echo "error: $1 moved $bytes bytes, want >= $size" >&2; exit 1; }
  awk -v b="$bytes" -v s="$secs" 'BEGIN {printf "%.1f\n", b / s / 1048576}'
}

curl_once >/dev/null; relay_once >/dev/null # warm up (page cache, first connections)
# Interleaved, so that both see the same load from the rest of the machine.
hcpu=0 ncpu=0
for i in $(seq 1 "$N"); do
  c0=$(cpu_ms "$HAPROXY_PID"); rate curl_once >>"$WORK/h"; c1=$(cpu_ms "$HAPROXY_PID")
  n0=$(cpu_ms "$PID_notary"); rate relay_once >>"$WORK/t"; n1=$(cpu_ms "$PID_notary")
  hcpu=$(awk -v s="$hcpu" -v a="$c0" -v b="$c1" 'BEGIN {print s + b - a}')
  ncpu=$(awk -v s="$ncpu" -v a="$n0" -v b="$n1" 'BEGIN {print s + b - a}')
done
h=$(median <"$WORK/h") t=$(median <"$WORK/t")
echo "relay throughput: $MB MiB response from nginx on loopback, median of $N runs"
printf '%-44s %10s MiB/s\n' "baseline: curl through haproxy (tcp mode)" "$h"
printf '%-44s %10s MiB/s  %5.0f%% of haproxy (goal >= 80%%)\n' "teeproof notary relay (bench_relay)" "$t" \
  "$(awk -v t="$t" -v h="$h" 'BEGIN {print 100 * t / h}')"
client_ms() { awk -v n="$N" '{s += $1 + $2} END {print 1000 * s / n}' "$WORK/$1.cpu"; }
printf '%-44s %10.0f ms\n' "CPU per response: curl (client)" "$(client_ms curl_once)" \
  "CPU per response: bench_relay (client)" "$(client_ms relay_once)"
printf '%-44s %10.0f ms\n' "CPU per response: haproxy" "$(awk -v c="$hcpu" -v n="$N" 'BEGIN {print c / n}')" \
  "CPU per response: teeproof-notary" "$(awk -v c="$ncpu" -v n="$N" 'BEGIN {print c / n}')"
