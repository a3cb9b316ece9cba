import OverlapModel
import Synchronization

/// Up to 64 event objects (`WSA_MAXIMUM_WAIT_EVENTS`) and the one thread that
/// waits on them with `WSAWaitForMultipleEvents`.
///
/// An event is manual-reset: a completion sets its bit and it stays set until
/// the waiter harvests it. The waiter takes *every* set event at each wake,
/// not only the lowest index, so no slot starves another.
final class EventGroup: @unchecked Sendable {
    static let capacity = 64

    let number: Int
    /// Slots whose event belongs to a pending or signalled request. Guarded by
    /// the `EventNotifier`'s lock, which hands slots out and takes them back.
    var used: UInt64 = 0
    /// False once the group is removed (its waiter exits). Same lock.
    var open = true
    /// The waiter's thread id. Same lock.
    var waiterID = -1

    private struct Signals {
        var set: UInt64 = 0
        var requests = [Overlapped?](repeating: nil, count: EventGroup.capacity)
        var sleeping = false
        var stop = false
    }
    private let signals = Mutex(Signals())
    private let wakeup = Wakeup()

    init(number: Int) {
        self.number = number
    }

    /// `WSASetEvent` by the completion of `request`: wakes the waiter if it sleeps.
    func signal(_ request: Overlapped) {
        let slot = request.notifySlot
        let wake = signals.withLock { s in
            precondition(s.requests[slot] == nil, "event \(slot) of group \(number) signalled twice")
            s.requests[slot] = request
            s.set |= 1 << UInt64(slot)
            defer { s.sleeping = false }
            return s.sleeping
        }
        if wake { wakeup.signal() }
    }

    /// Waits until at least one event is set, then takes the completed
    /// request of every set event, lowest slot first, and resets them.
    /// Returns false if told to stop instead.
    func harvest(into batch: inout [Overlapped]) -> Bool {
        while true {
            let got: Bool? = signals.withLock { s in
                if s.set == 0 {
                    if s.stop { return nil }
                    s.sleeping = true
                    return false
                }
                var bits = s.set
                s.set = 0
                while bits != 0 {
                    let i = bits.trailingZeroBitCount
                    batch.append(s.requests[i]!)
                    s.requests[i] = nil
                    bits &= bits - 1
                }
                return true
            }
            switch got {
            case .some(true): return true
            case .some(false): wakeup.wait()
            case .none: return false
            }
        }
    }

    /// Events set and not yet harvested.
    var signalled: Int { signals.withLock { $0.set.nonzeroBitCount } }

    func stop() {
        let wake = signals.withLock { s in
            s.stop = true
            defer { s.sleeping = false }
            return s.sleeping
        }
        if wake { wakeup.signal() }
    }
}

/// Event mode: each pending request owns an event object, and waiter threads
/// wait on groups of at most 64. A group opens when a request finds every
/// existing group full, and closes (its waiter exits) when its last event is
/// gone. A woken waiter runs the handlers of all its signalled events on its
/// own thread.
final class EventNotifier: Sendable {
    private struct State {
        var groups: [EventGroup] = []
        var nextNumber = 0
    }
    private let state = Mutex(State())
    private let registry: StatsRegistry
    private let threads = ThreadList()
    private let gauge = DepthGauge()
    private let wakes = Atomic<Int>(0)

    init(registry: StatsRegistry) {
        self.registry = registry
    }

    /// Gives `request` an event object: in the posting waiter's own group if it
    /// has room (a session keeps its group), else the first group with room,
    /// else a new group with its own waiter thread.
    func attach(_ request: Overlapped, from thread: IOThread) {
        let (group, isNew): (EventGroup, Bool) = state.withLock { s in
            var chosen: EventGroup?
            if let own = thread.eventGroup, own.open, own.used != .max { chosen = own }
            if chosen == nil { chosen = s.groups.first { $0.used != .max } }
            let isNew = chosen == nil
            let g = chosen ?? EventGroup(number: s.nextNumber)
            if isNew {
                s.nextNumber += 1
                s.groups.append(g)
            }
            let slot = (~g.used).trailingZeroBitCount
            g.used |= 1 << UInt64(slot)
            request.notifySlot = slot
            return (g, isNew)
        }
        request.eventGroup = group
        if isNew { spawnWaiter(group) }
    }

    private func spawnWaiter(_ group: EventGroup) {
        let stats = registry.register(name: "event-\(group.number)", role: .eventWaiter(groupSize: 1), mode: .event)
        state.withLock { _ in group.waiterID = stats.id }
        threads.add(OSThread(name: stats.name) { [self] in
            let thread = IOThread(stats: stats)
            thread.eventGroup = group
            run(group: group, thread: thread)
        })
    }

    /// Each completion sets its request's event.
    func deliver(_ requests: ArraySlice<Overlapped>) {
        gauge.added(requests.count)
        for r in requests { r.eventGroup!.signal(r) }
    }

    /// A waiter: wait for any event of the group, harvest every set one, free
    /// their slots, run their handlers, and exit once the group is empty.
    private func run(group: EventGroup, thread: IOThread) {
        var batch: [Overlapped] = []
        while group.harvest(into: &batch) {
            wakes.wrappingAdd(1, ordering: .relaxed)
            let start = monotonicNanos()
            thread.now = start
            gauge.removed(batch.count)
            // The requests are done with their events: those slots are free
            // for the next posts (the handlers below usually take them again).
            var freed: UInt64 = 0
            for r in batch {
                freed |= 1 << UInt64(r.notifySlot)
                r.eventGroup = nil
            }
            state.withLock { _ in group.used &= ~freed }
            for r in batch { runCompletion(r, on: thread) }
            batch.removeAll(keepingCapacity: true)
            thread.stats.add(ThreadStats.Slot.busyNanos, monotonicNanos() &- start)
            let removed = state.withLock { s in
                guard group.used == 0 else { return false }
                group.open = false
                s.groups.removeAll { $0 === group }
                return true
            }
            if removed { break }
        }
        thread.eventGroup = nil
        thread.stats.retire()
    }

    /// Stops any waiter still running (none should be: every request has been
    /// delivered, so every group has emptied) and joins them all.
    func stop() {
        for g in state.withLock({ $0.groups }) { g.stop() }
        threads.joinAll()
    }

    /// Each live waiter with the number of events in its group.
    func roles() -> [Int: ThreadRole] {
        state.withLock { s in
            Dictionary(s.groups.map { ($0.waiterID, ThreadRole.eventWaiter(groupSize: $0.used.nonzeroBitCount)) },
                       uniquingKeysWith: { a, _ in a })
        }
    }

    /// Groups open now, and their sizes (tests, the help text's 64-event limit).
    var groupSizes: [Int] { state.withLock { $0.groups.map(\.used.nonzeroBitCount) } }

    var peakDepth: Int64 { gauge.peak }
    /// Times a waiter woke and harvested (tests).
    var harvests: Int { wakes.load(ordering: .relaxed) }
}
