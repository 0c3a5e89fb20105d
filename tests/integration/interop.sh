# make test's run of `make interop`: installs the web servers through scripts/deps.sh interop
# (idempotent; the CI machine starts fresh), then proves and verifies every cell of
# tests/interop/run.sh against nginx, apache2, lighttpd, gnutls-serv, openssl s_server and a
# python3 server on loopback. docs/interop.md is left alone (make interop writes it).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
bash "$ROOT/scripts/deps.sh" interop
TP_INTEROP_DOC=- exec bash "$ROOT/tests/interop/run.sh"
