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
    /// Set on an event waiter: the group it waits on, where requests its
    /// handlers post get their event objects when there is room.
    var eventGroup: EventGroup?
    /// Set on an engine thread: it runs its share of the port-mode
    /// completions it delivers when a worker slot is free (`PortNotifier.deliver`).
    var portVisit: PortVisit?

    init(stats: ThreadStats) {
        self.stats = stats
        self.now = monotonicNanos()
        scratch.reserveCapacity(4)
    }

    var id: Int { stats.id }
    var name: String { stats.name }
}
