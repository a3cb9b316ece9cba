import OverlapModel

/// Watches for completions that sit queued while no thread starts a
/// handler: the mark of a stall (every handler thread stopped at once) that
/// the sampled latencies can miss, since a stall catches only the requests
/// in flight (one per session) and one in N of them is stamped. The sampler
/// looks every 50 ms on a grid of its own; a sample takes the longest such
/// stretch of its window, measured between looks: it reads up to 100 ms
/// short and never long (the look that sees the stall begin may have seen
/// a handler start just before it), so a stall of 200 ms or more always
/// reads 100 ms or more. Beside the queue, the engine thread's port visit:
/// one that lasts is a stall whatever the workers do (the engine is the only
/// reaper, so completions wait in the kernel meanwhile), measured from the
/// visit's own start. Sampler thread only.
struct QueueStallWatch {
    private var lastDelivered: UInt64 = 0
    /// When the queue was last seen empty or moving (monotonic ns).
    private var movingAt: UInt64 = 0
    private var longest: UInt64 = 0

    /// One look: the queue's depth and the handled count, read at `now`
    /// (`StatsRegistry.queueTotals`), and since when the io_uring engine
    /// thread has been in a port visit (0: not in one). A visit that
    /// lasts is a stall whatever the queue shows: the engine reaps nothing
    /// meanwhile, and the completions wait in the kernel, unseen.
    mutating func look(queued: Int64, delivered: UInt64, at now: UInt64, engineVisitSince: UInt64 = 0) {
        if queued <= 0 || delivered != lastDelivered || movingAt == 0 {
            lastDelivered = delivered
            movingAt = now
        } else {
            longest = max(longest, now - movingAt)
        }
        if engineVisitSince != 0 && now > engineVisitSince { longest = max(longest, now - engineVisitSince) }
    }

    /// The longest stall seen since the last call (a stall still going on
    /// counts from its start in the next window too).
    mutating func takeLongest() -> UInt64 {
        defer { longest = 0 }
        return longest
    }
}
