#!/usr/bin/env bash
# User-space instructions the server spends per echo, counted by valgrind's
# callgrind: deterministic where wall-clock ratios swing on this shared machine.
#
#   scripts/instructions-per-echo.sh [-e epoll] [-m port|event|callback] [-n ECHOES] [-b BIN] [-- SERVE FLAGS...]
#
# Runs the server twice under callgrind, with one connection echoing 64-byte
# messages one at a time (N, then 3N), and prints (I(3N) - I(N)) / 2N: start-up,
# shutdown and idle costs cancel. Idle polling is off (OVERLAP_IDLE_POLL_US=0)
# and the sampler sleeps (--refresh-ms 10000), so spinning does not inflate the
# count. Prints one line: "<instructions per echo> instructions per echo (...)".
# Example: the cost of sampling,
#   scripts/instructions-per-echo.sh -e epoll -- --sample 0
#   scripts/instructions-per-echo.sh -e epoll -- --sample 64
set -euo pipefail
cd "$(dirname "$0")/.."
engine=epoll mode=port n=2000 bin=.build/release/overlap
while getopts "e:m:n:b:h" o; do
    case $o in
    e) engine=$OPTARG ;;
    m) mode=$OPTARG ;;
    n) n=$OPTARG ;;
    b) bin=$OPTARG ;;
    *) sed -n '2,15p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }
# valgrind 3.19 (Debian 12) does not run io_uring: the server's ring never starts under it.
[ "$engine" = epoll ] || { echo "-e $engine: valgrind 3.19 cannot run io_uring; count instructions on epoll" >&2; exit 2; }
[ -x "$bin" ] || { echo "no binary at $bin: run 'make release' or pass -b" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# valgrind 3.19 cannot read Swift's DWARF: a copy without debug info keeps the symbols.
cp "$bin" "$work/overlap" && strip --strip-debug "$work/overlap"

run() {  # $1: echoes, then serve flags; prints the instruction count of the whole server run
    local echoes=$1 out="$work/cg.$1" log="$work/log.$1"
    shift
    OVERLAP_IDLE_POLL_US=0 valgrind --tool=callgrind --callgrind-out-file="$out" \
        "$work/overlap" serve --headless --port 0 --engine "$engine" --mode "$mode" --refresh-ms 10000 "$@" \
        >"$log" 2>&1 &
    local pid=$! port=""
    for _ in $(seq 300); do
        port=$(sed -n 's/^overlap: listening on 127.0.0.1:\([0-9]*\) .*/\1/p' "$log" | head -1)
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { echo "server did not start: $(cat "$log")" >&2; kill $pid; exit 1; }
    python3 - "$port" "$echoes" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=60)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
msg = bytes(range(64))
for _ in range(int(sys.argv[2])):
    s.sendall(msg)
    got = b""
    while len(got) < 64:
        chunk = s.recv(64 - len(got))
        if not chunk:
            sys.exit("server closed the connection")
        got += chunk
    if got != msg:
        sys.exit("echo differs")
s.close()
PY
    kill -INT $pid
    wait $pid || true
    sed -n 's/^summary: \([0-9]*\).*/\1/p' "$out"
}

shift_args=("$@")
a=$(run "$n" ${shift_args[@]+"${shift_args[@]}"})
b=$(run $((3 * n)) ${shift_args[@]+"${shift_args[@]}"})
per=$(( (b - a) / (2 * n) ))
echo "$per instructions per echo ($engine, $mode, 1 connection, 64 B, depth 1; $n and $((3 * n)) echoes: $a and $b instructions${shift_args[*]:+; serve ${shift_args[*]}})"
