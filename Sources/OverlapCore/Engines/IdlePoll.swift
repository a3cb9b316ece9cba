import Glibc
import OverlapSystem
import Synchronization

/// Polling before sleeping, for the uring engine thread.
///
/// Right after the engine hands completions to a notifier, the handlers'
/// next requests usually follow within microseconds: polling for them is
/// cheaper than sleeping in the kernel and being woken through the eventfd.
/// The budget adapts: back to `maxNanos` when a poll finds work, halved each
/// time one comes back empty (an idle server soon stops polling). Port
/// workers do not poll: on two cores that was measured to steal the CPU the
/// engine thread and the clients need (docs/PERFORMANCE.md).
final class IdlePoll: Sendable {
    let maxNanos: UInt64
    private let minNanos: UInt64 = 1_000
    private let polling = Atomic<Bool>(false)
    private let budget: Atomic<UInt64>

    init(maxNanos: UInt64) {
        self.maxNanos = maxNanos
        budget = Atomic(maxNanos)
    }

    /// Polls `ready` until it returns true or the budget runs out. Returns
    /// whether it did; false at once when polling is off or another thread polls.
    func poll(until ready: () -> Bool) -> Bool {
        guard maxNanos > 0, !polling.exchange(true, ordering: .acquiring) else { return false }
        defer { polling.store(false, ordering: .releasing) }
        let b = budget.load(ordering: .relaxed)
        let deadline = monotonicNanos() &+ b
        var spins = 0
        while true {
            if ready() {
                budget.store(maxNanos, ordering: .relaxed)
                return true
            }
            spins += 1
            if spins & 63 == 0 && monotonicNanos() > deadline { break }
        }
        budget.store(max(minNanos, b / 2), ordering: .relaxed)
        return false
    }

    /// The default budget: about ten wake-ups' worth; `OVERLAP_IDLE_POLL_US`
    /// overrides it (0 turns polling off) for benchmarking the trade-off.
    static let defaultMaxNanos: UInt64 = {
        if let v = getenv("OVERLAP_IDLE_POLL_US"), let us = UInt64(String(cString: v)) { return us * 1000 }
        return 50_000
    }()
}
