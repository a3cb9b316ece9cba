import OverlapModel
import OverlapSystem
import Synchronization

/// Event mode: each pending request owns an event object, and waiter threads
/// wait on groups of at most 64. A group opens when a request finds every
/// existing group full, and closes (its waiter exits) when its last event is
/// gone. A woken waiter runs the handlers of all its signalled events on its
/// own thread.
final class EventNotifier: Notifier {
    let mode = NotificationMode.event
    private struct State {
        var groups: [EventGroup] = []
    }
    private let state = Locked(State())
    private let registry: StatsRegistry
    private let threads = ThreadList()
    private let wakes = Atomic<Int>(0)

    init(registry: StatsRegistry) {
        self.registry = registry
    }

    /// Gives `request` an event object: in the posting waiter's own group if it
    /// has room (a session keeps its group), else the first group with room,
    /// else a new group with its own waiter thread.
    func ticket(for request: Overlapped, home: Int, from thread: IOThread) -> Ticket {
        if let own = thread.notifierState[mode.index], case let group = unsafeDowncast(own, to: EventGroup.self),
           let slot = group.takeSlot() {
            return .event(group, slot: slot)
        }
        let (group, slot, isNew): (EventGroup, Int, Bool) = state.withLock { s in
            for g in s.groups {
                if let slot = g.takeSlot() { return (g, slot, false) }
            }
            // The lowest number no open group has: event-K names group K while it exists.
            let used = Set(s.groups.map(\.number))
            let g = EventGroup(number: (0...).first { !used.contains($0) }!)
            s.groups.append(g)
            return (g, g.takeSlot()!, true)
        }
        if isNew {
            spawnWaiter(group)
            registry.events?.note(.info, group.number == 0
                ? Phrasing(.eventGroupFirstOpened) : Phrasing(.eventGroupOpened, "\(group.number)"),
                key: "group-opened-\(group.number)")
        }
        return .event(group, slot: slot)
    }

    /// Waiters start with the groups that need them.
    func activate() {}

    /// A group's waiter exits when its last event is gone: nothing to send away.
    func retireIfDrained() {}

    func engineThreadStarted(_ thread: IOThread) {}

    private func spawnWaiter(_ group: EventGroup) {
        let stats = registry.register(name: "event-\(group.number)", role: .eventWaiter(groupSize: 1), mode: .event)
        group.waiterID.store(stats.id, ordering: .relaxed)
        threads.add(OSThread(name: stats.name) { [self] in
            let thread = IOThread(stats: stats)
            thread.notifierState[mode.index] = group
            run(group: group, thread: thread)
        })
    }

    /// Each completion sets its request's event; a run of completions for
    /// one group is set under one lock and wakes its waiter once.
    func deliver(_ requests: ArraySlice<Overlapped>, from thread: IOThread) -> Int {
        var i = requests.startIndex
        while i < requests.endIndex {
            guard case .event(let group, _) = requests[i].ticket else { preconditionFailure("not an event ticket") }
            var j = i + 1
            while j < requests.endIndex, case .event(let g, _) = requests[j].ticket, g === group { j += 1 }
            group.signal(requests[i..<j].lazy.map { r in
                guard case .event(_, let slot) = r.ticket else { preconditionFailure("not an event ticket") }
                return (r, slot)
            })
            i = j
        }
        return 0
    }

    /// A waiter: wait for any event of the group, harvest every set one, free
    /// their slots, run their handlers, and exit once the group is empty.
    private func run(group: EventGroup, thread: IOThread) {
        thread.stats.bindCPUClock()  // busy share is this thread's CPU time
        var batch: [Overlapped] = []
        while true {
            let waitStart = thread.traceWaits ? monotonicNanos() : 0
            guard group.harvest(into: &batch, lowestOnly: thread.stats.hazards.lowestIndex.load(ordering: .relaxed))
            else { break }
            thread.stats.add(ThreadStats.Slot.waits)  // one wake, batch.count events harvested
            if waitStart != 0 { thread.stats.trace?.addWait("WSAWaitForMultipleEvents", thread: thread.id, from: waitStart) }
            wakes.wrappingAdd(1, ordering: .relaxed)
            thread.now = monotonicNanos()
            // The requests are done with their events: those slots are free
            // for the next posts (the handlers below usually take them again).
            var freed: UInt64 = 0
            for r in batch {
                guard case .event(_, let slot) = r.ticket else { preconditionFailure("not an event ticket") }
                freed |= 1 << UInt64(slot)
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
                if removed {
                    registry.events?.note(.info, Phrasing(.eventGroupClosed, "\(group.number)"),
                                          key: "group-closed-\(group.number)")
                    break
                }
            }
        }
        thread.notifierState[mode.index] = nil
        registry.retire(thread.stats)
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

    /// Times a waiter woke and harvested (tests).
    var harvests: Int { wakes.load(ordering: .relaxed) }
}
