#!/usr/bin/env bash
# The core's tests under a sanitizer, in their own scratch path (a clean
# build there takes several minutes; later runs are incremental):
#
#   scripts/sanitize.sh thread    ThreadSanitizer, scratch .build-tsan
#   scripts/sanitize.sh address   AddressSanitizer + LeakSanitizer, scratch .build-asan
#
# The thread build defines OVERLAP_TSAN, which makes the core's locks pthread
# mutexes (see Sources/OverlapCore/System/Locked.swift): TSan cannot see
# Synchronization.Mutex on Linux. The address build defines OVERLAP_ASAN, which
# skips the one RSS bound (ASan's shadow and quarantine dwarf what it measures).
# Exits 1 if a sanitizer reports anything or
# a test fails; the report is kept in .build-<kind>.log.
set -uo pipefail
cd "$(dirname "$0")/.."
kind=${1:-thread}
case $kind in
thread) flags=(-Xswiftc -DOVERLAP_TSAN) scratch=.build-tsan ;;
address) flags=(-Xswiftc -DOVERLAP_ASAN) scratch=.build-asan ;;
*) sed -n '2,13p' "$0"; exit 2 ;;
esac
scripts/deps.sh || exit 1
log=.build-$kind.log
# Only the core's tests: the dashboard, load and metrics tests do not share
# the core's threads, and each sanitizer run of everything would double the time.
export TSAN_OPTIONS="halt_on_error=0 history_size=4 ${TSAN_OPTIONS:-}"
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp print_suppressions=0 ${LSAN_OPTIONS:-}"
swift test --sanitize="$kind" --scratch-path "$scratch" "${flags[@]}" --no-parallel \
    --filter OverlapCoreTests 2>&1 | grep -v "Cannot export local symbol" | tee "$log"
status=${PIPESTATUS[0]}
reports=$(grep -cE "WARNING: ThreadSanitizer|ERROR: (Address|Leak)Sanitizer" "$log")
echo "sanitize $kind: tests exit $status, $reports sanitizer reports (log: $log)"
[ "$status" -eq 0 ] && [ "$reports" -eq 0 ]
