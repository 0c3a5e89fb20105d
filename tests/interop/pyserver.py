#!/usr/bin/env python3
"""A python3 ssl HTTPS server for `make interop`: serves files from a directory on
127.0.0.1 with a chosen TLS version range and key exchange group, and a response framing:
Content-Length ("plain"), chunked ("chunked") or gzip-compressed and chunked ("gzip").
Prints "listening on 127.0.0.1:PORT" once it accepts connections."""
import argparse
import gzip
import http.server
import os
import ssl
import sys

VERSIONS = {"1.3": ("TLSv1_3", "TLSv1_3"), "1.2": ("TLSv1_2", "TLSv1_2"),
            "both": ("TLSv1_2", "TLSv1_3")}


def handler_for(root, mode):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def do_GET(self):
            path = os.path.join(root, os.path.basename(self.path.split("?")[0]))
            try:
                with open(path, "rb") as f:
                    body = f.read()
            except OSError:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            if mode == "gzip":
                body = gzip.compress(body)
                self.send_header("Content-Encoding", "gzip")
            if mode == "plain":
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(body), 16):
                part = body[i:i + 16]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--root", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--versions", choices=VERSIONS, default="both")
    ap.add_argument("--curve", help="the one ECDHE group (e.g. secp384r1)")
    ap.add_argument("--mode", choices=("plain", "chunked", "gzip"), default="plain")
    a = ap.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    lo, hi = VERSIONS[a.versions]
    ctx.minimum_version = getattr(ssl.TLSVersion, lo)
    ctx.maximum_version = getattr(ssl.TLSVersion, hi)
    ctx.load_cert_chain(a.cert, a.key)
    if a.curve:
        ctx.set_ecdh_curve(a.curve)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), handler_for(a.root, a.mode))
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print("listening on 127.0.0.1:%d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
