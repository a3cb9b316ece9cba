#!/usr/bin/env python3
"""Input that arrives while the server is stopped (SIGSTOP), every engine and mode.

While a process is stopped the kernel keeps receiving for it, so when it runs
again one readiness edge stands for everything that arrived. An engine that
takes a short read for "the socket is drained" then waits for an edge that
never comes. Two shapes:

  urgent  100 bytes 'A', one byte with MSG_OOB, 100 bytes 'B': the kernel stops
          a read at the urgent mark, so the first read is short with the 'B's
          behind it. All 200 stream bytes must echo within 1.5 s.
  bursts  4 connections, each a burst of writes of odd sizes (1, 3, 7, ... up to
          about 300 KiB): every byte echoes, in order.

Usage: scripts/stopped-server-test.py path/to/overlap
Prints one line per engine, mode and shape; exits 1 if any failed.
"""
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time

BIN = sys.argv[1] if len(sys.argv) > 1 else ".build/debug/overlap"
ENGINES = ["epoll", "uring"]
MODES = ["event", "callback", "port"]


def start_server(engine, mode):
    p = subprocess.Popen([BIN, "serve", "--headless", "--port", "0", "--engine", engine, "--mode", mode,
                          "--refresh-ms", "10000"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 10
    seen = []
    while time.monotonic() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        seen.append(line)
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        if m:
            return p, int(m.group(1)), ""
    p.kill()
    p.wait()
    return None, 0, "".join(seen)


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def wait_session(s, port):
    # One echo proves the server accepted the connection and posted its recv.
    s.sendall(b"x")
    if s.recv(1) != b"x":
        raise RuntimeError("no echo of the first byte")


def read_exactly(socks, wants, seconds):
    got = [b"" for _ in socks]
    deadline = time.monotonic() + seconds
    for s in socks:
        s.setblocking(False)
    while any(len(g) < len(w) for g, w in zip(got, wants)):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select([s for s, g, w in zip(socks, got, wants) if len(g) < len(w)], [], [], left)
        for s in ready:
            i = socks.index(s)
            try:
                chunk = s.recv(1 << 20)
            except BlockingIOError:
                continue
            if not chunk:
                return got
            got[i] += chunk
    return got


def urgent(server, port):
    s = connect(port)
    wait_session(s, port)
    os.kill(server.pid, signal.SIGSTOP)
    try:
        s.sendall(b"A" * 100)
        s.send(b"!", socket.MSG_OOB)
        s.sendall(b"B" * 100)
        time.sleep(0.2)  # let loopback deliver all of it while the server cannot run
    finally:
        os.kill(server.pid, signal.SIGCONT)
    want = b"A" * 100 + b"B" * 100
    got = read_exactly([s], [want], 1.5)[0]
    s.close()
    if got == want:
        return None
    return "echoed %d of 200 stream bytes (%d 'A', %d 'B') within 1.5 s" % (len(got), got.count(b"A"), got.count(b"B"))


def bursts(server, port):
    socks = [connect(port) for _ in range(4)]
    for s in socks:
        wait_session(s, port)
    wants = []
    os.kill(server.pid, signal.SIGSTOP)
    try:
        for c, s in enumerate(socks):
            data = bytearray()
            size = 1
            n = 0
            while len(data) < 300_000:
                chunk = bytes(((c * 131 + n * 7 + i) % 251) for i in range(size))
                s.sendall(chunk)
                data += chunk
                n += 1
                size = (size * 3 + 4) % 9001 | 1  # odd sizes from 1 byte to about 9 KiB
            wants.append(bytes(data))
        time.sleep(0.2)
    finally:
        os.kill(server.pid, signal.SIGCONT)
    got = read_exactly(socks, wants, 10)
    for s in socks:
        s.close()
    for c, (g, w) in enumerate(zip(got, wants)):
        if g != w:
            same = next((i for i, (a, b) in enumerate(zip(g, w)) if a != b), min(len(g), len(w)))
            return "connection %d: %d of %d bytes echoed, first difference at byte %d" % (c, len(g), len(w), same)
    return None


def main():
    failed = 0
    for engine in ENGINES:
        for mode in MODES:
            server, port, why = start_server(engine, mode)
            if server is None:
                if engine == "uring" and "io_uring" in why:
                    print("skipped: %s %s: %s" % (engine, mode, why.strip().splitlines()[-1]))
                    continue
                print("FAIL: %s %s: server did not start: %s" % (engine, mode, why.strip()))
                failed += 1
                continue
            try:
                for name, case in (("urgent", urgent), ("bursts", bursts)):
                    try:
                        problem = case(server, port)
                    except Exception as e:  # a reset or timeout is a failure to report, not a crash
                        problem = "%s: %s" % (type(e).__name__, e)
                    if problem:
                        failed += 1
                        print("FAIL: %s %s %s: %s" % (engine, mode, name, problem))
                    else:
                        print("ok: %s %s %s" % (engine, mode, name))
            finally:
                os.kill(server.pid, signal.SIGCONT)
                server.send_signal(signal.SIGINT)
                try:
                    server.wait(10)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
                    print("FAIL: %s %s: server did not stop within 10 s of SIGINT" % (engine, mode))
                    failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
