import Glibc

/// The thread that is running a handler or an engine loop, passed down the call
/// chain so the hot path can count into its own `ThreadStats` without a
/// thread-local lookup.
///
/// Owned by one thread: the one that created it (asserted in debug builds
/// where the hot path uses it: `assertOnOwner`), except the server's control
/// context, which whoever calls `start` and `stop` uses.
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

    #if DEBUG
    private let owner: pthread_t?
    #endif

    /// - Parameter anyThread: true for the control context (used by whoever
    ///   starts and stops the server); false binds it to the creating thread.
    init(stats: ThreadStats, anyThread: Bool = false) {
        self.stats = stats
        self.now = monotonicNanos()
        scratch.reserveCapacity(4)
        #if DEBUG
        owner = anyThread ? nil : pthread_self()
        #endif
    }

    /// Debug builds: traps unless called on the thread that owns this context.
    @inline(__always)
    func assertOnOwner() {
        #if DEBUG
        if let owner { precondition(pthread_equal(owner, pthread_self()) != 0, "\(name) used from another thread") }
        #endif
    }

    var id: Int { stats.id }
    var name: String { stats.name }
}
