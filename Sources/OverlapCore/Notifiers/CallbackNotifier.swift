import OverlapModel
import OverlapSystem
import Synchronization

/// Callback mode: alertable I/O with completion routines.
///
/// Each APC thread owns a queue. A request's ticket names the queue of the
/// session that posted it (`Ticket.apc`); its completion routine is queued
/// there and run by that thread only, never by another. The thread sleeps
/// alertably (`SleepEx(INFINITE, TRUE)`) and, once woken, runs everything
/// queued, first-in first-out, before it sleeps again. Sessions are pinned to
/// a thread when accepted (round-robin), so uneven traffic loads threads
/// unevenly: the lesson of this mode.
///
/// AcceptEx takes no completion routine, so the listener's accept cannot be
/// announced through an APC queue. As the course teaches it, its OVERLAPPED
/// carries an event object instead (the ticket is `.event`, so the pending
/// accept counts under event mode) and APC thread `acceptQueue` holds that
/// event in its alertable wait (`WSAWaitForMultipleEvents(..., fAlertable =
/// TRUE)`): a wait returns for the routines queued to the thread, which run
/// first (WSA_WAIT_IO_COMPLETION), or for the event (its index), and then the
/// thread runs the accept's handler itself.
///
/// A queue is a `CompletionPort` with concurrency 1 and one member: FIFO,
/// one consumer, the thread exits on an empty packet.
final class CallbackNotifier: Notifier {
    let mode = NotificationMode.callback
    /// What an APC queue holds: a completion routine, or word that the
    /// AcceptEx event in the thread's alertable wait has been set.
    enum Packet: Sendable {
        case routine(Overlapped)
        case acceptEventSet
    }
    /// The APC thread whose alertable wait holds the AcceptEx event.
    static let acceptQueue = 0
    private let queues: [CompletionPort<Packet>]
    /// The listener's AcceptEx event object (slot 0; one accept is pending at a time).
    private let acceptEvent: EventGroup
    private let registry: StatsRegistry
    private let modes: ModeState
    private let threads = ThreadList()
    private let lifecycle = Locked(())
    private let nextHome = Atomic<Int>(0)
    /// Live APC thread id → its queue, for the thread panel.
    private let owners = Locked<[Int: Int]>([:])

    init(threads: Int, registry: StatsRegistry, modes: ModeState) {
        let queues = (0..<max(1, threads)).map { _ in CompletionPort<Packet>(concurrency: 1, maxBatch: 256) }
        self.queues = queues
        self.registry = registry
        self.modes = modes
        let revive = Locked<(@Sendable () -> Void)?>(nil)
        acceptEvent = EventGroup(number: -1) {
            // The event is set: the waiting APC thread's wait returns for it.
            if !queues[Self.acceptQueue].post(.acceptEventSet) { revive.withLock { $0 }?() }
        }
        revive.withLock { $0 = { [weak self] in self?.revive(Self.acceptQueue) } }
    }

    var threadCount: Int { queues.count }

    /// The APC thread a new session is pinned to: round-robin.
    func nextHomeThread() -> Int {
        nextHome.wrappingAdd(1, ordering: .relaxed).oldValue % queues.count
    }

    /// The routine goes to the APC queue of the posting session's thread;
    /// an accept (which takes no routine) gets the AcceptEx event that APC
    /// thread `acceptQueue` waits on alertably.
    func ticket(for request: Overlapped, home: Int, from thread: IOThread) -> Ticket {
        if request.kind == .accept {
            guard let slot = acceptEvent.takeSlot() else { preconditionFailure("two accepts pending") }
            return .event(acceptEvent, slot: slot)
        }
        return .apc(queue: home)
    }

    func engineThreadStarted(_ thread: IOThread) {}

    /// The accept waiting on the AcceptEx event counts under event mode.
    var pendingCountedElsewhere: Int { acceptEvent.inUse ? 1 : 0 }

    /// Starts a thread for every queue that has none.
    func activate() {
        lifecycle.withLock { _ in
            var started = 0
            for q in queues.indices where queues[q].enlist(upTo: 1) == 1 {
                spawn(q)
                started += 1
            }
            if started > 0 {
                registry.events?.note(.info, started == 1 ? Phrasing(.eventAPCStartedOne) : Phrasing(.eventAPCStartedMany, "\(started)"),
                                      key: "apc-started")
            }
        }
    }

    /// Sends every APC thread away (an empty packet behind its queued routines)
    /// if callback mode is not current and nothing is left in it.
    func retireIfDrained() {
        lifecycle.withLock { _ in
            // The accept posted in callback mode is left too until apc-0 runs it.
            guard queues.contains(where: { $0.members > 0 }), modes.drained(.callback), !acceptEvent.inUse else { return }
            for q in queues { q.retireMembers() }
            registry.events?.note(.info, Phrasing(.eventAPCRetired),
                                  key: "apc-retired")
        }
    }

    /// Starts the thread of one queue if it has none (a late completion).
    private func revive(_ q: Int) {
        lifecycle.withLock { _ in
            if queues[q].enlist(upTo: 1) == 1 { spawn(q) }
        }
    }

    private func spawn(_ q: Int) {
        // A stable name: apc-K is APC queue K, whichever thread serves it now.
        let stats = registry.register(name: "apc-\(q)",
                                      role: .apcThread(queueDepth: 0), mode: .callback)
        owners.withLock { $0[stats.id] = q }
        let worker = CompletionPort<Packet>.Worker(name: stats.name)
        threads.add(OSThread(name: stats.name) { [self] in
            run(queue: queues[q], holdsAcceptEvent: q == Self.acceptQueue, worker: worker, thread: IOThread(stats: stats))
            owners.withLock { _ = $0.removeValue(forKey: stats.id) }
        })
    }

    /// Queues each completion routine to the APC queue its request names.
    func deliver(_ requests: ArraySlice<Overlapped>, from thread: IOThread) -> Int {
        var i = requests.startIndex
        while i < requests.endIndex {
            let q = Self.queue(of: requests[i])
            var j = i + 1
            while j < requests.endIndex && Self.queue(of: requests[j]) == q { j += 1 }
            if !queues[q].post(contentsOf: requests[i..<j].lazy.map { .routine($0) }) { revive(q) }
            i = j
        }
        return 0
    }

    @inline(__always)
    private static func queue(of request: Overlapped) -> Int {
        guard case .apc(let q) = request.ticket else { preconditionFailure("not an APC ticket") }
        return q
    }

    /// Retires every thread and joins them. Every request must have been delivered.
    func stop() {
        lifecycle.withLock { _ in
            for q in queues { q.retireMembers() }
        }
        threads.joinAll()
    }

    /// An APC thread: wait alertably, then run every queued routine in order;
    /// the thread holding the AcceptEx event then runs the accept if its
    /// event was set. Each dequeue is one alertable wait entered; a wait that
    /// returned with routines to run and the event set counts as two (the
    /// routines run first, then the next wait returns the event at once).
    private func run(queue: CompletionPort<Packet>, holdsAcceptEvent: Bool, worker: CompletionPort<Packet>.Worker,
                     thread: IOThread) {
        thread.stats.bindCPUClock()  // busy share is this thread's CPU time
        var batch: [Packet?] = []
        var accepts: [Overlapped] = []
        var exiting = false
        while !exiting {
            worker.stampsWait = thread.traceWaits
            queue.dequeue(worker, into: &batch)
            if worker.waitingSince != 0 { thread.stats.trace?.addWait("SleepEx (alertable)", thread: thread.id, from: worker.waitingSince) }
            thread.now = monotonicNanos()
            thread.stats.add(ThreadStats.Slot.waits)
            var routines = 0
            var eventSet = false
            for packet in batch {
                switch packet {
                case .routine(let request):
                    routines += 1
                    runCompletion(request, on: thread)
                case .acceptEventSet:
                    eventSet = true  // handled below, after every routine of this wait
                case nil:
                    exiting = true
                }
                if exiting { break }
            }
            batch.removeAll(keepingCapacity: true)
            // Only when this wait returned for the event: an event set while the
            // routines above ran is seen by the next wait, after the routines
            // queued meanwhile (APCs are delivered before a wait looks at objects).
            if eventSet && holdsAcceptEvent && acceptEvent.takeSignalled(into: &accepts) > 0 {
                if routines > 0 { thread.stats.add(ThreadStats.Slot.waits) }
                for accept in accepts { runCompletion(accept, on: thread) }
                accepts.removeAll(keepingCapacity: true)
            }
            if !exiting && modes.current != .callback { retireIfDrained() }
        }
        queue.leave(worker)
        registry.retire(thread.stats)
    }

    /// Each live APC thread with the depth of its queue.
    func roles() -> [Int: ThreadRole] {
        owners.withLock { $0 }.mapValues { .apcThread(queueDepth: queues[$0].depth, waitsOnAccept: $0 == Self.acceptQueue) }
    }

}
