import Synchronization

/// Frees objects other threads may still hold raw pointers to, once every
/// thread that could hold one has moved on (epoch-based reclamation).
///
/// Here: sockets detached from the epoll engine. Several threads wait on one
/// epoll instance (the engine thread, and port workers that wait in the
/// kernel); an event returned just before a socket was removed can still
/// name it while its thread works through the events. Each such thread
/// announces the global epoch before every wait; a socket retired at epoch e
/// is freed once every registered thread has announced an epoch above e,
/// which it does only after it finished the events of its previous wait. A
/// thread blocked in a long wait holds back frees until it wakes (memory,
/// never safety). Any thread.
final class EpochReclaimer<Object: AnyObject & Sendable>: Sendable {
    /// One thread's announcement.
    final class Epoch: Sendable {
        fileprivate let value = Atomic<UInt64>(0)
    }

    private struct State {
        var threads: [Epoch] = []
        var retired: [(object: Object, epoch: UInt64)] = []
    }
    private let state = Locked(State())
    private let global = Atomic<UInt64>(1)
    /// Retired and not freed: lets `announce` skip the lock when there is nothing to free.
    private let pending = Atomic<Int>(0)
    private let free: @Sendable (Object) -> Void

    /// `free` runs (on some thread that announces) once no thread can hold `object`.
    init(free: @escaping @Sendable (Object) -> Void) {
        self.free = free
    }

    /// A thread that may hold objects between its waits starts taking part.
    func register(_ epoch: Epoch) {
        epoch.value.store(global.load(ordering: .acquiring), ordering: .releasing)
        state.withLock { $0.threads.append(epoch) }
    }

    /// The thread takes no more part (it holds nothing any more).
    func unregister(_ epoch: Epoch) {
        state.withLock { $0.threads.removeAll { $0 === epoch } }
        reclaim()
    }

    /// Called by a registered thread before each wait: it holds nothing from
    /// before. Frees what no thread can hold any more. One atomic load and
    /// one store when nothing is waiting to be freed.
    @inline(__always)
    func announce(_ epoch: Epoch) {
        epoch.value.store(global.load(ordering: .acquiring), ordering: .releasing)
        if pending.load(ordering: .relaxed) > 0 { reclaim() }
    }

    /// `object` may still be named by a thread's current events: keep it
    /// until every thread has announced past now.
    func retire(_ object: Object) {
        let e = global.wrappingAdd(1, ordering: .acquiringAndReleasing).oldValue
        state.withLock { $0.retired.append((object, e)) }
        pending.wrappingAdd(1, ordering: .relaxed)
        reclaim()
    }

    private func reclaim() {
        let freeable: [Object] = state.withLock { s in
            let oldest = s.threads.map { $0.value.load(ordering: .acquiring) }.min() ?? .max
            var out: [Object] = []
            s.retired.removeAll { r in
                guard r.epoch < oldest else { return false }
                out.append(r.object)
                return true
            }
            return out
        }
        if !freeable.isEmpty {
            pending.wrappingSubtract(freeable.count, ordering: .relaxed)
            for o in freeable { free(o) }
        }
    }

    /// Frees everything (no thread is left that could hold anything).
    func releaseAll() {
        let all = state.withLock { s in
            defer { s.retired.removeAll() }
            return s.retired.map(\.object)
        }
        for o in all { free(o) }
    }
}
