#!/usr/bin/env python3
"""regproxy.py - a registry front for tests: auth and faults in front of a
real registry (Debian's docker-registry) on 127.0.0.1.

  regproxy.py --upstream 127.0.0.1:5000 --port-file F [options]

  --token USER:PASS   demand bearer tokens; /token hands them out for these
                      basic credentials (or to anyone with --token '')
  --basic USER:PASS   demand basic credentials
  --break-blobs       the first GET of each blob sends half of it, then
                      drops the connection (a client must resume with Range)
  --ignore-range      answer Range requests with the whole blob (200)
  --corrupt-blobs N   flip one byte in every blob of N bytes or more sent
  --slow-blobs BPS    send blobs at about this many bytes a second
  --log FILE          one line per request: METHOD PATH RANGE STATUS

Only loopback: it binds 127.0.0.1 and talks to the upstream given.
"""
import argparse
import base64
import http.client
import http.server
import secrets
import threading
import time

args = None
tokens = set()
broken = set()
lock = threading.Lock()


def log(line):
    if args.log:
        with lock, open(args.log, "a") as f:
            f.write(line + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        log(f"{self.command} {self.path} {self.headers.get('Range', '-')} {status}")

    def basic_ok(self, creds):
        want = "Basic " + base64.b64encode(creds.encode()).decode()
        return self.headers.get("Authorization") == want

    def challenge(self):
        host = f"127.0.0.1:{self.server.server_address[1]}"
        if args.token is not None:
            ch = f'Bearer realm="http://{host}/token",service="test-registry"'
            if self.path.startswith("/v2/") and self.path.count("/") >= 4:
                repo = self.path[4:].rsplit("/", 2)[0]
                ch += f',scope="repository:{repo}:pull"'
            return ch
        return 'Basic realm="test-registry"'

    def authorized(self):
        if args.token is not None:
            a = self.headers.get("Authorization", "")
            return a.startswith("Bearer ") and a[7:] in tokens
        if args.basic is not None:
            return self.basic_ok(args.basic)
        return True

    def do_GET(self):
        if self.path.startswith("/token"):
            if args.token and not self.basic_ok(args.token):
                return self.reply(401, b'{"details":"incorrect username or password"}')
            t = secrets.token_hex(16)
            tokens.add(t)
            body = ('{"token":"%s","expires_in":300}' % t).encode()
            return self.reply(200, body, [("Content-Type", "application/json")])
        if not self.authorized():
            body = b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'
            return self.reply(401, body, [("WWW-Authenticate", self.challenge()),
                                          ("Content-Type", "application/json")])
        self.forward()

    def forward(self):
        up = http.client.HTTPConnection(args.upstream, timeout=60)
        hdrs = {k: v for k, v in self.headers.items()
                if k.lower() in ("accept", "range")}
        blob = "/blobs/sha256:" in self.path
        if blob and args.ignore_range:
            hdrs.pop("Range", None)
            hdrs.pop("range", None)
        up.request("GET", self.path, headers=hdrs)
        r = up.getresponse()
        body = r.read()
        up.close()
        status = r.status
        if blob and status in (200, 206) and args.corrupt_blobs is not None and body \
                and len(body) >= args.corrupt_blobs:
            body = bytes([body[0] ^ 0xFF]) + body[1:]
        cut = False
        if blob and status == 200 and args.break_blobs:
            with lock:
                if self.path not in broken:
                    broken.add(self.path)
                    cut = True
        self.send_response(status)
        for k, v in r.getheaders():
            if k.lower() in ("content-type", "docker-content-digest", "content-range",
                             "accept-ranges", "docker-distribution-api-version", "etag"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        if cut:
            self.send_header("Connection", "close")
        self.end_headers()
        log(f"GET {self.path} {self.headers.get('Range', '-')} {status}{' cut' if cut else ''}")
        if cut:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if blob and args.slow_blobs:
            step = max(1, args.slow_blobs // 20)
            for i in range(0, len(body), step):
                self.wfile.write(body[i:i + step])
                self.wfile.flush()
                time.sleep(0.05)
            return
        self.wfile.write(body)



def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--upstream", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--token")
    p.add_argument("--basic")
    p.add_argument("--break-blobs", action="store_true")
    p.add_argument("--ignore-range", action="store_true")
    p.add_argument("--corrupt-blobs", type=int)
    p.add_argument("--slow-blobs", type=int, default=0)
    p.add_argument("--log")
    args = p.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(args.port_file + ".tmp", args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
