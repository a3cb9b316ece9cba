#!/usr/bin/env bash
# End-to-end checks of the dashboard as a person sees it: the real binary in a
# tmux pane, driven with send-keys and read with capture-pane. Panels, mode
# keys, help, resizing (small, large, too small and back), q, Ctrl-C, SIGTERM, SIGHUP
# and crash signals leaving the terminal sane (bracketed paste off again),
# input that is not a key (modified keys, mouse reports, a paste) taking no
# action under six TERM values, bad TERM values refused with a message.
# Usage: scripts/tui-test.sh [path/to/overlap]
set -u
bin=$(realpath "${1:-.build/debug/overlap}")
# Each start gets its own tmux server: a new one on the socket of one that is
# still shutting down can exit at once ("server exited unexpectedly").
runs=0
sock="overlap-tui-$$-0"
t() { tmux -L "$sock" "$@"; }
pass=0 fail=0
ok() { pass=$((pass + 1)); }
no() { fail=$((fail + 1)); echo "FAIL: $*" >&2; echo "--- pane:" >&2; t capture-pane -p -t ui >&2 2>/dev/null; }
trap 'for i in $(seq 0 $runs); do tmux -L "overlap-tui-$$-$i" kill-server 2>/dev/null; done' EXIT

# wait_grep F|E "pattern" [seconds]: polls the pane until grep -F or -E matches.
wait_grep() {
    local deadline=$((SECONDS + ${3:-8}))
    while [ $SECONDS -lt $deadline ]; do
        t capture-pane -p -t ui 2>/dev/null | grep -q"$1" -- "$2" && return 0
        sleep 0.2
    done
    return 1
}
# wait_for "fixed text" [seconds]: polls the pane until the text shows.
wait_for() { wait_grep F "$1" "${2:-8}"; }
# wait_re "extended regex" [seconds]: polls the pane until a line matches.
wait_re() { wait_grep E "$1" "${2:-8}"; }
# wait_gone "fixed text" [seconds]: polls the pane until the text is gone.
wait_gone() {
    local deadline=$((SECONDS + ${2:-8}))
    while [ $SECONDS -lt $deadline ]; do
        t capture-pane -p -t ui 2>/dev/null | grep -qF -- "$1" || return 0
        sleep 0.2
    done
    return 1
}
check() { if wait_for "$2" "${3:-8}"; then ok; else no "$1: '$2' not shown"; fi; }
header() { t capture-pane -p -t ui | head -1; }
# sane "after what": the terminal modes printed after exit show echo and icanon on.
sane() {
    local deadline=$((SECONDS + 8))
    while [ $SECONDS -lt $deadline ]; do
        t capture-pane -p -t ui | grep -qE -- '^(icanon echo|echo icanon) *$' && { ok; return; }
        sleep 0.2
    done
    no "terminal not sane after $1"
}
# paste_off "after what": once the dashboard has given the terminal back, a
# paste reaches the tty without bracket codes (the line discipline would echo
# them as ^[[200~), so bracketed paste was turned off again.
paste_off() {
    t set-buffer -b after "pasted-after-exit"
    t paste-buffer -p -b after -t ui
    if wait_for "pasted-after-exit" 4 && ! t capture-pane -p -t ui | grep -qF "[200~"; then ok
    else no "bracketed paste still on after $1"; fi
}

# After the program, the pane shows its exit status and the terminal modes.
# start "ENV" ["SHELL PREFIX"]
start() {
    runs=$((runs + 1))
    sock="overlap-tui-$$-$runs"
    t new-session -d -s ui -x 100 -y 30 \
        "${2:-} env $1 '$bin' --port 0; echo EXIT=\$?; stty -a | tr ' ;' '\n\n' | grep -xE -- '-?(echo|icanon)' | tr '\n' ' '; echo; sleep 60"
}

start "TERM=xterm-256color LANG=C.UTF-8"
check "panels" "Pending operations"
check "threads panel" "Threads ("
check "port mode's internals under the Threads title" "port: concurrency"
# The engine row's label: on epoll "engine: I/O done", on io_uring the SQEs it submits a second too.
if t capture-pane -p -t ui | head -1 | grep -qF "│ uring │"; then
    if wait_re "^uring-0 +sub [0-9.]+[kM]?/s, done " 8; then ok; else no "io_uring engine row: no 'sub N/s, done'"; fi
else
    check "the engine row's rate is its own work" "engine: I/O done"
fi
check "sessions panel" "Sessions 0"
check "footer" "q quit"
# Each history graph says what it draws, the top of its scale and its span.
if wait_for "queue 0-" && t capture-pane -p -t ui | grep -qE 'pending 0-[0-9]+ [0-9.]+(ms|s|m[0-9]*s?) .* queue 0-[0-9]+ '; then ok
else no "the graphs should be titled with their scale and span"; fi
for k in 1:EVENT 2:CALLBACK 3:PORT m:EVENT e:EVENT c:CALLBACK p:PORT; do
    t send-keys -t ui "${k%%:*}"
    if wait_for " ${k#*:} " 5 && header | grep -qF " ${k#*:} "; then ok; else no "key ${k%%:*} should show ${k#*:}"; fi
done
t send-keys -t ui c
check "callback mode says why its accept counts under event" "AcceptEx takes no routine"
check "an APC thread row shows routines per alertable wait" "/wait"
t send-keys -t ui p
t send-keys -t ui '?'
check "help opens" "at most 64 events"
t send-keys -t ui NPage
check "PgDn turns help to the glossary" "What the figures mean"
t send-keys -t ui PPage
check "PgUp turns back" "at most 64 events"
t send-keys -t ui Escape
if wait_gone "at most 64 events"; then ok; else no "Esc should close help"; fi

# The hazard lab: l opens it, Enter switches the hazard under the cursor, the
# header names what is on, Esc closes it.
t send-keys -t ui l
check "l opens the hazard lab" "Hazard lab: provoke"
t send-keys -t ui Enter
check "Enter switches slow-handler on, on port mode's first worker" "[on] slow-handler=5@port-0"
check "the header names the hazard" "HAZARD slow-handler"
t send-keys -t ui Down Enter
check "Down, Enter switches lowest-index on" "> [on] lowest-index"
t send-keys -t ui Up Enter
check "Up, Enter switches slow-handler off" "> [  ] slow-handler=5@port-0"
t send-keys -t ui Down Enter Escape
if wait_gone "Hazard lab: provoke"; then ok; else no "Esc should close the lab"; fi
if wait_gone "HAZARD"; then ok; else no "with every hazard off the header shows none"; fi

t resize-window -t ui -x 60 -y 20
check "compact layout at 60x20" "Pending / queued"
t resize-window -t ui -x 200 -y 60
check "full layout at 200x60" "Completion queue"
t resize-window -t ui -x 30 -y 8
check "too small at 30x8" "too small: have 30x8"
t resize-window -t ui -x 100 -y 30
check "recovers from too small" "Pending operations"

t send-keys -t ui q
check "q exits 0" "EXIT=0"
sane q
paste_off q
t kill-server

start "TERM=xterm-256color LANG=C.UTF-8 NO_COLOR=1"
check "starts under NO_COLOR" "Pending operations"
pid=$(pgrep -n -f "$bin --port 0")
kill -TERM "$pid"
check "SIGTERM exits 0" "EXIT=0"
sane SIGTERM
paste_off SIGTERM
t kill-server

# The Latency panel, and t: a trace capture starts (the header says TRACE, the
# footer where it goes), t stops it, and the file is complete trace JSON.
tdir=$(mktemp -d)
start "TERM=xterm-256color LANG=C.UTF-8" "cd '$tdir';"
check "latency panel" "Latency p50 / p99 (1 in 64 sampled)"
t send-keys -t ui t
check "t starts a trace" "trace: writing sampled requests to overlap-trace-"
check "TRACE badge" " TRACE"
t send-keys -t ui t
check "t stops it" "trace stopped"
if wait_gone " TRACE" 8; then ok; else no "TRACE badge after the trace stopped"; fi
t send-keys -t ui q
check "q exits 0 after a trace" "EXIT=0"
tf=$(ls "$tdir"/overlap-trace-*.json 2>/dev/null | head -1)
if [ -n "$tf" ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tf"; then ok
else no "t wrote no complete trace file in $tdir: $(ls "$tdir")"; fi
rm -rf "$tdir"
t kill-server

# Ctrl-C, as a person presses it (SIGINT from the terminal), stops it cleanly.
start "TERM=xterm-256color LANG=C.UTF-8"
check "starts for Ctrl-C" "Pending operations"
t send-keys -t ui C-c
check "Ctrl-C exits 0" "EXIT=0"
sane Ctrl-C
paste_off Ctrl-C
t kill-server

# SIGHUP (the terminal went away) stops cleanly too.
start "TERM=xterm-256color LANG=C.UTF-8"
check "starts for SIGHUP" "Pending operations"
pid=$(pgrep -n -f "$bin --port 0")
kill -HUP "$pid"
check "SIGHUP exits 0" "EXIT=0"
sane SIGHUP
paste_off SIGHUP
t kill-server

# A crash while curses owns the terminal: the fatal signal's handler restores
# the terminal, then the default action ends the process (exit 128+signal).
# SIGILL is what a Swift runtime trap raises on x86_64, SIGSEGV a bad access,
# SIGABRT an abort(); no core file is left behind (ulimit -c 0).
for sig in ILL:132 SEGV:139 ABRT:134; do
    start "TERM=xterm-256color LANG=C.UTF-8" "ulimit -c 0;"
    check "starts for SIG${sig%:*}" "Pending operations"
    pid=$(pgrep -n -f "$bin --port 0")
    kill -"${sig%:*}" "$pid"
    check "SIG${sig%:*} ends it with the signal's status" "EXIT=${sig#*:}"
    sane "SIG${sig%:*}"
    paste_off "SIG${sig%:*}"
    t kill-server
done

# Input that is not a key takes no action (issue 12): under each TERM, modified
# keys whose sequences the terminfo entry may not list (screen has none of
# them, and their digits used to reach the key table as 1 2 3), Alt+digit,
# mouse reports (SGR and X10) and a bracketed paste of "123q". After each, `?`
# is a barrier: help opens only once everything sent before it has been read.
modkeys="S-Up C-Up M-Up S-Down C-Down M-Down S-Left C-Left M-Left S-Right C-Right M-Right S-Home C-Home M-Home S-End C-End M-End
         S-PPage C-PPage M-PPage S-NPage C-NPage M-NPage S-F1 S-F5 S-F10"
# unmoved "after what": the header still shows the start mode, no switch, no pause.
unmoved() {
    t send-keys -t ui '?'
    if ! wait_for "at most 64 events" 4; then
        no "$1: help did not open after it (the dashboard exited, or took the input as keys)"; return
    fi
    local top; top=$(t capture-pane -p -t ui | head -2)
    if grep -qF " PORT " <<<"$top" && grep -qF "switches 0" <<<"$top" && ! grep -qF PAUSED <<<"$top"; then ok
    else no "$1: the header changed"; fi
    t send-keys -t ui Escape
    wait_gone "at most 64 events" 4 || no "$1: Esc did not close help"
}
for term in screen screen-256color xterm-256color tmux-256color linux vt100; do
    start "TERM=$term LANG=C.UTF-8"
    check "$term: starts" "Pending operations"
    # shellcheck disable=SC2086  # one key name per word
    t send-keys -t ui $modkeys
    unmoved "$term: 21 modified keys"
    t send-keys -t ui M-1 M-2 M-3 M-q
    unmoved "$term: Alt+1 Alt+2 Alt+3 Alt+q"
    t send-keys -t ui -l $'\e[<0;10;5M\e[<0;10;5m'
    t send-keys -t ui -H 1b 5b 4d 20 2a 25
    unmoved "$term: mouse click reports (SGR, X10)"
    t set-buffer -b typed '123q'
    t paste-buffer -p -b typed -t ui
    unmoved "$term: pasted 123q"
    t send-keys -t ui 1
    if wait_for "switches 1" 4 && header | grep -qF " EVENT "; then ok; else no "$term: 1 should still switch to EVENT"; fi
    t send-keys -t ui /
    t paste-buffer -p -b typed -t ui
    check "$term: a paste goes into the open filter" "filter sessions: 123q_" 4
    t send-keys -t ui Escape
    wait_gone "filter sessions:" 4 || no "$term: Esc should close the filter"
    t send-keys -t ui q
    check "$term: q exits 0" "EXIT=0" 4
    paste_off "$term: q"
    t kill-server
done

# Port mode on epoll under load (issue 18): the port workers' rows carry the
# handlers (they wait in epoll_wait and run what they find), not the engine.
eport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
runs=$((runs + 1)); sock="overlap-tui-$$-$runs"
t new-session -d -s ui -x 100 -y 30 "env TERM=xterm-256color LANG=C.UTF-8 '$bin' --port $eport --engine epoll; echo EXIT=\$?; sleep 60"
check "port mode on epoll" "port: concurrency"
timeout 30 "$bin" load --port "$eport" --connections 4 --rate 500 --duration 20 --warmup 0 >/dev/null 2>&1 &
loadpid=$!
check "sessions from a load" "Sessions 4,"
if wait_re '^port-[01] +port worker +[1-9][0-9.]*k?/s' 10; then ok
else no "a port worker's row should show the handlers it runs under load"; fi
t send-keys -t ui q
check "q exits 0 after the port-mode load" "EXIT=0"
kill "$loadpid" 2>/dev/null; wait "$loadpid" 2>/dev/null
t kill-server

# Port mode on io_uring under load (issue 18's fallback): the engine's visits
# have their own row, port-v "engine as worker", with the handlers it ran.
# (auto picks io_uring where it works; elsewhere this block checks nothing.)
uport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
runs=$((runs + 1)); sock="overlap-tui-$$-$runs"
t new-session -d -s ui -x 100 -y 30 "env TERM=xterm-256color LANG=C.UTF-8 '$bin' --port $uport; echo EXIT=\$?; sleep 60"
check "port mode, engine auto" "port: concurrency"
if t capture-pane -p -t ui | head -1 | grep -qF "│ uring │"; then
    timeout 30 "$bin" load --port "$uport" --connections 4 --rate 500 --duration 20 --warmup 0 >/dev/null 2>&1 &
    loadpid=$!
    check "sessions from a load (io_uring)" "Sessions 4,"
    if wait_re '^port-v +engine as worker +[1-9][0-9.]*k?/s' 10; then ok
    else no "io_uring: the port-v row should show the handlers the engine ran as a worker"; fi
    kill "$loadpid" 2>/dev/null; wait "$loadpid" 2>/dev/null
fi
t send-keys -t ui q
check "q exits 0 (engine auto)" "EXIT=0"
t kill-server

# Korean (issue 16): LANG names a Korean locale that need not be installed;
# the terminal is UTF-8 either way. The help overlay is Korean, its right
# border stands in one display column on every line (Hangul is two columns),
# no line is wider than the pane; mode keys, the filter with typed Hangul,
# resize and q behave as in English.
# box_ok "after what": the pane's box (help or lab) has one right-border column.
box_ok() {
    if t capture-pane -p -t ui | python3 -c '
import sys, unicodedata
def w(s): return sum(0 if unicodedata.combining(c) else (2 if unicodedata.east_asian_width(c) in "WF" else 1) for c in s)
lines = sys.stdin.read().splitlines()
width = int(sys.argv[1])
assert all(w(l) <= width for l in lines), "a line wider than the pane"
top = next(i for i, l in enumerate(lines) if "┌" in l)
bottom = max(i for i, l in enumerate(lines) if "└" in l)
right = w(lines[top][:lines[top].rfind("┐")])
# The pane'"'"'s bottom-right cell is never written (it would scroll some
# terminals): a box as wide and tall as the pane has no corner there.
last = bottom if right < width - 1 or bottom < len(lines) - 1 else bottom - 1
cols = {w(l[:max(l.rfind(c) for c in "┐│┘")]) for l in lines[top:last + 1]}
assert cols == {right}, "right border in columns %s" % sorted(cols)
' "$2"; then ok; else no "$1: the box's right border moved, or a line overran the pane"; fi
}
kport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
runs=$((runs + 1)); sock="overlap-tui-$$-$runs"
t new-session -d -s ui -x 100 -y 30 "env TERM=xterm-256color LANG=ko_KR.UTF-8 '$bin' --port $kport; echo EXIT=\$?; sleep 60"
check "Korean panels under LANG=ko_KR.UTF-8" "미완료 요청 (pending)"
check "Korean footer key names" "? 도움말"
timeout 40 "$bin" load --port "$kport" --connections 3 --rate 50 --duration 30 --warmup 0 >/dev/null 2>&1 &
loadpid=$!
check "sessions from a load, in Korean" "세션 3,"
for k in 1:EVENT 2:CALLBACK 3:PORT; do
    t send-keys -t ui "${k%%:*}"
    if wait_for " ${k#*:} " 5 && header | grep -qF " ${k#*:} "; then ok; else no "Korean: key ${k%%:*} should show ${k#*:}"; fi
done
# Paused, opening and closing an overlay leaves the screen as it was: no
# half glyph, no stray border where the box cut through Hangul.
t send-keys -t ui ' '
check "Korean pause" "일시정지"
before=$(t capture-pane -p -t ui)
for overlay in "?:이벤트 기반 통지" "l:장애 실습:"; do
    t send-keys -t ui "${overlay%%:*}"
    check "Korean overlay ${overlay%%:*} opens" "${overlay#*:}"
    t send-keys -t ui q
    if wait_gone "${overlay#*:}" && [ "$(t capture-pane -p -t ui)" = "$before" ]; then ok; else
        no "closing overlay ${overlay%%:*} should leave the Korean screen as it was"
        diff <(echo "$before") <(t capture-pane -p -t ui) >&2; fi
done
t send-keys -t ui ' '
if wait_gone "일시정지"; then ok; else no "Korean: space resumes"; fi
t send-keys -t ui '?'
# Each page by its title line, its border checked.
for page in "1:이벤트 기반 통지" "2:각 수치의 뜻 (대괄호" "3:스레드, 세션, 장애 실습" "4:헤더, 세션 표, 이벤트 로그"; do
    [ "${page%%:*}" = 1 ] || t send-keys -t ui NPage
    check "Korean help, page ${page%%:*}" "${page#*:}"
    box_ok "Korean help page ${page%%:*}" 100
done
t send-keys -t ui q
if wait_gone "헤더, 세션 표, 이벤트 로그"; then ok; else no "Korean: q closes help"; fi
t send-keys -t ui l
check "Korean hazard lab" "장애 실습: 모델마다"
box_ok "Korean hazard lab" 100
t send-keys -t ui Escape
if wait_gone "장애 실습:"; then ok; else no "Korean: Esc closes the lab"; fi
# The filter takes Hangul: 수신 (receiving) matches the sessions, 한글 none.
t send-keys -t ui /
t send-keys -t ui -l "수신"
t send-keys -t ui Enter
check "a Hangul filter that matches" "\"수신\" 일치"
if t capture-pane -p -t ui | grep -qE '세션 [1-3] "수신" 일치'; then ok; else no "Korean filter 수신 should match the receiving sessions"; fi
t send-keys -t ui /
t send-keys -t ui BSpace BSpace
t send-keys -t ui -l "한글"
t send-keys -t ui Enter
check "a Hangul filter that matches nothing" "세션 0 \"한글\" 일치"
t resize-window -t ui -x 60 -y 20
check "Korean compact layout at 60x20" "미완료 요청 / 완료 큐"
t send-keys -t ui '?'
check "Korean help at 60x20" "이벤트 기반 통지"
box_ok "Korean help at 60x20" 60
t send-keys -t ui Escape
t resize-window -t ui -x 30 -y 8
check "Korean too small at 30x8, the whole line" "화면 작음 30x8, 필요 50x14"
t resize-window -t ui -x 100 -y 30
check "Korean recovers from too small" "미완료 요청 (pending)"
t send-keys -t ui q
check "Korean: q exits 0" "EXIT=0"
kill "$loadpid" 2>/dev/null; wait "$loadpid" 2>/dev/null
t kill-server
# --lang wins over the locale, both ways.
runs=$((runs + 1)); sock="overlap-tui-$$-$runs"
t new-session -d -s ui -x 100 -y 30 "env TERM=xterm-256color LANG=ko_KR.UTF-8 '$bin' --port 0 --lang en; echo EXIT=\$?; sleep 60"
check "--lang en under a Korean locale" "Pending operations"
t kill-server
runs=$((runs + 1)); sock="overlap-tui-$$-$runs"
t new-session -d -s ui -x 100 -y 30 "env TERM=xterm-256color LANG=C.UTF-8 '$bin' --port 0 --lang ko; echo EXIT=\$?; sleep 60"
check "--lang ko under an English locale" "미완료 요청 (pending)"
t kill-server

# No UTF-8 locale anywhere in the environment: still a readable screen.
start "TERM=xterm-256color LANG= LC_ALL= LC_CTYPE="
check "starts without a UTF-8 locale" "Pending operations"
if t capture-pane -p -t ui | grep -q $'\xef\xbf\xbd'; then no "replacement characters without a UTF-8 locale"; else ok; fi
t send-keys -t ui q
check "q exits 0 without a UTF-8 locale" "EXIT=0"
t kill-server

# A 10x3 terminal from the start: the too-small screen, then q still quits.
runs=$((runs + 1)); sock="overlap-tui-$$-$runs"
t new-session -d -s ui -x 10 -y 3 "env TERM=xterm-256color LANG=C.UTF-8 '$bin' --port 0; echo EXIT=\$?; sleep 60"
check "10x3 shows too small" "too small"
t send-keys -t ui q
t resize-window -t ui -x 40 -y 5
check "q quits from the too-small screen" "EXIT=0"
t kill-server

start "TERM=no-such-terminal"
check "unknown TERM refused" "is unknown to ncurses"
check "unknown TERM exits non-zero" "EXIT=1"
t kill-server
start "TERM=dumb"
check "dumb terminal refused" "cannot move the cursor"
t kill-server

echo "tui: $pass passed, $fail failed"
[ $fail -eq 0 ]
