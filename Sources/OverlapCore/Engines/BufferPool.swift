import CLinux
import Glibc
import DequeModule
import Synchronization

/// Something waiting for a free buffer: a session whose recv found none.
protocol BufferWaiter: AnyObject, Sendable {
    /// A buffer has been returned; post the recv again.
    func bufferAvailable(on thread: IOThread)
}

/// A fixed slab of receive buffers shared by all sessions of an engine.
///
/// Memory: the slab is one anonymous mapping, so a buffer costs resident
/// memory only once bytes are written into it, and an idle session holds no
/// buffer at all (its recv takes one when data arrives, as a zero-byte recv
/// does on IOCP). A session holds at most one buffer, from recv completion
/// until its echo is fully sent, so memory stays bounded whatever peers do.
/// When all buffers are lent, a recv completes with ENOBUFS and its session
/// waits here until one comes back.
///
/// Two ways to lend: the epoll engine takes buffers from a LIFO free list (hot
/// buffers are reused, so few pages are ever touched); io_uring picks them
/// itself from its provided-buffer ring, and `returnToKernel` gives them back.
/// The kernel uses its ring first-in, first-out, so it would cycle through
/// (and make resident) every buffer it holds: the ring holds only a working
/// set (`ringTarget`), topped up from the LIFO free list, and the target
/// doubles whenever a recv finds the ring empty (ENOBUFS), back to its base
/// when the slab is given back.
final class BufferPool: Sendable {
    let count: Int
    let size: Int
    nonisolated(unsafe) let base: UnsafeMutableRawPointer

    private struct State {
        var free: [UInt16]
        var held = 0
        /// io_uring: buffers in the kernel's ring (neither lent nor free), and how many it should hold.
        var inRing = 0
        var ringTarget = 0
        var waiters = Deque<any BufferWaiter>()
    }
    /// The ring's working set after the slab is given back (io_uring).
    let baseRingTarget: Int

    private let state: SleepingLock<State>  // see SleepingLock: many threads release buffers
    /// Whether the slab has pages worth giving back (see `trimIfUnused`):
    /// `clean` (given back, nothing lent since), `used` (a buffer was lent
    /// since the last look), `resting` (pages resident, nothing lent since
    /// the last look), `ringOnly` (the free list was given back; the ring's
    /// buffers wait for a moment with no recv in flight). Lending checks
    /// before it stores, so the hot path only writes this shared cache line
    /// when the state changes.
    private let usage = Atomic<UInt8>(Usage.clean)
    private enum Usage {
        static let clean: UInt8 = 0
        static let used: UInt8 = 1
        static let resting: UInt8 = 2
        static let ringOnly: UInt8 = 3
    }
    private let returnToKernel: (@Sendable (BufferRef) -> Void)?

    /// - Parameters:
    ///   - ringTarget: io_uring: how many buffers the ring starts with; the
    ///     engine puts buffers `0..<ringTarget` there, the rest are free.
    ///   - returnToKernel: set when the kernel lends the buffers (io_uring);
    ///     called under the pool's lock, so it may assume a single producer.
    init(count: Int, size: Int, ringTarget: Int = 0,
         returnToKernel: (@Sendable (BufferRef) -> Void)? = nil) throws(EngineError) {
        precondition(count > 0 && count <= Int(UInt16.max) + 1)
        let bytes = count * size
        guard let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
              p != MAP_FAILED
        else { throw EngineError.system("mmap of \(bytes) bytes of buffers", lastErrno()) }
        base = p
        self.count = count
        self.size = size
        self.returnToKernel = returnToKernel
        let inRing = returnToKernel == nil ? 0 : min(count, ringTarget)
        baseRingTarget = inRing
        // LIFO: the lowest free index is lent (or put in the ring) first.
        var s = State(free: (inRing..<count).reversed().map { UInt16($0) })
        s.inRing = inRing
        s.ringTarget = inRing
        state = SleepingLock(s)
    }

    deinit {
        munmap(base, count * size)
    }

    func ref(_ index: UInt16) -> BufferRef {
        BufferRef(index: index, base: base + Int(index) * size)
    }

    /// Lends a buffer from the free list (epoll engine), or nil if all are lent.
    func take() -> BufferRef? {
        let index: UInt16? = state.withLock { s in
            guard let i = s.free.popLast() else { return nil }
            s.held += 1
            return i
        }
        markUsed()
        return index.map(ref)
    }

    /// Gives back a buffer taken with `take` that nothing was read into (the
    /// epoll engine found the socket empty). Returns the waiters to resume
    /// (see `release`); the caller resumes them once it holds no lock.
    func untake(_ buffer: BufferRef) -> [any BufferWaiter] {
        state.withLock { s in
            s.free.append(buffer.index)
            s.held -= 1
            return Self.takeAllWaiters(&s)
        }
    }

    /// Records that the kernel lent `n` buffers (io_uring completions that carried one).
    func kernelLent(_ n: Int) {
        state.withLock { s in
            s.held += n
            s.inRing -= n
            topUp(&s)
        }
        markUsed()
    }

    /// io_uring: refills the ring from the free list up to its target, hot
    /// (most recently returned) buffers first.
    private func topUp(_ s: inout State) {
        guard let giveBack = returnToKernel else { return }
        while s.inRing < s.ringTarget, let i = s.free.popLast() {
            giveBack(ref(i))
            s.inRing += 1
        }
    }

    @inline(__always)
    private func markUsed() {
        if usage.load(ordering: .relaxed) != Usage.used { usage.store(Usage.used, ordering: .relaxed) }
    }

    /// How often an idle engine looks whether the slab can be given back.
    static let idleTrimMillis: Int32 = 1000

    /// True while the slab may hold pages to give back: the engine should
    /// wake every `idleTrimMillis` while idle and call `trimIfUnused`.
    var touched: Bool { usage.load(ordering: .relaxed) != Usage.clean }

    /// Gives pages back to the kernel (MADV_DONTNEED: the next write into a
    /// buffer faults in a zeroed page) once no buffer has been lent for a
    /// whole interval between two calls, so a server that had a burst of
    /// traffic and went idle returns to its idle footprint. Returns whether
    /// it did.
    ///
    /// Free-list buffers are given back whenever that holds: nothing but
    /// this pool, under its lock, can hand them out. Buffers in the io_uring
    /// ring only when `ringQuiet` (no recv in flight) and none is lent: the
    /// kernel writes into the ring's buffers with no lock of ours.
    @discardableResult
    func trimIfUnused(ringQuiet: Bool) -> Bool {
        state.withLock { s in
            switch usage.load(ordering: .relaxed) {
            case Usage.used:
                usage.store(Usage.resting, ordering: .relaxed)  // look again next interval
                return false
            case Usage.ringOnly where ringQuiet && s.held == 0:
                usage.store(Usage.clean, ordering: .relaxed)
                return madvise(base, count * size, MADV_DONTNEED) == 0
            case Usage.resting:
                if ringQuiet && s.held == 0 {
                    usage.store(Usage.clean, ordering: .relaxed)
                    s.ringTarget = baseRingTarget
                    return madvise(base, count * size, MADV_DONTNEED) == 0
                }
                // Only the free list, in runs of adjacent buffers; the ring's
                // working set (and whatever is lent) stays resident.
                usage.store(s.inRing > 0 ? Usage.ringOnly : Usage.clean, ordering: .relaxed)
                s.ringTarget = baseRingTarget
                var run: (start: Int, count: Int)?
                for i in s.free.map(Int.init).sorted() {
                    if let r = run, r.start + r.count == i {
                        run = (r.start, r.count + 1)
                        continue
                    }
                    if let r = run { madvise(base + r.start * size, r.count * size, MADV_DONTNEED) }
                    run = (i, 1)
                }
                if let r = run { madvise(base + r.start * size, r.count * size, MADV_DONTNEED) }
                return run != nil
            default:
                return false
            }
        }
    }

    /// Bytes of the slab resident in memory (mincore), for the tests.
    var residentBytes: Int {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let pages = (count * size + page - 1) / page
        var vec = [UInt8](repeating: 0, count: pages)
        guard mincore(base, count * size, &vec) == 0 else { return -1 }
        return vec.reduce(0) { $0 + Int($1 & 1) } * page
    }

    /// Returns a buffer and resumes, on `thread`, every session waiting for one.
    ///
    /// All of them, not one: a resumed session may find nothing to read and
    /// leave the buffer unused, and if it were the only one woken the others
    /// would wait for a release that never comes. They race for the free
    /// buffers; a loser finds none and waits again.
    func release(_ buffer: BufferRef, on thread: IOThread) {
        let waiters: [any BufferWaiter] = state.withLock { s in
            if let giveBack = returnToKernel, s.inRing < s.ringTarget {
                giveBack(buffer)
                s.inRing += 1
            } else {
                s.free.append(buffer.index)
            }
            s.held -= 1
            return Self.takeAllWaiters(&s)
        }
        for w in waiters { w.bufferAvailable(on: thread) }
    }

    private static func takeAllWaiters(_ s: inout State) -> [any BufferWaiter] {
        if s.waiters.isEmpty { return [] }
        defer { s.waiters.removeAll() }
        return Array(s.waiters)
    }

    /// Queues `waiter` until a buffer is returned. Returns false, without
    /// queueing, if a buffer is free now (post the recv again at once).
    func wait(_ waiter: any BufferWaiter) -> Bool {
        return state.withLock { s in
            if returnToKernel != nil && !s.free.isEmpty {
                // The ring ran dry while buffers were free: it needs a larger working set.
                s.ringTarget = min(count, max(1, s.ringTarget) * 2)
                topUp(&s)
            }
            if s.held < count { return false }
            s.waiters.append(waiter)
            return true
        }
    }

    /// Removes `waiter` from the queue; true if it was queued.
    func cancelWait(_ waiter: any BufferWaiter) -> Bool {
        state.withLock { s in
            guard let i = s.waiters.firstIndex(where: { $0 === waiter }) else { return false }
            s.waiters.remove(at: i)
            return true
        }
    }

    var lent: Int { state.withLock { $0.held } }
    /// io_uring: buffers in the kernel's ring now.
    var inRing: Int { state.withLock { $0.inRing } }
    var waitersCount: Int { state.withLock { $0.waiters.count } }
}
