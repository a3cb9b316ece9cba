#!/usr/bin/env bash
# Side-by-side comparison of overlap (release build) with the anchors in
# ../shared/perf: C epoll, C io_uring and SwiftNIO echo servers, same load
# generator, alternating runs (compare.sh), then idle-session capacity (hold.sh).
#
#   scripts/perf-compare.sh [-n PAIRS] [-e uring|epoll] [-m port] [ANCHOR...]
#
# ANCHOR is any of c-epoll c-uring nio hold (default: all). Takes about 3 min
# per anchor with -n 3. Env DURATION/WARMUP as in compare.sh (default 5/1 s).
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=3 engine=uring mode=port
while getopts "n:e:m:h" o; do
    case $o in
    n) pairs=$OPTARG ;;
    e) engine=$OPTARG ;;
    m) mode=$OPTARG ;;
    *) sed -n '2,10p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
anchors=("$@")
[ ${#anchors[@]} -gt 0 ] || anchors=(c-epoll c-uring nio hold)
perf=../shared/perf
[ -d "$perf" ] || { echo "needs ../shared/perf beside this checkout" >&2; exit 1; }
B=$("$perf/build.sh" nio | tail -1)
bin=.build/release/overlap
[ -x "$bin" ] || swift build -c release
ov="$bin serve --headless --engine $engine --mode $mode --refresh-ms 10000 --port {PORT}"
label="ov-$engine"
for a in "${anchors[@]}"; do
    case $a in
    c-epoll) "$perf/compare.sh" -n "$pairs" -a c-epoll -b "$label" "$B/epoll_echo" "$ov" ;;
    c-uring) "$perf/compare.sh" -n "$pairs" -a c-uring -b "$label" "$B/uring_echo" "$ov" ;;
    nio) "$perf/compare.sh" -n "$pairs" -a nio -b "$label" "$B/nio_echo" "$ov" ;;
    hold) "$perf/hold.sh" -l "$label" "$bin serve --headless --engine $engine --mode $mode --refresh-ms 10000 --max-sessions 20000" 10000 ;;
    *) echo "unknown anchor $a" >&2; exit 2 ;;
    esac
done
