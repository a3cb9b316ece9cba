#!/usr/bin/env bash
# Echo throughput with and without junk connections held on the metrics port
# (64 idle, 16 sending one byte every 0.5 s): issue 12's question, whether a
# client that never finishes a request can slow the echo. Alternating 3 s
# verifying load runs (50 connections, depth 8), 3 pairs; prints each pair's
# msg/s and junk/none ratio. Loopback only, about 40 s.
# Usage: scripts/junk-metrics-ab.sh [path/to/overlap] [uring|epoll]
set -euo pipefail
bin=${1:-.build/release/overlap}; engine=${2:-uring}
p=27950; m=27951
$bin serve --headless --engine $engine --port $p --metrics-port $m >/dev/null 2>&1 & sp=$!
sleep 1
run() { $bin load --port $p --connections 50 --depth 8 --duration 3 --warmup 1 --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["msgs_per_s"])'; }
for i in 1 2 3; do
  a=$(run)
  python3 - $m <<'PY' & jp=$!
import socket, sys, time
port = int(sys.argv[1])
idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(64)]
trick = [socket.create_connection(("127.0.0.1", port)) for _ in range(16)]
end = time.time() + 6
while time.time() < end:
    for s in trick:
        try: s.send(b"G")
        except OSError: pass
    time.sleep(0.5)
PY
  sleep 0.5
  b=$(run)
  kill $jp 2>/dev/null || true; wait $jp 2>/dev/null || true
  echo "pair $i: none $a junk $b ratio $(python3 -c "print(round($b/$a,3))")"
done
kill -INT $sp; wait $sp || true
