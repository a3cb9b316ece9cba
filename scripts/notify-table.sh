#!/usr/bin/env bash
# Notification delay per mode and engine, the figures a teacher would quote:
# for each engine and mode, a headless server under ../shared/perf's
# verifying load generator (s2: 50 connections, 64 B, depth 8; s3: 500
# connections, 512 B, depth 1), and the notify p50/p99 of one full sampling
# window inside the load (every request sampled: --sample 1).
#
#   scripts/notify-table.sh [-b BIN] [-d SECONDS]
#
# Needs the load generator (../shared/perf/build.sh loadgen). Loopback only;
# each run is bounded by -d (default 4) seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release/overlap
dur=4
while getopts "b:d:" o; do
    case $o in
    b) bin=$OPTARG ;;
    d) dur=$OPTARG ;;
    *) sed -n '2,11p' "$0"; exit 2 ;;
    esac
done
loadgen=${LOADGEN:-/tmp/overlap-perf/loadgen}
[ -x "$loadgen" ] || { echo "no load generator at $loadgen: run ../shared/perf/build.sh loadgen" >&2; exit 1; }
[ -x "$bin" ] || { echo "no binary at $bin: run make release" >&2; exit 1; }
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT

printf "%-7s %-9s %-4s %12s %12s %10s\n" engine mode scen "notify p50" "notify p99" "samples"
for engine in uring epoll; do
    for mode in event callback port; do
        for scen in s2 s3; do
            case $scen in
            s2) args=(--conns 50 --size 64 --depth 8) ;;
            s3) args=(--conns 500 --size 512 --depth 1) ;;
            esac
            "$bin" serve --headless --engine $engine --mode $mode --port 0 --sample 1 --refresh-ms 1000 \
                --stats-format json >"$work/stats" 2>"$work/err" &
            pid=$!
            port=""
            for _ in $(seq 100); do
                port=$(sed -n 's/^overlap: listening on 127.0.0.1:\([0-9]*\) .*/\1/p' "$work/err" | head -1)
                [ -n "$port" ] && break
                sleep 0.05
            done
            [ -n "$port" ] || { echo "server did not start: $(cat "$work/err")" >&2; exit 1; }
            "$loadgen" --port "$port" "${args[@]}" --duration "$dur" --warmup 1 >"$work/load" 2>&1 || {
                echo "load failed ($engine $mode $scen): $(tail -3 "$work/load")" >&2; exit 1; }
            kill -INT $pid; wait $pid || true
            # The window with the most sampled handlers in this mode: one inside the load.
            python3 - "$work/stats" "$engine" "$mode" "$scen" <<'PY'
import json, sys
path, engine, mode, scen = sys.argv[1:]
idx = ["event", "callback", "port"].index(mode)
best = None
for line in open(path):
    try:
        lat = json.loads(line)["snapshot"].get("latency")
    except (ValueError, KeyError):
        continue
    if not lat:
        continue
    st = lat["notify"][idx]
    if best is None or st["windowCount"] > best["windowCount"]:
        best = st
if not best or best["windowCount"] == 0:
    print(f"{engine:<7} {mode:<9} {scen:<4} {'-':>12} {'-':>12} {0:>10}")
else:
    us = lambda n: f"{n / 1000:.1f} us"
    print(f"{engine:<7} {mode:<9} {scen:<4} {us(best['p50Nanos']):>12} {us(best['p99Nanos']):>12} {best['windowCount']:>10}")
PY
        done
    done
done
