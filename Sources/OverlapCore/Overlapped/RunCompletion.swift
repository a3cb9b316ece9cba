import OverlapSystem

/// Counts a completion as delivered and runs its routine on `thread`. A
/// sampled request takes the other branch (`runSampled`): unsampled ones pay
/// one predictable branch for the latency stamps, and one more for the
/// hazard lab's delays (`runWithHazards`).
@inline(__always)
func runCompletion(_ request: Overlapped, on thread: IOThread) {
    thread.assertOnOwner()
    thread.stats.countDelivered(request.kind, request.mode)
    guard let target = request.target else {
        preconditionFailure("completion of a \(request.kind) request that has no target")
    }
    request.target = nil
    if thread.stats.hazards.delaysHandlers.load(ordering: .relaxed) {
        runWithHazards(request, target, on: thread)
    } else if request.postedAt != 0 {
        runSampled(request, target, on: thread)
    } else {
        target.complete(request, on: thread)
    }
}

/// Runs a sampled request's routine between two stamps, "picked up" (just
/// before the routine starts: waiting behind the rest of a batch or a
/// drained queue counts as notification delay) and "returned", and records
/// its three stages on `thread`: kernel (posted → completed), notify
/// (completed → picked up), handler (picked up → returned). The record is
/// cleared first: the routine usually posts it again. `slowNanos` (the
/// `slow-handler` hazard) is added to the handler, as a blocked thread.
@inline(never)
func runSampled(_ request: Overlapped, _ target: CompletionTarget, on thread: IOThread, slowNanos: UInt64 = 0) {
    var s = LatencyStamps(op: request.kind, mode: request.mode, session: target.sessionID,
                          postedBy: request.postedBy, ranOn: thread.id,
                          posted: request.postedAt, completed: request.completedAt)
    request.postedAt = 0
    request.completedAt = 0
    s.pickedUp = monotonicNanos()
    target.complete(request, on: thread)
    if slowNanos > 0 { blockedSleep(until: monotonicNanos() + slowNanos, on: thread) }
    s.returned = monotonicNanos()
    assert(s.posted <= s.completed && s.completed <= s.pickedUp, "latency stamps out of order: \(s)")
    thread.stats.record(s)
}
