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
