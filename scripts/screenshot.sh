#!/usr/bin/env bash
# Makes assets/dashboard.png from a real run: the release binary in a tmux
# pane under bounded loopback traffic, captured with its colours
# (capture-pane -e), turned into HTML by aha and photographed by headless
# Chromium. Installs aha and chromium if they are missing (Debian).
# Usage: scripts/screenshot.sh [output.png]
#   SERVE_ARGS="..."  extra serve flags (e.g. a --hazard)
#   KEYS="2 3"        keys sent 3 s apart before the capture (default: 2 then 3)
#   SHOT_LANG=ko      the dashboard's locale is Korean (LANG=ko_KR.UTF-8);
#                     Hangul is drawn in NanumGothicCoding (fonts-nanum-coding)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-assets/dashboard.png}
need=()
command -v aha >/dev/null || need+=(aha)
command -v chromium >/dev/null || need+=(chromium)
fc-list | grep -q DejaVuSansMono || need+=(fonts-dejavu-core)
[ "${SHOT_LANG:-}" != ko ] || fc-list | grep -q NanumGothicCoding || need+=(fonts-nanum-coding)
if [ ${#need[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get install -y "${need[@]}" >/dev/null
fi
[ -x .build/release/overlap ] || swift build -c release
bin=$(realpath .build/release/overlap)
sock="overlap-shot-$$"
port=$((20000 + $$ % 10000))  # below the ephemeral range
work=$(mktemp -d)
trap 'tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$work"' EXIT

tmux -L "$sock" new-session -d -s shot -x 100 -y 32 \
    "env TERM=xterm-256color LANG=$([ "${SHOT_LANG:-}" = ko ] && echo ko_KR.UTF-8 || echo C.UTF-8) '$bin' --port $port --refresh-ms 500 ${SERVE_ARGS:-}"
sleep 1

# Traffic for the picture: 24 connections, uneven sizes, 12 s at most.
python3 - "$port" <<'PY' &
import socket, sys, time, random
port = int(sys.argv[1])
conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(24)]
end = time.time() + 12
rng = random.Random(7)
while time.time() < end:
    for i, c in enumerate(conns):
        n = 64 << (i % 8)
        c.sendall(bytes(n))
        got = 0
        while got < n:
            got += len(c.recv(n - got))
PY
load=$!
# By default: callback mode (skew shows in the thread panel), then back to port mode.
for key in ${KEYS-2 3}; do
    sleep 3
    tmux -L "$sock" send-keys -t shot "$key"
done
sleep 3
tmux -L "$sock" capture-pane -e -p -t shot > "$work/pane.ansi"
wait "$load" || true

aha --black --title overlap < "$work/pane.ansi" \
    | sed 's|<pre>|<pre style="font-family: DejaVu Sans Mono, monospace; font-size: 14px; line-height: 1.2; margin: 8px">|' \
    | python3 -c '
import re, sys
# A wide character (Hangul) takes exactly two cells of the monospace grid,
# whatever the advance of the font that has its glyph (the outer span measures
# ch in the grid font, the inner one draws the glyph).
wide = lambda m: "".join("<span style=\"display:inline-block;width:2ch\"><span style=\"font-family:NanumGothicCoding\">%s</span></span>" % c for c in m.group(0))
sys.stdout.write(re.sub("[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60]+", wide, sys.stdin.read()))
' > "$work/pane.html"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=900,640 \
    --screenshot="$work/shot.png" "file://$work/pane.html" >/dev/null 2>&1
mkdir -p "$(dirname "$out")"
cp "$work/shot.png" "$out"
echo "wrote $out"
