#!/usr/bin/env python3
"""pty-keys.py CMD... - run CMD on a terminal, type a line (with a lone
ctrl-p in it), then $KEYS (default ctrl-p ctrl-q); print what the terminal
showed and "EXIT <code>" (or "EXIT none" if CMD did not end in 10 s)."""
import os
import pty
import select
import sys
import time

keys = os.environ.get("KEYS", "\x10\x11").encode()
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""


def drain(seconds):
    global out
    end = time.time() + seconds
    while time.time() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return
            if not data:
                return
            out += data


drain(1.0)
os.write(fd, b"echo in-\x10-side\n")
drain(0.7)
os.write(fd, keys)
code = "none"
end = time.time() + 10
while time.time() < end:
    drain(0.1)
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        code = os.waitstatus_to_exitcode(status)
        break
sys.stdout.write(out.decode(errors="replace"))
print("\nEXIT", code)
if code == "none":
    os.kill(pid, 9)
