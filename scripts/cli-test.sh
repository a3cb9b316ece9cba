#!/usr/bin/env bash
# End-to-end checks of the `overlap serve` command line against the real binary:
# bad flags, a port in use, no terminal, and a clean stop on SIGINT and SIGTERM.
# Usage: scripts/cli-test.sh [path/to/overlap]
set -u
bin=${1:-.build/debug/overlap}
pass=0 fail=0
ok() { pass=$((pass + 1)); }
no() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# expect_error "what" "message fragment" args...: non-zero exit, message on stderr
expect_error() {
    local what=$1 frag=$2; shift 2
    local out rc
    out=$(timeout 10 "$bin" "$@" 2>&1 </dev/null); rc=$?
    if [ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -qF -- "$frag" <<<"$out"; then ok; else
        no "$what: rc=$rc, output: $out"; fi
}

expect_error "bad port" "--port" serve --headless --port 70000
expect_error "non-numeric port" "--port" serve --headless --port abc
expect_error "bad mode" "--mode" serve --headless --mode turbo
expect_error "bad engine" "--engine" serve --headless --engine kqueue
expect_error "bad threads" "--threads" serve --headless --threads 0
expect_error "bad concurrency" "--concurrency" serve --headless --concurrency -1
expect_error "bad max-sessions" "--max-sessions" serve --headless --max-sessions 0
expect_error "bad refresh" "--refresh-ms" serve --headless --refresh-ms 5
expect_error "bad host" "--host" serve --headless --host example.com
expect_error "bad metrics host" "--metrics-host" serve --headless --port 0 --metrics-port 0 --metrics-host example.com
expect_error "metrics host not here" "--metrics-host" serve --headless --port 0 --metrics-port 0 --metrics-host 192.0.2.1
expect_error "bad sample" "--sample" serve --headless --sample -1
expect_error "bad trace seconds" "--trace-seconds" serve --headless --trace-seconds 0
expect_error "trace without sampling" "--sample 0" serve --headless --sample 0 --trace /tmp/x.json
expect_error "unwritable trace file" "/nonexistent/dir/t.json" serve --headless --port 0 --trace /nonexistent/dir/t.json
expect_error "no terminal" "--headless" serve --port 0
expect_error "no terminal: serve's own usage" "Usage: overlap serve" serve --port 0
expect_error "an unknown option is named before the missing terminal" "Unknown option '--bogus'" serve --bogus
expect_error "unknown language" "use one of en, ko" serve --headless --lang xx
if "$bin" serve --help 2>&1 | grep -q -- "--lang <en|ko>"; then ok; else no "serve --help should show --lang"; fi
expect_error "unknown language, default command" "--lang 'fr' is not a language" --lang fr
expect_error "no terminal, default command" "--headless"

# A port in use: the message names the port. Fixed ports here sit below the
# ephemeral range (32768+), so no client connection can be holding them.
python3 - <<'PY' &
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 29931)); s.listen(); time.sleep(5)
PY
holder=$!
sleep 0.5
expect_error "port in use" "29931" serve --headless --port 29931
kill $holder 2>/dev/null; wait $holder 2>/dev/null

# Starts, prints stats lines, stops cleanly with exit 0 on SIGINT and SIGTERM.
for sig in INT TERM; do
    for engine in epoll uring; do
        log=$(mktemp)
        "$bin" serve --headless --port 0 --engine $engine --refresh-ms 100 >"$log" 2>&1 &
        pid=$!
        for _ in $(seq 100); do grep -q "sessions" "$log" && break; sleep 0.05; done
        kill -$sig $pid
        timeout 10 tail --pid=$pid -f /dev/null; wait $pid; rc=$?
        if [ $rc -eq 0 ] && grep -q "stopped" "$log" && grep -q "pending accept" "$log"; then ok
        elif [ $engine = uring ] && grep -q "io_uring" "$log" && grep -q "unavailable\|failed" "$log"; then
            echo "skipped: SIG$sig on uring: $(head -1 "$log")"
        else no "SIG$sig on $engine: rc=$rc, output: $(head -5 "$log")"; fi
        rm -f "$log"
    done
done

# Input that arrives while the server is stopped (SIGSTOP): an urgent byte
# that cuts a read short, and bursts of odd-sized writes; every engine and mode.
out=$(timeout 300 python3 scripts/stopped-server-test.py "$bin" 2>&1); rc=$?
if [ $rc -eq 0 ]; then ok; else no "input while stopped: $(grep -v '^ok' <<<"$out")"; fi

# --trace: a Chrome trace-event JSON file of the sampled requests, complete
# once the capture stops (here at its time limit), with named lanes.
tf=$(mktemp --suffix .json); log=$(mktemp)
"$bin" serve --headless --port 0 --sample 1 --trace "$tf" --trace-seconds 1 --refresh-ms 200 >"$log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "^overlap: listening" "$log" && break; sleep 0.05; done
tport=$(sed -n 's/^overlap: listening on 127.0.0.1:\([0-9]*\) .*/\1/p' "$log" | head -1)
python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1", int(sys.argv[1]))); [ (s.sendall(b"x"), s.recv(1)) for _ in range(20) ]' "${tport:-1}"
for _ in $(seq 100); do grep -q "sampled requests in" "$log" && break; sleep 0.05; done
kill -INT $pid; wait $pid
if python3 - "$tf" <<'PY'
import json, sys
ev = json.load(open(sys.argv[1]))
lanes = {e["tid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
handlers = [e for e in ev if e.get("cat") == "handler"]
starts = {e["id"] for e in ev if e["ph"] == "s"}; ends = {e["id"] for e in ev if e["ph"] == "f"}
assert len(handlers) >= 20 and starts == ends and all(h["tid"] in lanes for h in handlers), (len(handlers), lanes)
assert any(e["name"].startswith("trace stopped: time limit") for e in ev)
PY
then ok; else no "--trace: $(tail -3 "$log")"; fi
rm -f "$tf" "$log"

# --stats-format json: every stdout line is a JSON object with the snapshot.
out=$(timeout 3 "$bin" serve --headless --port 0 --stats-format json --refresh-ms 100 2>/dev/null | head -3)
if python3 -c 'import json,sys; ls=sys.argv[1].splitlines(); assert len(ls)==3; [json.loads(l)["snapshot"]["sessions"] for l in ls]' "$out"; then ok
else no "--stats-format json: $out"; fi

# The JSON lines carry the latency histograms by name, in seconds, with their bucket bounds.
jport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
jlog=$(mktemp)
timeout 20 "$bin" serve --headless --port "$jport" --stats-format json --refresh-ms 200 --sample 1 >"$jlog" 2>/dev/null &
jpid=$!
for _ in $(seq 100); do [ -s "$jlog" ] && break; sleep 0.05; done
timeout 10 "$bin" load --port "$jport" --connections 2 --duration 1 --warmup 0 >/dev/null 2>&1
kill -INT $jpid; wait $jpid
if python3 - "$jlog" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
seen = [l["latencySeconds"] for l in lines if l.get("latencySeconds") and l["latencySeconds"]["notify"]["port"]["window"]["count"] > 0]
assert seen, "no sample with port-mode notify figures"
l = seen[-1]
assert l["bucketBounds"][0] == 1e-06 and l["bucketBounds"][-1] == 1.0, l["bucketBounds"]
for stage in ("notify", "handler"):
    w, t = l[stage]["port"]["window"], l[stage]["port"]["total"]
    assert len(t["cumulativeBuckets"]) == len(l["bucketBounds"]) and t["cumulativeBuckets"] == sorted(t["cumulativeBuckets"]), t
    assert 0 < w["p50"] <= w["p99"] <= w["max"] < 1 and t["count"] >= w["count"] and t["sum"] > 0, (w, t)
assert set(l["kernel"]) == {"accept", "recv", "send"} and l["kernel"]["recv"]["total"]["count"] > 0, l["kernel"]
PY
then ok; else no "--stats-format json latency: $(tail -c 600 "$jlog")"; fi
rm -f "$jlog"

# --metrics-port: the exposition passes promtool; a metrics port in use is named.
log=$(mktemp)
"$bin" serve --headless --port 0 --metrics-port 29933 --refresh-ms 1000 --hazard stall=100/5 >"$log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "metrics on" "$log" && break; sleep 0.05; done
exp=$(python3 -c 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:29933/metrics", timeout=5).read().decode(), end="")')
health=$(python3 -c 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:29933/healthz", timeout=5).read().decode(), end="")')
if [ "$health" = "ok" ]; then ok; else no "/healthz: '$health'"; fi
if ! command -v promtool >/dev/null; then no "promtool is not installed (scripts/deps.sh --test installs it)"
elif out=$(promtool check metrics <<<"$exp" 2>&1) && grep -q "overlap_pending_operations" <<<"$exp"; then ok
else no "promtool check metrics: $out"; fi
# The lab's gauges: the hazard switched on at start reads 1, the others 0; every lint is there.
if grep -q '^overlap_hazard_active{hazard="stall"} 1' <<<"$exp" && grep -q '^overlap_hazard_active{hazard="buffers"} 0' <<<"$exp" \
    && [ "$(grep -c '^overlap_lint_active{' <<<"$exp")" -eq 7 ]; then ok
else no "hazard and lint gauges: $(grep -E 'overlap_(hazard|lint)_active' <<<"$exp")"; fi
expect_error "hazard: more buffers than the pool" "N must be a whole number in 1...512" serve --headless --hazard buffers=1000
expect_error "metrics port in use" "29933" serve --headless --port 0 --metrics-port 29933
kill -INT $pid; wait $pid; rm -f "$log"

# Logging: --log-level debug shows sessions on stderr; --log-file gets the same records.
err=$(mktemp); lf=$(mktemp)
"$bin" serve --headless --port 29934 --log-level debug --log-file "$lf" --refresh-ms 1000 >/dev/null 2>"$err" &
pid=$!
for _ in $(seq 100); do grep -q "listening" "$err" && break; sleep 0.05; done
python3 -c 'import socket; s=socket.create_connection(("127.0.0.1", 29934)); s.sendall(b"hi"); s.recv(2); s.close()'
for _ in $(seq 100); do grep -q "session 1 closed" "$lf" && break; sleep 0.05; done
kill -INT $pid; wait $pid
if grep -q "debug.*session 1 opened" "$err" && grep -q "session 1 closed: peerClosed" "$lf"; then ok
else no "logging: stderr: $(cat "$err"), file: $(cat "$lf")"; fi
rm -f "$err" "$lf"
expect_error "bad log level" "--log-level" serve --headless --log-level loud
expect_error "unwritable log file" "--log-file" serve --headless --port 0 --log-file /nonexistent/dir/x.log

# overlap load: bad flags name the flag; nothing listening is a clear failure.
expect_error "load: size below the header" "--size" load --size 8
expect_error "load: bad rate" "--rate" load --rate 0
expect_error "load: nothing listening" "is a server listening on 127.0.0.1:1?" load --port 1 --duration 1

# The hazard lab: bad --hazard values name what to change; lab needs --check;
# lab --check --short sees each quick signature on both engines.
expect_error "hazard: unknown name" "unknown hazard 'nope': use one of slow-handler=MS@THREAD" serve --headless --hazard nope
expect_error "hazard: unknown thread" "unknown thread 'apc-7'" serve --headless --hazard slow-handler=5@apc-7
expect_error "hazard: out of range" "MS must be a whole number in 1...10000" serve --headless --hazard slow-handler=0@apc-0
expect_error "hazard: stall longer than its period" "must be shorter than the period" serve --headless --hazard stall=1500/1
expect_error "hazard: value where none is taken" "takes no value" serve --headless --hazard lowest-index=1
expect_error "hazard: missing value" "needs a value" serve --headless --hazard buffers
expect_error "lab without --check" "lab needs --check" lab
for e in epoll uring; do
    out=$(timeout 120 "$bin" lab --check --short --engine $e 2>&1); rc=$?
    if [ $rc -eq 0 ] && grep -q "all 4 checks seen" <<<"$out"; then ok; else no "lab --check --short --engine $e: rc=$rc, output: $out"; fi
done

# overlap load against a headless server: exit 0, one JSON object; then a tiny bench
# gives a row for every mode x engine asked for.
log=$(mktemp)
"$bin" serve --headless --port 0 --refresh-ms 1000 >"$log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "^overlap: listening" "$log" && break; sleep 0.05; done
lport=$(sed -n 's/^overlap: listening on 127.0.0.1:\([0-9]*\) .*/\1/p' "$log" | head -1)
out=$(timeout 30 "$bin" load --port "${lport:-1}" --connections 4 --depth 2 --duration 1 --warmup 0.2 --json 2>/dev/null); rc=$?
if [ $rc -eq 0 ] && python3 -c 'import json,sys; d=json.loads(sys.argv[1]); l=d["latency_us"]; assert d["ok"] and d["msgs_per_s"] > 0 and l["p50"] <= l["p99"] <= l["max"]' "$out"; then ok
else no "load --json against overlap: rc=$rc, output: $out, server log: $(head -5 "$log")"; fi
kill -INT $pid 2>/dev/null; wait $pid; rm -f "$log"

# overlap load --rate against a server stopped for 1 s mid-run (SIGSTOP, then
# SIGCONT): the stall shows in p99 from the due time (coordinated omission
# corrected), and the service-time figure is reported beside it, never above it.
log=$(mktemp); res=$(mktemp)
"$bin" serve --headless --port 0 --refresh-ms 1000 >"$log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "^overlap: listening" "$log" && break; sleep 0.05; done
lport=$(sed -n 's/^overlap: listening on 127.0.0.1:\([0-9]*\) .*/\1/p' "$log" | head -1)
timeout 20 "$bin" load --port "${lport:-1}" --rate 200 --connections 1 --duration 3 --warmup 0.5 --json >"$res" 2>/dev/null &
lpid=$!
sleep 1.5; kill -STOP $pid; sleep 1; kill -CONT $pid
wait $lpid; rc=$?
if [ $rc -eq 0 ] && python3 -c '
import json, sys
d = json.loads(sys.argv[1]); l = d["latency_us"]; s = d["service_latency_us"]
assert d["ok"] and l["p99"] >= 500000 and s["p99"] <= l["p99"] and s["p50"] <= l["p50"]' "$(cat "$res")"; then ok
else no "load --rate with the server stopped for 1 s: rc=$rc, output: $(cat "$res")"; fi
kill -INT $pid 2>/dev/null; wait $pid; rm -f "$log" "$res"

err=$(mktemp)
out=$(timeout 120 "$bin" bench --duration 0.3 --scenarios s1 --json 2>"$err"); rc=$?
want=6; grep -q "skipping the uring engine" "$err" && want=3; rm -f "$err"
rows=$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(len({(x["mode"], x["engine"]) for x in r if x["msgs_per_s"] > 0 and not x["errors"]}))' "$out" 2>/dev/null)
if [ $rc -eq 0 ] && [ "$rows" = "$want" ]; then ok
else no "bench: rc=$rc, rows=$rows, output: $out"; fi

# bench --repeat: each cell runs N times; the median lies in the min-max.
out=$(timeout 120 "$bin" bench --duration 0.3 --scenarios s1 --modes port --engines epoll --repeat 2 --json 2>/dev/null); rc=$?
if [ $rc -eq 0 ] && python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert len(r) == 1 and r[0]["runs"] == 2, r
assert r[0]["msgs_per_s_min"] <= r[0]["msgs_per_s"] <= r[0]["msgs_per_s_max"], r
' "$out"; then ok
else no "bench --repeat 2: rc=$rc, output: $out"; fi
expect_error "bench --repeat out of range" "--repeat" bench --repeat 0

# A 2-second soak (the real one is scripts/soak.sh): churn, verified traffic,
# slow readers and mode switches, then nothing leaked and no error.
out=$(timeout 60 "$bin" soak --duration 2 --switch-ms 100 2>/dev/null); rc=$?
if [ $rc -eq 0 ] && grep -q "errors 0, sessions leaked 0, requests left 0, clean stop yes" <<<"$out"; then ok
else no "soak: rc=$rc: $out"; fi

echo "cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
