import Glibc
import OverlapSystem

/// The thread that is running a handler or an engine loop, passed down the call
/// chain so the hot path can count into its own `ThreadStats` without a
/// thread-local lookup.
///
/// Owned by one thread: the one that created it (asserted in debug builds
/// where the hot path uses it: `assertOnOwner`), except the server's control
/// context, which whoever calls `start` and `stop` uses.
package final class IOThread: @unchecked Sendable {
    package let stats: ThreadStats
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
    /// This thread's copy of the hazard lab's delays (`HazardSwitches.view`).
    var hazardView = HazardView()
    /// Set by a notifier whose threads can block as the kernel sees it (a
    /// port worker): called with true before a hazard makes the handler
    /// sleep, false after, so the port can give the running slot away.
    var onBlocking: ((Bool) -> Void)?
    /// Wall time this context spent asleep in a hazard (stall, slow
    /// handler), in nanoseconds since it started: the port visits' busy time
    /// leaves it out, as a thread's own CPU clock does.
    var blockedNanos: UInt64 = 0
    /// skip-on-success: requests completed at once by a handler that itself
    /// runs inline, run in turn by the outermost (a loop, not recursion).
    var inlineRuns: [Overlapped] = []
    var runningInline = false

    /// Posts left until the next sampled one (`shouldSample`); never reaches
    /// 0 when sampling is off.
    private var sampleCountdown: Int
    /// xorshift state for the gaps between samples.
    private var sampleRandom: UInt64

    #if DEBUG
    private let owner: pthread_t?
    #endif

    /// - Parameter anyThread: true for the control context (used by whoever
    ///   starts and stops the server); false binds it to the creating thread.
    package init(stats: ThreadStats, anyThread: Bool = false) {
        self.stats = stats
        self.now = monotonicNanos()
        sampleRandom = UInt64(truncatingIfNeeded: stats.id) &* 0x9E37_79B9_7F4A_7C15 | 1
        sampleCountdown = stats.sampleEvery > 0 ? stats.sampleEvery : .max
        scratch.reserveCapacity(4)
        #if DEBUG
        owner = anyThread ? nil : pthread_self()
        #endif
    }

    /// Whether the request this thread posts now is stamped: one in
    /// `stats.sampleEvery` on average. The gaps are random (1 to 2N-1), so a
    /// thread that alternates recv and send samples both. One decrement and
    /// one predictable branch when it is not.
    @inline(__always)
    func shouldSample() -> Bool {
        sampleCountdown &-= 1
        if sampleCountdown != 0 { return false }
        sampleRandom ^= sampleRandom << 13
        sampleRandom ^= sampleRandom >> 7
        sampleRandom ^= sampleRandom << 17
        let n = UInt64(stats.sampleEvery)
        sampleCountdown = Int(1 + sampleRandom % (2 * n - 1))
        return true
    }

    /// True while a trace capture runs: a waiting thread then stamps its waits
    /// (one relaxed load per wait when not).
    @inline(__always)
    var traceWaits: Bool { stats.trace?.isActive ?? false }

    /// Debug builds: traps unless called on the thread that owns this context.
    @inline(__always)
    func assertOnOwner() {
        #if DEBUG
        if let owner { precondition(pthread_equal(owner, pthread_self()) != 0, "\(name) used from another thread") }
        #endif
    }

    var id: Int { stats.id }
    package var name: String { stats.name }
}
