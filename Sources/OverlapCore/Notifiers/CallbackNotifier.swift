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
/// A queue is a `CompletionPort` with concurrency 1 and one member: FIFO,
/// one consumer, the thread exits on an empty packet.
final class CallbackNotifier: Notifier {
    let mode = NotificationMode.callback
    private let queues: [CompletionPort<Overlapped>]
    private let registry: StatsRegistry
    private let modes: ModeState
    private let threads = ThreadList()
    private let lifecycle = Locked(())
    private let nextHome = Atomic<Int>(0)
    /// Live APC thread id → its queue, for the thread panel.
    private let owners = Locked<[Int: Int]>([:])

    init(threads: Int, registry: StatsRegistry, modes: ModeState) {
        queues = (0..<max(1, threads)).map { _ in CompletionPort(concurrency: 1, maxBatch: 256) }
        self.registry = registry
        self.modes = modes
    }

    var threadCount: Int { queues.count }

    /// The APC thread a new session is pinned to: round-robin.
    func nextHomeThread() -> Int {
        nextHome.wrappingAdd(1, ordering: .relaxed).oldValue % queues.count
    }

    /// The routine goes to the APC queue of the posting session's thread.
    func ticket(for request: Overlapped, home: Int, from thread: IOThread) -> Ticket { .apc(queue: home) }

    func engineThreadStarted(_ thread: IOThread) {}

    /// Starts a thread for every queue that has none.
    func activate() {
        lifecycle.withLock { _ in
            for q in queues.indices where queues[q].enlist(upTo: 1) == 1 { spawn(q) }
        }
    }

    /// Sends every APC thread away (an empty packet behind its queued routines)
    /// if callback mode is not current and nothing is left in it.
    func retireIfDrained() {
        lifecycle.withLock { _ in
            guard queues.contains(where: { $0.members > 0 }), modes.drained(.callback) else { return }
            for q in queues { q.retireMembers() }
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
        let worker = CompletionPort<Overlapped>.Worker(name: stats.name)
        threads.add(OSThread(name: stats.name) { [self] in
            run(queue: queues[q], worker: worker, thread: IOThread(stats: stats))
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
            if !queues[q].post(contentsOf: requests[i..<j]) { revive(q) }
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

    /// An APC thread: wait alertably, then run every queued routine in order.
    private func run(queue: CompletionPort<Overlapped>, worker: CompletionPort<Overlapped>.Worker,
                     thread: IOThread) {
        thread.stats.bindCPUClock()  // busy share is this thread's CPU time
        var batch: [Overlapped?] = []
        var exiting = false
        while !exiting {
            worker.stampsWait = thread.traceWaits
            queue.dequeue(worker, into: &batch)
            if worker.waitingSince != 0 { thread.stats.trace?.addWait("SleepEx (alertable)", thread: thread.id, from: worker.waitingSince) }
            thread.now = monotonicNanos()
            for packet in batch {
                guard let request = packet else {
                    exiting = true
                    break
                }
                runCompletion(request, on: thread)
            }
            batch.removeAll(keepingCapacity: true)
            if !exiting && modes.current != .callback { retireIfDrained() }
        }
        queue.leave(worker)
        registry.retire(thread.stats)
    }

    /// Each live APC thread with the depth of its queue.
    func roles() -> [Int: ThreadRole] {
        owners.withLock { $0 }.mapValues { .apcThread(queueDepth: queues[$0].depth) }
    }

}
