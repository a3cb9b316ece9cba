import Glibc
import Synchronization

/// Polling before sleeping, shared by the engine thread and the port workers.
///
/// At low load a request's round trip through the threads is shorter than a
/// futex or eventfd wake-up, so a thread that is about to sleep does better
/// to poll for a few microseconds. At high load, on few cores, polling steals
/// the CPU the other threads (and the clients) need. So: at most one thread
/// per `IdlePoll` polls at a time (one for the engine thread, one for all the
/// workers of a port), and the budget adapts: back to `maxNanos` when a poll
/// finds work, halved each time one comes back empty (so an idle server
/// soon stops polling, and a busy one polls only while it pays).
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
