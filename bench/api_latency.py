#!/usr/bin/env python3
"""api_latency.py SOCKET PATH [N] - the Docker API's own latency: N requests
(default 200), each on a fresh unix connection as the docker CLI makes them;
prints the median and the 90th percentile in ms.  No client start-up in the
figures (the docker CLI's own ~25 ms would hide the servers)."""
import socket
import statistics
import sys
import time

sock, path = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 200
req = f"GET {path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: bench\r\n\r\n".encode()


def one():
    t0 = time.perf_counter()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)
    s.sendall(req)
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(65536)
    head, _, body = buf.partition(b"\r\n\r\n")
    hl = head.lower()
    if b"content-length:" in hl:
        want = int(hl.split(b"content-length:")[1].split(b"\r\n")[0])
        while len(body) < want:
            body += s.recv(65536)
    else:  # chunked: to the last chunk
        while not body.endswith(b"0\r\n\r\n"):
            body += s.recv(65536)
    s.close()
    if not head.startswith(b"HTTP/1.1 200"):
        raise SystemExit(f"{path}: {head.splitlines()[0].decode()}")
    return (time.perf_counter() - t0) * 1000


for _ in range(10):
    one()
t = sorted(one() for _ in range(n))
print(f"{statistics.median(t):.3f} {t[int(len(t) * 0.9)]:.3f}")
