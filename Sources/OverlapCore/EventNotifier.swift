import OverlapModel
import OverlapThreads
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
    private struct Slots {
        /// Slots whose event belongs to a pending or signalled request.
        var used: UInt64 = 0
        /// False once the group is removed (its waiter exits).
        var open = true
    }
    /// The group's own lock for its slots, so that a waiter re-posting into its
    /// own group does not contend with the other waiters. Lock order: the
    /// notifier's list lock first, then a group's.
    private let slots = Locked(Slots())
    /// The waiter's thread id (set once, before the waiter runs).
    let waiterID = Atomic<Int>(-1)

    private struct Signals {
        var set: UInt64 = 0
        var requests = [Overlapped?](repeating: nil, count: EventGroup.capacity)
        var sleeping = false
        var stop = false
    }
    private let signals = Locked(Signals())
    private let wakeup = Wakeup()

    init(number: Int) {
        self.number = number
    }

    /// Takes the lowest free slot, or nil if the group is full or removed.
    func takeSlot() -> Int? {
        slots.withLock { s in
            guard s.open, s.used != .max else { return nil }
            let slot = (~s.used).trailingZeroBitCount
            s.used |= 1 << UInt64(slot)
            return slot
        }
    }

    func freeSlots(_ bits: UInt64) { slots.withLock { $0.used &= ~bits } }

    /// Closes the group if it has no event left; true if it did.
    func closeIfEmpty() -> Bool {
        slots.withLock { s in
            guard s.used == 0 else { return false }
            s.open = false
            return true
        }
    }

    var size: Int { slots.withLock { $0.used.nonzeroBitCount } }

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
    private let state = Locked(State())
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
        if let own = thread.eventGroup, let slot = own.takeSlot() {
            request.notifySlot = slot
            request.eventGroup = own
            return
        }
        let (group, slot, isNew): (EventGroup, Int, Bool) = state.withLock { s in
            for g in s.groups {
                if let slot = g.takeSlot() { return (g, slot, false) }
            }
            let g = EventGroup(number: s.nextNumber)
            s.nextNumber += 1
            s.groups.append(g)
            return (g, g.takeSlot()!, true)
        }
        request.notifySlot = slot
        request.eventGroup = group
        if isNew { spawnWaiter(group) }
    }

    private func spawnWaiter(_ group: EventGroup) {
        let stats = registry.register(name: "event-\(group.number)", role: .eventWaiter(groupSize: 1), mode: .event)
        group.waiterID.store(stats.id, ordering: .relaxed)
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
        thread.stats.bindCPUClock()  // busy share is this thread's CPU time
        var batch: [Overlapped] = []
        while group.harvest(into: &batch) {
            wakes.wrappingAdd(1, ordering: .relaxed)
            thread.now = monotonicNanos()
            gauge.removed(batch.count)
            // The requests are done with their events: those slots are free
            // for the next posts (the handlers below usually take them again).
            var freed: UInt64 = 0
            for r in batch {
                freed |= 1 << UInt64(r.notifySlot)
                r.eventGroup = nil
            }
            group.freeSlots(freed)
            for r in batch { runCompletion(r, on: thread) }
            batch.removeAll(keepingCapacity: true)
            if group.size == 0 {
                let removed = state.withLock { s in
                    guard group.closeIfEmpty() else { return false }
                    s.groups.removeAll { $0 === group }
                    return true
                }
                if removed { break }
            }
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
            Dictionary(s.groups.map { ($0.waiterID.load(ordering: .relaxed), ThreadRole.eventWaiter(groupSize: $0.size)) },
                       uniquingKeysWith: { a, _ in a })
        }
    }

    /// Groups open now, and their sizes (tests, the help text's 64-event limit).
    var groupSizes: [Int] { state.withLock { $0.groups.map(\.size) } }

    var peakDepth: Int64 { gauge.peak }
    /// Times a waiter woke and harvested (tests).
    var harvests: Int { wakes.load(ordering: .relaxed) }
}
