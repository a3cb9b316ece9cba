#!/usr/bin/env bash
# Who runs port mode's completions, and how many thread wakes each message
# costs: for each load scenario, the share of completions port workers ran
# (overlap_completions_total by thread) and the server's voluntary context
# switches (/proc/PID/task/*/status) per echoed message. Loopback only;
# each scenario is bounded by DURATION seconds (default 3).
#
#   scripts/port-share.sh [-b BIN] [-s 1,2,3,4] -- [serve flags...]
#
# e.g. scripts/port-share.sh -- --engine epoll
#      scripts/port-share.sh -- --engine uring --no-engine-joins-port
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release/overlap sel=1,2,3,4
while getopts "b:s:h" o; do
    case $o in
    b) bin=$OPTARG ;;
    s) sel=$OPTARG ;;
    *) sed -n '2,11p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift
[ -x "$bin" ] || swift build -c release
lg=$(../shared/perf/build.sh loadgen 2>/dev/null | tail -1)/loadgen
[ -x "$lg" ] || lg=/tmp/overlap-perf/loadgen
[ -x "$lg" ] || { echo "needs ../shared/perf's loadgen (../shared/perf/build.sh)" >&2; exit 1; }
scen=("1c_64B_d1 1 64 1" "50c_64B_d8 50 64 8" "500c_512B_d1 500 512 1" "10c_16KiB_d4 10 16384 4")
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/ {s+=$2} END {print s+0}'; }
scrape() { curl -sf "http://127.0.0.1:$1/metrics" | awk -F'[{}" ]+' '/^overlap_completions_total/ {print $3, $NF}'; }
printf '%-14s %10s %12s %14s  %s\n' scenario msg/s "worker share" "wakes/message" "completions by thread"
IFS=, read -ra picks <<<"$sel"
for i in "${picks[@]}"; do
    read -r name conns size depth <<<"${scen[$((i - 1))]}"
    port=$(free_port) mport=$(free_port)
    "$bin" serve --headless --mode port --refresh-ms 10000 --port "$port" --metrics-port "$mport" "$@" >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 50); do curl -sf "http://127.0.0.1:$mport/healthz" >/dev/null && break; sleep 0.1; done
    before=$(scrape "$mport"); s0=$(switches "$pid")
    out=$("$lg" --port "$port" --conns "$conns" --size "$size" --depth "$depth" \
        --duration "${DURATION:-3}" --warmup 0 --threads 1 2>/dev/null | grep '^{' | tail -1)
    s1=$(switches "$pid"); after=$(scrape "$mport")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    python3 - "$name" "$out" "$before" "$after" "$s0" "$s1" <<'PY'
import json, sys
name, out, before, after, s0, s1 = sys.argv[1:]
d = json.loads(out)
def parse(t):
    return {l.split()[0]: float(l.split()[1]) for l in t.splitlines() if l.strip()}
b, a = parse(before), parse(after)
delta = {k: a[k] - b.get(k, 0) for k in a if a[k] - b.get(k, 0) > 0}
total = sum(delta.values()) or 1
workers = sum(v for k, v in delta.items() if k.startswith("port-"))
msgs = d["msgs_total"] or 1
by = ", ".join(f"{k} {v / total:.0%}" for k, v in sorted(delta.items(), key=lambda kv: -kv[1]))
print(f"{name:<14} {d['msgs_per_s']:>10.0f} {workers / total:>12.1%} {(int(s1) - int(s0)) / msgs:>14.2f}  {by}")
PY
done
