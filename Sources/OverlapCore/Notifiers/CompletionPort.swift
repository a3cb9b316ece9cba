import DequeModule
import OverlapSystem
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
/// - The port counts its *members*: workers that serve it and have not been
///   sent an empty packet. Packets posted while it has none are still queued,
///   and `post` says so, so that the owner can start workers for them (a mode
///   whose threads retired can get a late completion: see `ModeRouter`).
package final class CompletionPort<Packet: Sendable>: Sendable {
    /// One worker's place at the port: where it sleeps and where a waker leaves
    /// its packets. `mailbox` is written by the waker under the port's lock
    /// and read by the worker after the semaphore wakes it.
    package final class Worker: @unchecked Sendable {
        let name: String
        fileprivate let wakeup = Wakeup()
        fileprivate var mailbox: [Packet?] = []
        fileprivate var running = false
        fileprivate var blocked = false
        /// Set by the worker's thread before `dequeue` (a trace capture runs):
        /// the port then stamps `waitingSince` when it puts the worker on the
        /// waiting stack, under its lock, so a trace shows the true order of
        /// the stack.
        var stampsWait = false
        /// When the worker last joined the waiting stack (monotonic ns; 0: it
        /// took packets without waiting). Read by its own thread after `dequeue`.
        fileprivate(set) var waitingSince: UInt64 = 0

        package init(name: String) {
            self.name = name
        }
    }

    private struct State {
        var queue = Deque<Packet?>()
        var waiting: [Worker] = []  // a stack: the last to wait is woken first
        var running = 0
        var members = 0
        /// Members blocked in the kernel's wait instead of on the port
        /// (`takeOrWaitInKernel`): a packet for them rings the doorbell.
        var kernelWaiting = 0
        /// The concurrency value (`concurrency`), changeable while it runs.
        var concurrency: Int
        /// Times `unblocked` put running above the value.
        var overConcurrency: UInt64 = 0
    }

    /// What to wake once the lock is released.
    private struct Wakes {
        var workers: [Worker] = []
        var ring = false
    }

    /// The concurrency value: most workers running at once (1...). Set with
    /// `setConcurrency`; running may exceed it for a while after it is
    /// lowered, or while a worker that blocked is back (`unblocked`).
    var concurrency: Int { state.withLock { $0.concurrency } }
    let maxBatch: Int
    private let state: Locked<State>

    /// Wakes one member waiting in the kernel (an eventfd in the engine's
    /// epoll set: the kernel wakes the most recent waiter, LIFO as the port
    /// does). Set once, before any member waits in the kernel.
    nonisolated(unsafe) private(set) var doorbell: (@Sendable () -> Void)?

    package init(concurrency: Int, maxBatch: Int = 64) {
        precondition(concurrency > 0 && maxBatch > 0)
        state = Locked(State(concurrency: concurrency))
        self.maxBatch = maxBatch
    }

    /// Members may wait in the kernel from now on (`takeOrWaitInKernel`);
    /// `ring` wakes one of them. Call before the first such member starts.
    func useDoorbell(_ ring: @escaping @Sendable () -> Void) { doorbell = ring }

    /// Who to wake: waiting workers, most recent first (`wakeWaiting`), then,
    /// if packets are still queued with a running slot free and members
    /// wait in the kernel, one of those (each woken member that takes
    /// packets and leaves more behind rings again).
    private func wake(_ s: inout State) -> Wakes {
        var w = Wakes(workers: Self.wakeWaiting(&s, maxBatch: maxBatch))
        w.ring = doorbell != nil && !s.queue.isEmpty && s.running < s.concurrency && s.kernelWaiting > 0
        return w
    }

    private func signal(_ w: Wakes) {
        for worker in w.workers { worker.wakeup.signal() }
        if w.ring { doorbell?() }
    }

    /// Queues packets (`PostQueuedCompletionStatus`, or the kernel completing
    /// I/O) and wakes as many waiting workers as the cap and the packets allow.
    /// Returns false if the port has no members to run them.
    @discardableResult
    func post(_ packets: inout [Packet?]) -> Bool {
        defer { packets.removeAll(keepingCapacity: true) }
        return enqueue(count: packets.count) { $0.append(contentsOf: packets) }
    }

    /// Queues non-empty packets from any collection (no copy into a temporary
    /// array). Returns false if the port has no members to run them.
    @discardableResult
    func post<C: Collection>(contentsOf packets: C) -> Bool where C.Element == Packet {
        enqueue(count: packets.count) { q in
            for p in packets { q.append(p) }
        }
    }

    private func enqueue(count: Int, _ append: (inout Deque<Packet?>) -> Void) -> Bool {
        if count == 0 { return true }
        let (served, toWake): (Bool, Wakes) = state.withLock { s in
            append(&s.queue)
            return (s.members > 0, wake(&s))
        }
        signal(toWake)
        return served
    }

    @discardableResult
    func post(_ packet: Packet?) -> Bool {
        var one = [packet]
        return post(&one)
    }

    /// Brings the members up to `count`; returns how many workers the caller
    /// must start (each then calls `dequeue` until it takes an empty packet).
    package func enlist(upTo count: Int) -> Int {
        state.withLock { s in
            let more = max(0, count - s.members)
            s.members += more
            return more
        }
    }

    /// Posts one empty packet per member, after the packets already queued:
    /// each worker that takes one exits. Returns how many were posted.
    @discardableResult
    func retireMembers() -> Int { shutdown { $0 } }

    /// Posts `workers` empty packets, after the packets already queued; each
    /// worker that takes one exits and stops being a member.
    package func postShutdown(workers: Int) { _ = shutdown { _ in workers } }

    /// Decides how many empty packets to post and posts them, in one step so
    /// that two retirers never send the same members away twice.
    private func shutdown(_ count: (_ members: Int) -> Int) -> Int {
        let (n, toWake): (Int, Wakes) = state.withLock { s in
            let n = count(s.members)
            s.members = max(0, s.members - n)
            for _ in 0..<n { s.queue.append(nil) }
            return (n, wake(&s))
        }
        signal(toWake)
        return n
    }

    /// Workers serving the port that have not been sent an empty packet.
    package var members: Int { state.withLock { $0.members } }

    /// Blocks until packets are available for `worker` and appends them to
    /// `batch` (`GetQueuedCompletionStatusEx`). A trailing `nil` means exit.
    /// Returns whether the worker had to wait.
    @discardableResult
    package func dequeue(_ worker: Worker, into batch: inout [Packet?]) -> Bool {
        worker.waitingSince = 0
        if tryTake(worker, into: &batch) { return false }
        worker.wakeup.wait()
        // The waker reserved a running slot for us and filled the mailbox.
        batch.append(contentsOf: worker.mailbox)
        worker.mailbox.removeAll(keepingCapacity: true)
        return true
    }

    /// Takes this worker's share of the queue if it may run now. Otherwise
    /// puts the worker on the waiting stack and returns false.
    private func tryTake(_ worker: Worker, into batch: inout [Packet?]) -> Bool {
        let (took, toWake): (Bool, Wakes) = state.withLock { s in
            if worker.running {
                worker.running = false
                s.running -= 1
            }
            if claimShare(&s, for: worker, into: &batch, emptyPackets: true) > 0 {
                return (true, wake(&s))
            }
            worker.waitingSince = worker.stampsWait ? monotonicNanos() : 0
            s.waiting.append(worker)
            return (false, Wakes())
        }
        signal(toWake)
        return took
    }

    /// Posts packets, then makes one non-waiting `GetQueuedCompletionStatusEx`
    /// call for `visitor`, a thread that is not a member (the engine thread:
    /// see `PortNotifier.deliver`). If a running slot is free it takes its
    /// share, as a worker that had just entered the wait would be woken first
    /// (last in, first out), but never an empty packet: those are for members.
    /// A visitor that took packets holds a running slot until it calls `leave`.
    /// Returns whether the port has members, and how many packets were taken.
    func postAndVisit<C: Collection>(contentsOf packets: C, visitor: Worker, into batch: inout [Packet?])
        -> (served: Bool, took: Int) where C.Element == Packet {
        if packets.isEmpty { return (true, 0) }
        let (served, took, toWake): (Bool, Int, Wakes) = state.withLock { s in
            for p in packets { s.queue.append(p) }
            let took = claimShare(&s, for: visitor, into: &batch, emptyPackets: false)
            return (s.members > 0, took, wake(&s))
        }
        signal(toWake)
        return (served, took)
    }

    /// If a running slot is free, moves `worker`'s share of the queue to
    /// `batch` and gives it the slot (only if it took something). A visitor
    /// (`emptyPackets` false) stops before an empty packet: those are for
    /// members. Returns how many packets it took.
    private func claimShare(_ s: inout State, for worker: Worker, into batch: inout [Packet?], emptyPackets: Bool) -> Int {
        guard s.running < s.concurrency else { return 0 }
        let slots = 1 + min(s.waiting.count + s.kernelWaiting, s.concurrency - s.running - 1)
        let took = Self.take(&s.queue, upTo: Self.share(s, slots: slots, maxBatch: maxBatch), into: &batch,
                             emptyPackets: emptyPackets)
        if took > 0 {
            s.running += 1
            worker.running = true
        }
        return took
    }

    /// A worker that took an empty packet leaves the port, and a visitor that
    /// ran its packets goes back to its own work: its running slot goes to a
    /// waiting worker if packets are queued (else the next empty packets could
    /// never reach the other workers under the cap).
    package func leave(_ worker: Worker) {
        let toWake: Wakes = state.withLock { s in
            if worker.running {
                worker.running = false
                s.running -= 1
            }
            return wake(&s)
        }
        signal(toWake)
    }

    /// `GetQueuedCompletionStatusEx` for a member that waits in the kernel
    /// (the epoll engine's shared instance) rather than on the port: queues
    /// `packets` (what its last handlers completed at once), gives
    /// back its running slot, takes its share of the queue if it may run now
    /// (true), or else counts it as waiting in the kernel (false: the caller
    /// then waits there, and a packet queued meanwhile rings the doorbell).
    func takeOrWaitInKernel<C: Collection>(_ worker: Worker, posting packets: C, into batch: inout [Packet?]) -> Bool
        where C.Element == Packet {
        let (took, toWake): (Bool, Wakes) = state.withLock { s in
            for p in packets { s.queue.append(p) }
            if worker.running {
                worker.running = false
                s.running -= 1
            }
            if claimShare(&s, for: worker, into: &batch, emptyPackets: true) > 0 {
                return (true, wake(&s))
            }
            s.kernelWaiting += 1
            return (false, Wakes())
        }
        signal(toWake)
        return took
    }

    /// Changes the concurrency value while workers run (the `concurrency`
    /// hazard). Raised: waiting workers are woken for queued packets at once.
    /// Lowered: running workers finish what they hold; no new one starts
    /// until running is below the new value.
    func setConcurrency(_ value: Int) {
        precondition(value > 0)
        let toWake: Wakes = state.withLock { s in
            s.concurrency = value
            return wake(&s)
        }
        signal(toWake)
    }

    /// `worker`, running, blocks in its handler (a wait the kernel sees, as
    /// IOCP sees a worker block): it gives its running slot up, and a
    /// waiting worker may take it for queued packets.
    func blocked(_ worker: Worker) {
        let toWake: Wakes = state.withLock { s in
            guard worker.running else { return Wakes() }
            worker.running = false
            worker.blocked = true
            s.running -= 1
            return wake(&s)
        }
        signal(toWake)
    }

    /// `worker` is back from blocking in its handler: it runs again, even if
    /// that puts running above the concurrency value (as on Windows, until
    /// it next asks for packets).
    func unblocked(_ worker: Worker) {
        state.withLock { s in
            guard worker.blocked else { return }
            worker.blocked = false
            worker.running = true
            s.running += 1
            if s.running > s.concurrency { s.overConcurrency += 1 }
        }
    }

    /// A member is back from the kernel's wait.
    func leftKernelWait(_ worker: Worker) {
        state.withLock { $0.kernelWaiting -= 1 }
    }

    /// A member back from the kernel with completions of its own (the kernel
    /// woke it, as IOCP wakes a waiting thread): takes a running slot if one
    /// is free. False at the cap: the caller queues them instead.
    func claimRunning(_ worker: Worker) -> Bool {
        state.withLock { s in
            guard !worker.running, s.running < s.concurrency else { return worker.running }
            s.running += 1
            worker.running = true
            return true
        }
    }

    /// Wakes waiting workers, most recent first, while packets and running
    /// slots remain, handing each its share of the queue.
    private static func wakeWaiting(_ s: inout State, maxBatch: Int) -> [Worker] {
        var woken: [Worker] = []
        while !s.queue.isEmpty, s.running < s.concurrency, let w = s.waiting.popLast() {
            let slots = 1 + min(s.waiting.count, s.concurrency - s.running - 1)
            s.running += 1
            w.running = true
            take(&s.queue, upTo: share(s, slots: slots, maxBatch: maxBatch), into: &w.mailbox, emptyPackets: true)
            woken.append(w)
        }
        return woken
    }

    /// How many packets one of `slots` workers that could run now should take.
    private static func share(_ s: State, slots: Int, maxBatch: Int) -> Int {
        min(maxBatch, max(1, (s.queue.count + slots - 1) / slots))
    }

    /// Moves up to `n` packets from the front of the queue, stopping after an
    /// empty packet, or before one without `emptyPackets`. Returns how many.
    @discardableResult
    private static func take(_ queue: inout Deque<Packet?>, upTo n: Int, into out: inout [Packet?],
                             emptyPackets: Bool) -> Int {
        var moved = 0
        while moved < n, let first = queue.first {
            if first == nil && !emptyPackets { break }
            out.append(queue.removeFirst())
            moved += 1
            if first == nil { break }
        }
        return moved
    }

    /// The port's figures for a snapshot, read together under one lock.
    struct Load {
        var concurrency: Int
        var running: Int
        var overConcurrency: UInt64
        /// Waiting workers' names, the next to be woken last.
        var waiting: [String]
        var kernelWaiting: Int
    }

    var load: Load {
        state.withLock { s in
            Load(concurrency: s.concurrency, running: s.running, overConcurrency: s.overConcurrency,
                 waiting: s.waiting.map(\.name), kernelWaiting: s.kernelWaiting)
        }
    }

    /// Packets queued and not yet given to a worker.
    var depth: Int { state.withLock { $0.queue.count } }
    /// Workers currently running (given packets and not yet back).
    var running: Int { state.withLock { $0.running } }

    /// Names of waiting workers, the next to be woken last.
    var waitingWorkers: [String] { state.withLock { $0.waiting.map(\.name) } }

}
