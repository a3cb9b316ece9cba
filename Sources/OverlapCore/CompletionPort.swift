import DequeModule
import Synchronization

/// An I/O completion port: the queue of `GetQueuedCompletionStatusEx`.
///
/// - Packets queue first-in, first-out.
/// - A worker that finds the queue empty (or the concurrency cap reached)
///   waits; waiting workers are woken last-in, first-out, so the most
///   recently idle thread (warm cache, warm stack) runs next, as IOCP does.
/// - At most `concurrency` workers are *running* at once: a worker counts as
///   running from the moment it is given packets until it asks for more.
/// - A worker may take a batch, at most `maxBatch` packets, and no more than
///   its share when other workers could run too.
/// - A `nil` packet is the empty packet that tells one worker to exit; a batch
///   always ends at one.
final class CompletionPort<Packet: Sendable>: Sendable {
    /// One worker's place at the port: where it sleeps and where a waker leaves
    /// its packets. `mailbox` is written by the waker under the port's lock
    /// and read by the worker after the semaphore wakes it.
    final class Worker: @unchecked Sendable {
        let name: String
        fileprivate let wakeup = Wakeup()
        fileprivate var mailbox: [Packet?] = []
        fileprivate var running = false

        init(name: String) {
            self.name = name
        }
    }

    private struct State {
        var queue = Deque<Packet?>()
        var waiting: [Worker] = []  // a stack: the last to wait is woken first
        var running = 0
        var peak = 0
    }

    let concurrency: Int
    let maxBatch: Int
    private let state = Mutex(State())

    init(concurrency: Int, maxBatch: Int = 64) {
        precondition(concurrency > 0 && maxBatch > 0)
        self.concurrency = concurrency
        self.maxBatch = maxBatch
    }

    /// Queues packets (`PostQueuedCompletionStatus`, or the kernel completing
    /// I/O) and wakes as many waiting workers as the cap and the packets allow.
    func post(_ packets: inout [Packet?]) {
        enqueue(count: packets.count) { $0.append(contentsOf: packets) }
        packets.removeAll(keepingCapacity: true)
    }

    /// Queues non-empty packets from any collection (no copy into a temporary array).
    func post<C: Collection>(contentsOf packets: C) where C.Element == Packet {
        enqueue(count: packets.count) { q in
            for p in packets { q.append(p) }
        }
    }

    private func enqueue(count: Int, _ append: (inout Deque<Packet?>) -> Void) {
        if count == 0 { return }
        let toWake: [Worker] = state.withLock { s in
            append(&s.queue)
            if s.queue.count > s.peak { s.peak = s.queue.count }
            return Self.wakeWaiting(&s, concurrency: concurrency, maxBatch: maxBatch)
        }
        for w in toWake { w.wakeup.signal() }
    }

    func post(_ packet: Packet?) {
        var one = [packet]
        post(&one)
    }

    /// Posts one empty packet per worker: each worker that takes one exits.
    func postShutdown(workers: Int) {
        var empties = [Packet?](repeating: nil, count: workers)
        post(&empties)
    }

    /// Blocks until packets are available for `worker` and appends them to
    /// `batch` (`GetQueuedCompletionStatusEx`). A trailing `nil` means exit.
    func dequeue(_ worker: Worker, into batch: inout [Packet?]) {
        if tryTake(worker, into: &batch) { return }
        worker.wakeup.wait()
        // The waker reserved a running slot for us and filled the mailbox.
        batch.append(contentsOf: worker.mailbox)
        worker.mailbox.removeAll(keepingCapacity: true)
    }

    /// Takes this worker's share of the queue if it may run now. Otherwise
    /// puts the worker on the waiting stack and returns false.
    private func tryTake(_ worker: Worker, into batch: inout [Packet?]) -> Bool {
        let (took, toWake): (Bool, [Worker]) = state.withLock { s in
            if worker.running {
                worker.running = false
                s.running -= 1
            }
            if !s.queue.isEmpty && s.running < concurrency {
                s.running += 1
                worker.running = true
                let share = Self.share(s, slots: 1 + min(s.waiting.count, concurrency - s.running), maxBatch: maxBatch)
                Self.take(&s.queue, upTo: share, into: &batch)
                return (true, Self.wakeWaiting(&s, concurrency: concurrency, maxBatch: maxBatch))
            }
            s.waiting.append(worker)
            return (false, [])
        }
        for w in toWake { w.wakeup.signal() }
        return took
    }

    /// A worker that took an empty packet leaves the port: its running slot
    /// goes to a waiting worker if packets are queued (else the next empty
    /// packets could never reach the other workers under the cap).
    func leave(_ worker: Worker) {
        let toWake: [Worker] = state.withLock { s in
            if worker.running {
                worker.running = false
                s.running -= 1
            }
            return Self.wakeWaiting(&s, concurrency: concurrency, maxBatch: maxBatch)
        }
        for w in toWake { w.wakeup.signal() }
    }

    /// Wakes waiting workers, most recent first, while packets and running
    /// slots remain, handing each its share of the queue.
    private static func wakeWaiting(_ s: inout State, concurrency: Int, maxBatch: Int) -> [Worker] {
        var woken: [Worker] = []
        while !s.queue.isEmpty, s.running < concurrency, let w = s.waiting.popLast() {
            let slots = 1 + min(s.waiting.count, concurrency - s.running - 1)
            s.running += 1
            w.running = true
            take(&s.queue, upTo: share(s, slots: slots, maxBatch: maxBatch), into: &w.mailbox)
            woken.append(w)
        }
        return woken
    }

    /// How many packets one of `slots` workers that could run now should take.
    private static func share(_ s: State, slots: Int, maxBatch: Int) -> Int {
        min(maxBatch, max(1, (s.queue.count + slots - 1) / slots))
    }

    /// Moves up to `n` packets from the front of the queue, stopping after an empty packet.
    private static func take(_ queue: inout Deque<Packet?>, upTo n: Int, into out: inout [Packet?]) {
        var moved = 0
        while moved < n, let p = queue.popFirst() {
            out.append(p)
            moved += 1
            if p == nil { break }
        }
    }

    /// Packets queued and not yet given to a worker.
    var depth: Int { state.withLock { $0.queue.count } }
    /// The deepest the queue has been.
    var peakDepth: Int { state.withLock { $0.peak } }
    /// Workers currently running (given packets and not yet back).
    var running: Int { state.withLock { $0.running } }
    /// Names of waiting workers, the next to be woken last.
    var waitingWorkers: [String] { state.withLock { $0.waiting.map(\.name) } }
}
