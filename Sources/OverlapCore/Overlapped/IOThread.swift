/// The thread that is running a handler or an engine loop, passed down the call
/// chain so the hot path can count into its own `ThreadStats` without a
/// thread-local lookup.
///
/// Owned by one thread: `now` is written and read only by that thread.
final class IOThread: @unchecked Sendable {
    let stats: ThreadStats
    /// Monotonic time read once per batch of completions: a coarse clock for
    /// session activity that costs no clock read per completion.
    var now: UInt64
    /// Reused to hand a request that completed at once to its notifier
    /// without allocating an array per completion.
    var scratch: [Overlapped] = []
    /// What a mode's notifier keeps on this thread, at `mode.index`, set and
    /// read by that notifier only (an event waiter's own group, the port's
    /// visit on an engine thread). Not a dictionary: read per completion.
    var notifierState: InlineArray<3, AnyObject?> = .init(repeating: nil)

    init(stats: ThreadStats) {
        self.stats = stats
        self.now = monotonicNanos()
        scratch.reserveCapacity(4)
    }

    var id: Int { stats.id }
    var name: String { stats.name }
}
