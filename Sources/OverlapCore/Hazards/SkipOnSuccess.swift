import OverlapSystem

/// The `skip-on-success` hazard (FILE_SKIP_COMPLETION_PORT_ON_SUCCESS): a
/// port-mode request an engine completes at once runs its handler here, on
/// the posting thread, instead of through the port. A handler that
/// posts a request that also completes at once does not recurse: the
/// outermost call runs them in turn (DESIGN §7: the one allowed exception to
/// "handlers run where the mode says", and it loops).
///
/// The epoll engine completes at once whatever the socket can take; the
/// io_uring engine only a send posted while its thread is idle (the rest
/// goes through the ring), so there the hazard acts at light load.
@inline(never)
func runInline(_ request: Overlapped, on thread: IOThread) {
    thread.inlineRuns.append(request)
    if thread.runningInline { return }
    thread.runningInline = true
    var i = 0
    while i < thread.inlineRuns.count {
        let next = thread.inlineRuns[i]
        i += 1
        thread.now = monotonicNanos()  // a long chain must not leave sessions' activity stale
        runCompletion(next, on: thread)
        thread.stats.add(ThreadStats.Slot.inlineRuns)
    }
    thread.inlineRuns.removeAll(keepingCapacity: true)
    thread.runningInline = false
}
