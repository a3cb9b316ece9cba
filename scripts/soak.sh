#!/usr/bin/env bash
# A bounded soak of the release build on both engines (2 minutes by default):
# verified pipelined traffic, connection churn (clean, half-close, reset),
# slow readers and mode switches at once, then the checks: 0 errors, 0
# sessions leaked, every request delivered, RSS back near the start.
#   scripts/soak.sh [SECONDS_PER_ENGINE]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
[ -x .build/release/overlap ] || swift build -c release
rc=0
for engine in uring epoll; do
    .build/release/overlap soak --engine "$engine" --duration "$secs" || rc=1
done
exit $rc
