#!/usr/bin/env bash
# `make interop`: proves and verifies against real web servers on loopback, one line per
# cell (server x configuration), and writes the table to docs/interop.md. Servers: nginx,
# apache2, lighttpd, gnutls-serv, openssl s_server and a python3 ssl server, each with a
# throw-away certificate from scripts/mkcerts.sh, configured for TLS 1.3 only / 1.2 only /
# both, one key exchange group (X25519, P-256, P-384, P-521, X448, ffdhe2048), an ECDSA or
# RSA certificate, and chunked / gzip responses where the server does them; plus servers
# the notary cannot replay, which must be refused with the named error and no proof.
# Servers run in the foreground from config files in a temp dir (nothing in /etc, no
# system service), on high ports. The whole run happens in a private network namespace
# when one can be made (gnutls-serv cannot be bound to 127.0.0.1 only).
#   TP_BUILD       build dir (default build)
#   TP_INTEROP_DOC table output (default docs/interop.md; "-" for none)
#   TP_INTEROP_ONLY run only the servers named in this space-separated list
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

if [[ -z ${TP_INTEROP_NETNS:-} ]] && command -v unshare >/dev/null && unshare -n true 2>/dev/null; then
  exec env TP_INTEROP_NETNS=1 unshare -n bash -c 'ip link set lo up && exec bash "$0" "$@"' "$0" "$@"
fi

BUILD=${TP_BUILD:-build}
[[ $BUILD = /* ]] || BUILD="$ROOT/$BUILD"
BIN="$BUILD/bin"
DOC=${TP_INTEROP_DOC:-$ROOT/docs/interop.md}
TP_WORK_PREFIX=tp-interop
source "$ROOT/scripts/lib/servers.sh"

CELL_TIMEOUT=60      # seconds for one prove or verify
START_TRIES=200      # x 0.05 s waiting for a server's port
GROUPS_13=(X25519 P-256 P-384 P-521 X448 ffdhe2048)
GROUPS_12=(P-384 P-521 X448)   # TLS 1.2 ECDHE groups beyond the default X25519

for b in teeproof teeproof-notary; do [[ -x $BIN/$b ]] || { echo "error: $BIN/$b missing (make build)" >&2; exit 1; }; done
bash "$ROOT/scripts/mkcerts.sh" "$WORK/certs" >/dev/null
CERTS=$WORK/certs
chmod 755 "$WORK"   # apache2's children run as nobody and read the document root
mkdir -p "$WORK/www"
printf '{"data":{"user":{"id":"u-42","score":97},"padding":"%s"}}' "$(printf 'x%.0s' $(seq 1 600))" \
  >"$WORK/www/data.json"
chmod -R a+rX "$WORK/www"

start_server notary "$BIN/teeproof-notary" --listen 127.0.0.1:0 --tee sim --ca-file "$CERTS/ca.pem" \
  --allow-private --allow-port any

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_port PORT PID: until PORT accepts connections (or the server died).
wait_port() {
  local i
  for i in $(seq 1 $START_TRIES); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

cert_files() { # ec|rsa -> CERT KEY
  if [[ $1 == rsa ]]; then CERT=$CERTS/server-rsa.pem KEY=$CERTS/server-rsa.key
  else CERT=$CERTS/server.pem KEY=$CERTS/server.key; fi
}

# ---- one start function per server: VERSIONS(1.3|1.2|both|1.1) CERT GROUP(default|name)
#      FEATURE(plain|gzip|chunked|cbc|...) DIR PORT; runs the server in the background ----
start_s_server() {
  local args=(-accept "127.0.0.1:$6" -WWW -cert "$CERT" -key "$KEY")
  case $1 in 1.3) args+=(-tls1_3) ;; 1.2) args+=(-tls1_2) ;; 1.1) args+=(-tls1_1 -cipher 'DEFAULT:@SECLEVEL=0') ;; esac
  [[ $3 == default ]] || args+=(-groups "$3")
  [[ $4 == cbc ]] && args+=(-cipher ECDHE-ECDSA-AES128-SHA256)
  (cd "$WORK/www" && exec openssl s_server "${args[@]}") >"$5/out" 2>&1 &
}

nginx_protocols() { case $1 in 1.3) echo TLSv1.3 ;; 1.2) echo TLSv1.2 ;; *) echo TLSv1.2 TLSv1.3 ;; esac; }

start_nginx() {
  local d=$5 t
  for t in body proxy fastcgi uwsgi scgi; do mkdir -p "$d/$t"; done
  cat >"$d/nginx.conf" <<EOF
daemon off;
master_process off;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $d/body; proxy_temp_path $d/proxy; fastcgi_temp_path $d/fastcgi;
  uwsgi_temp_path $d/uwsgi; scgi_temp_path $d/scgi;
  types { application/json json; }
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$6 ssl;
    server_name localhost;
    ssl_certificate $CERT;
    ssl_certificate_key $KEY;
    ssl_protocols $(nginx_protocols "$1");
    $([[ $3 == default ]] || echo "ssl_ecdh_curve $3;")
    $([[ $4 == gzip ]] && echo "gzip on; gzip_types application/json; gzip_min_length 1;")
    root $WORK/www;
  }
}
EOF
  nginx -c "$d/nginx.conf" -p "$d/" -e "$d/error.log" >"$d/out" 2>&1 &
}

start_apache2() {
  local d=$5 m=/usr/lib/apache2/modules proto
  case $1 in 1.3) proto='-all +TLSv1.3' ;; 1.2) proto='-all +TLSv1.2' ;; *) proto='-all +TLSv1.2 +TLSv1.3' ;; esac
  cat >"$d/apache2.conf" <<EOF
ServerRoot "$d"
ServerName localhost
Listen 127.0.0.1:$6
PidFile "$d/apache2.pid"
DefaultRuntimeDir "$d"
ErrorLog "$d/error.log"
LogLevel warn
Mutex sem
User nobody
Group nogroup
LoadModule mpm_event_module $m/mod_mpm_event.so
LoadModule authz_core_module $m/mod_authz_core.so
LoadModule mime_module $m/mod_mime.so
LoadModule filter_module $m/mod_filter.so
LoadModule deflate_module $m/mod_deflate.so
LoadModule ssl_module $m/mod_ssl.so
TypesConfig /dev/null
AddType application/json .json
DocumentRoot "$WORK/www"
<Directory "$WORK/www">
  Require all granted
</Directory>
SSLEngine on
SSLCertificateFile "$CERT"
SSLCertificateKeyFile "$KEY"
SSLProtocol $proto
$([[ $3 == default ]] || echo "SSLOpenSSLConfCmd Groups $3")
$([[ $4 == gzip ]] && echo "AddOutputFilterByType DEFLATE application/json")
EOF
  apache2 -f "$d/apache2.conf" -DFOREGROUND >"$d/out" 2>&1 &
}

start_lighttpd() {
  local d=$5 cmds
  case $1 in
    1.3) cmds='"MinProtocol" => "TLSv1.3", "MaxProtocol" => "TLSv1.3"' ;;
    1.2) cmds='"MinProtocol" => "TLSv1.2", "MaxProtocol" => "TLSv1.2"' ;;
    *) cmds='"MinProtocol" => "TLSv1.2"' ;;
  esac
  [[ $3 == default ]] || cmds+=", \"Groups\" => \"$3\""
  cat >"$d/lighttpd.conf" <<EOF
server.modules = ("mod_openssl", "mod_deflate")
server.document-root = "$WORK/www"
server.bind = "127.0.0.1"
server.port = $6
server.pid-file = "$d/lighttpd.pid"
server.errorlog = "$d/error.log"
mimetype.assign = (".json" => "application/json")
ssl.engine = "enable"
ssl.pemfile = "$CERT"
ssl.privkey = "$KEY"
ssl.openssl.ssl-conf-cmd = ($cmds)
$([[ $4 == gzip ]] && echo 'deflate.mimetypes = ("application/json")
deflate.allowed-encodings = ("gzip")')
EOF
  lighttpd -D -f "$d/lighttpd.conf" >"$d/out" 2>&1 &
}

gnutls_group() {
  case $1 in X25519) echo X25519 ;; P-256) echo SECP256R1 ;; P-384) echo SECP384R1 ;;
    P-521) echo SECP521R1 ;; X448) echo X448 ;; ffdhe2048) echo FFDHE2048 ;; esac
}

start_gnutls() {
  local prio=NORMAL:-VERS-ALL
  case $1 in 1.3) prio+=:+VERS-TLS1.3 ;; 1.2) prio+=:+VERS-TLS1.2 ;; *) prio+=:+VERS-TLS1.3:+VERS-TLS1.2 ;; esac
  [[ $3 == default ]] || prio+=":-GROUP-ALL:+GROUP-$(gnutls_group "$3")"
  gnutls-serv --http --httpdata="$WORK/www/data.json" --port="$6" --x509certfile="$CERT" \
    --x509keyfile="$KEY" --priority="$prio" >"$5/out" 2>&1 &
}

start_python() {
  local args=(--root "$WORK/www" --cert "$CERT" --key "$KEY" --versions "$1" --mode "$4")
  case $3 in P-256) args+=(--curve prime256v1) ;; P-384) args+=(--curve secp384r1) ;; P-521) args+=(--curve secp521r1) ;; esac
  python3 "$ROOT/tests/interop/pyserver.py" --port "$6" "${args[@]}" >"$5/out" 2>&1 &
}

# ---- one cell ----
ROWS=()
PASS=0
FAILED=0
CELL=0

manifest() { # PORT FEATURE > manifest
  local hdr='{}'
  [[ $2 == gzip ]] && hdr='{"Accept-Encoding":"gzip"}'
  cat <<EOF
{"manifestVersion":"2","id":"interop","title":"interop","description":"make interop",
 "request":{"method":"GET","url":"https://localhost:$1/data.json","headers":$hdr,"body":""},
 "response":{"status":"200","headers":{},"body":{"format":"json","extractors":[
  {"id":"user","description":"user id","selector":["data","user","id"],"type":"string","required":true,
   "predicates":[{"type":"value","comparison":"equal","value":"u-42","caseSensitive":true}]}]}}}
EOF
}

# The TLS facts of verified claims: "1.3 x25519 TLS_AES_256_GCM_SHA384".
tls_facts() {
  python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["tls"]; v=json.load(open(sys.argv[1]))["values"]
print(t["version"], t["group"], t["cipher_suite"], v.get("user", "-"))' "$1"
}

# cell SERVER VERSIONS CERT GROUP FEATURE [EXPECT_ERROR]
cell() {
  local server=$1 versions=$2 cert=$3 group=$4 feature=$5 expect=${6:-}
  local d="$WORK/cell$((++CELL))" port pid result detail
  mkdir -p "$d"
  chmod 755 "$d"
  cert_files "$cert"
  port=$(free_port)
  "start_$server" "$versions" "$cert" "$group" "$feature" "$d" "$port"
  pid=$!
  local label="$versions $cert $group $feature"
  if ! wait_port "$port" "$pid"; then
    result=FAIL detail="server did not start: $(cat "$d/out" "$d/error.log" 2>/dev/null | tail -c 300 | tr '\n' ' ')"
  else
    manifest "$port" "$feature" >"$d/m.json"
    local rc=0
    timeout $CELL_TIMEOUT "$BIN/teeproof" prove --notary "127.0.0.1:$PORT_notary" --manifest "$d/m.json" \
      --ca-file "$CERTS/ca.pem" --allow-insecure-sim --out "$d/p.json" >"$d/prove.out" 2>"$d/prove.err" || rc=$?
    if [[ -n $expect ]]; then
      if [[ $rc -ne 0 && ! -e $d/p.json ]] && grep -q "\[$expect\]" "$d/prove.err"; then
        result=ok detail="refused as expected [$expect]: $(sed -n 's/^error: //p' "$d/prove.err" | cut -c1-90)"
      else
        result=FAIL detail="expected refusal [$expect], got rc=$rc: $(tail -c 200 "$d/prove.err")"
      fi
    elif [[ $rc -ne 0 ]]; then
      result=FAIL detail="prove: $(sed -n 's/^error: //p' "$d/prove.err" | tail -c 250)"
    elif ! timeout $CELL_TIMEOUT "$BIN/teeproof" verify "$d/p.json" --allow-insecure-sim --manifest "$d/m.json" \
        >"$d/claims.json" 2>"$d/verify.err"; then
      result=FAIL detail="verify: $(tail -c 250 "$d/verify.err")"
    else
      result=ok detail=$(tls_facts "$d/claims.json")
      [[ $detail == *" u-42" ]] || result=FAIL
      detail=${detail% u-42}
    fi
  fi
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  [[ $result == ok ]] && PASS=$((PASS + 1)) || FAILED=$((FAILED + 1))
  printf '%-4s %-9s %-34s %s\n' "$result" "$server" "$label" "$detail"
  ROWS+=("| $server | $versions | $cert | $group | $feature | $result | $detail |")
}

want() { [[ -z ${TP_INTEROP_ONLY:-} || " $TP_INTEROP_ONLY " == *" $1 "* ]]; }

# The matrix every server gets: versions x certificate, each TLS 1.3 group, TLS 1.2 groups.
matrix() { # SERVER [FEATURES...]
  local s=$1 v c g f; shift
  want "$s" || return 0
  for v in 1.3 1.2 both; do for c in ec rsa; do cell "$s" "$v" "$c" default plain; done; done
  for g in "${GROUPS_13[@]}"; do cell "$s" 1.3 ec "$g" plain; done
  for g in "${GROUPS_12[@]}"; do cell "$s" 1.2 ec "$g" plain; done
  for f in "$@"; do cell "$s" both ec default "$f"; cell "$s" 1.2 rsa default "$f"; done
}

T0=$(date +%s)
matrix s_server
matrix nginx gzip
matrix apache2 gzip
matrix lighttpd gzip
matrix gnutls
if want python; then
  for v in 1.3 1.2 both; do for c in ec rsa; do cell python "$v" "$c" default plain; done; done
  for g in P-256 P-384 P-521; do cell python 1.3 ec "$g" plain; cell python 1.2 ec "$g" plain; done
  for f in chunked gzip; do cell python both ec default "$f"; cell python 1.2 rsa default "$f"; done
fi
if want s_server; then # what the notary cannot replay: refused by name, no proof
  cell s_server 1.1 ec default plain tls-unsupported
  cell s_server 1.2 ec default cbc tls-handshake
  cell s_server 1.3 ec ffdhe8192 plain tls-handshake
fi
SECS=$(($(date +%s) - T0))
echo "interop: $PASS ok, $FAILED failed, $((PASS + FAILED)) cells in ${SECS}s"

if [[ $DOC != - ]]; then
  {
    echo "# Interoperability: real servers, proved and verified"
    echo
    echo "Generated by \`make interop\` (tests/interop/run.sh); do not edit by hand. Each row is one"
    echo "cell: the server started on loopback with a throw-away certificate (scripts/mkcerts.sh)"
    echo "in that configuration, then \`teeproof prove\` through a local sim notary and \`teeproof"
    echo "verify\`; the last column is what the verified claims say (TLS version, group, suite), or"
    echo "for servers the notary cannot replay, the error the prover named (and no proof written)."
    echo
    echo "Versions: 1.3 / 1.2 = only that version, both = 1.2 and 1.3. Group: the one group the"
    echo "server accepts (default: its own list). cert: ECDSA P-256 (ec) or RSA-2048 (rsa)."
    echo "Feature: plain, gzip (Content-Encoding, chunked where the server chunks), chunked."
    echo
    echo "Versions: $(nginx -v 2>&1 | sed 's/.*: //'), $(apache2 -v 2>/dev/null | sed -n 's/^Server version: //p'),"
    echo "$(lighttpd -v 2>/dev/null | head -1 | cut -d' ' -f1), gnutls-serv $(gnutls-serv --version 2>/dev/null | head -1 | awk '{print $NF}'),"
    echo "$(openssl version | cut -d' ' -f1-2), $(python3 --version)."
    echo
    echo "Result: $PASS ok, $FAILED failed, $((PASS + FAILED)) cells."
    echo
    echo "| server | versions | cert | group | feature | result | claims / error |"
    echo "|---|---|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
  } >"$DOC"
  echo "interop: table written to ${DOC#$ROOT/}"
fi
[[ $FAILED -eq 0 ]]
