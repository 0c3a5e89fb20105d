#!/usr/bin/env bash
# Makes throw-away certificates for teeproof's demo and tests in DIR (idempotent: files
# that exist are kept). Never use these anywhere else.
#   ca.pem/ca.key                 test CA (ECDSA P-256)
#   server.pem/server.key         localhost + 127.0.0.1, ECDSA P-256, signed by the CA
#   server-rsa.pem/server-rsa.key same names, RSA-2048, signed by the CA
#   wrong.pem/wrong.key           DNS:wrong.example only, signed by the CA
#   untrusted-ca.pem/.key         a second CA that nobody trusts
#   untrusted.pem/untrusted.key   localhost + 127.0.0.1, signed by the untrusted CA
#   expired.pem/expired.key       localhost + 127.0.0.1, signed by the CA, expired in 2020
#   nosan.pem/nosan.key           CN=localhost and no subjectAltName, signed by the CA
set -euo pipefail

die() { echo "error: $*" >&2; exit 1; }
[[ $# -eq 1 && $1 != -* ]] || { echo "error: usage: mkcerts.sh DIR" >&2; exit 2; }
command -v openssl >/dev/null || die "openssl not found"
dir=$1
mkdir -p "$dir" 2>/dev/null || die "cannot create $dir"
cd "$dir"

# One run at a time per directory, so that a cert and its key always belong together.
exec 9>.mkcerts.lock
flock -w 30 9 || die "timed out waiting for another mkcerts.sh in $dir"
work=$(mktemp -d .mkcerts.XXXXXX)
trap 'rm -rf "$work"' EXIT
log=$work/log

run() { "$@" >>"$log" 2>&1 || { cat "$log" >&2; die "openssl failed: $*"; }; }
serial() { printf '0x%04x%04x%04x%04x' $RANDOM $RANDOM $RANDOM $RANDOM; }
have() { [[ -s $1.pem && -s $1.key ]]; }

ca_ext="basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash"
leaf_ext() { # SAN ("none": no subjectAltName at all)
  printf '%s\n' "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid"
  [[ $1 == none ]] || printf '%s\n' "subjectAltName=$1"
}

# Moves the new files into place, the key first (a reader checks for the .pem).
install_pair() { # name
  chmod 600 "$work/$1.key"
  mv -f "$work/$1.key" "$1.key"
  mv -f "$work/$1.pem" "$1.pem"
}

newkey() { # name ec|rsa
  if [[ $2 == rsa ]]; then
    run openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/$1.key"
  else
    run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/$1.key"
  fi
}

make_ca() { # name cn leaves...: a new CA makes its old leaves useless, so they go
  have "$1" && return 0
  local l
  for l in "${@:3}"; do rm -f "$l.pem" "$l.key"; done
  newkey "$1" ec
  run openssl req -new -x509 -key "$work/$1.key" -out "$work/$1.pem" -days 3650 -sha256 \
    -subj "/O=teeproof tests/CN=$2" -set_serial "$(serial)" -extensions v3 \
    -config <(printf '[req]\ndistinguished_name=dn\n[dn]\n[v3]\n%s\n' "$ca_ext")
  install_pair "$1"
}

make_leaf() { # name ca keytype cn san
  have "$1" && return 0
  newkey "$1" "$3"
  run openssl req -new -key "$work/$1.key" -out "$work/$1.csr" -subj "/O=teeproof tests/CN=$4" \
    -config <(printf '[req]\ndistinguished_name=dn\n[dn]\n')
  leaf_ext "$5" >"$work/$1.ext"
  run openssl x509 -req -in "$work/$1.csr" -CA "$2.pem" -CAkey "$2.key" -set_serial "$(serial)" \
    -days 825 -sha256 -extfile "$work/$1.ext" -out "$work/$1.pem"
  install_pair "$1"
}

# `openssl x509` in 3.0 refuses past dates (-days must be positive, no -not_after before
# 3.4), so the expired cert goes through `openssl ca`, which takes explicit dates.
make_expired() {
  have expired && return 0
  newkey expired ec
  run openssl req -new -key "$work/expired.key" -out "$work/expired.csr" \
    -subj "/O=teeproof tests/CN=localhost" -config <(printf '[req]\ndistinguished_name=dn\n[dn]\n')
  : >"$work/index.txt"
  serial | sed 's/^0x//' >"$work/serial"
  cat >"$work/ca.cnf" <<EOF
[ca]
default_ca=test
[test]
database=$work/index.txt
serial=$work/serial
new_certs_dir=$work
default_md=sha256
policy=any
unique_subject=no
[any]
commonName=supplied
[v3]
$(leaf_ext "DNS:localhost,IP:127.0.0.1")
EOF
  run openssl ca -batch -notext -config "$work/ca.cnf" -cert ca.pem -keyfile ca.key \
    -startdate 20200101000000Z -enddate 20200201000000Z -extensions v3 \
    -in "$work/expired.csr" -out "$work/expired.pem"
  install_pair expired
}

local_san="DNS:localhost,IP:127.0.0.1"
make_ca ca "teeproof test CA" server server-rsa wrong expired nosan
make_leaf server ca ec localhost "$local_san"
make_leaf nosan ca ec localhost none
make_leaf server-rsa ca rsa localhost "$local_san"
make_leaf wrong ca ec wrong.example "DNS:wrong.example"
make_ca untrusted-ca "teeproof untrusted test CA" untrusted
make_leaf untrusted untrusted-ca ec localhost "$local_san"
make_expired
