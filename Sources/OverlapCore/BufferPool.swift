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
final class BufferPool: Sendable {
    let count: Int
    let size: Int
    nonisolated(unsafe) let base: UnsafeMutableRawPointer

    private struct State {
        var free: [UInt16]
        var held = 0
        var waiters = Deque<any BufferWaiter>()
    }

    private let state: SleepingLock<State>  // see SleepingLock: many threads release buffers
    /// Whether the slab has pages worth giving back (see `trimIfUnused`):
    /// `clean` (given back, nothing lent since), `used` (a buffer was lent
    /// since the last look), `resting` (pages resident, nothing lent since
    /// the last look). Lending checks before it stores, so the hot path only
    /// writes this shared cache line when the state changes.
    private let usage = Atomic<UInt8>(Usage.clean)
    private enum Usage {
        static let clean: UInt8 = 0
        static let used: UInt8 = 1
        static let resting: UInt8 = 2
    }
    private let returnToKernel: (@Sendable (BufferRef) -> Void)?

    /// - Parameter returnToKernel: set when the kernel lends the buffers (io_uring);
    ///   called under the pool's lock, so it may assume a single producer.
    init(count: Int, size: Int, returnToKernel: (@Sendable (BufferRef) -> Void)? = nil) throws(EngineError) {
        precondition(count > 0 && count <= Int(UInt16.max) + 1)
        let bytes = count * size
        guard let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
              p != MAP_FAILED
        else { throw EngineError.system("mmap of \(bytes) bytes of buffers", lastErrno()) }
        base = p
        self.count = count
        self.size = size
        self.returnToKernel = returnToKernel
        let free: [UInt16] = returnToKernel == nil ? (0..<count).reversed().map { UInt16($0) } : []
        state = SleepingLock(State(free: free))
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
        state.withLock { $0.held += n }
        markUsed()
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

    /// Gives the slab's pages back to the kernel (MADV_DONTNEED: the next
    /// write into a buffer faults in a zeroed page) once no buffer has been
    /// lent for a whole interval between two calls and none is lent now, so
    /// a server that had a burst of traffic and went idle returns to its idle
    /// footprint. Returns whether it did.
    ///
    /// The caller must make sure nothing can write into a free buffer
    /// meanwhile: io_uring writes into the ring's buffers with no lock of
    /// ours, so the uring engine calls this only with no recv in flight. The
    /// epoll engine lends only under this lock, so `held == 0` is enough.
    @discardableResult
    func trimIfUnused() -> Bool {
        state.withLock { s in
            switch usage.load(ordering: .relaxed) {
            case Usage.used:
                usage.store(Usage.resting, ordering: .relaxed)  // look again next interval
                return false
            case Usage.resting where s.held == 0:
                usage.store(Usage.clean, ordering: .relaxed)
                return madvise(base, count * size, MADV_DONTNEED) == 0
            default:
                return false
            }
        }
    }

    /// Bytes of the slab resident in memory (mincore), for tests and the soak.
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
            if let giveBack = returnToKernel { giveBack(buffer) } else { s.free.append(buffer.index) }
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
    var waitersCount: Int { state.withLock { $0.waiters.count } }
}
