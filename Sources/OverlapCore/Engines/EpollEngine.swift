import CLinux
import Glibc
import OverlapModel
import OverlapSystem
import Synchronization
import SystemPackage

/// A proactor emulated on readiness, as Boost.Asio does on Linux: a posted
/// operation is tried at once on the posting thread; if the socket is not
/// ready, the engine thread performs it, into the posted buffer, when epoll
/// reports the socket ready (edge-triggered, registered once per socket).
/// Either way the completion goes to the request's notifier.
final class EpollEngine: IOEngine, @unchecked Sendable {
    let kind = EngineKind.epoll
    let buffers: BufferPool
    let epfd: Int32
    private let wakeFd: Int32
    private let stopping = Atomic<Bool>(false)
    /// Detached sockets, kept alive until every thread that waits on `epfd`
    /// is past the events that could still name them.
    let reclaimer = EpochReclaimer<EpollSocket> { Unmanaged.passUnretained($0).release() }
    /// Rung (written) to wake one thread in the shared wait: the port's doorbell.
    let doorbellFd: Int32
    /// Port workers waiting in `epfd` now (see `EpollSharedWait.swift`).
    let helpersWaiting = Atomic<Int>(0)
    /// Port workers that joined the shared wait (`joinKernelWait`): while
    /// any has, the engine thread stays out of it, so the kernel's wakes go
    /// to the workers.
    let kernelMembers = Atomic<Int>(0)
    /// Signalled when the last worker leaves the shared wait, and by `stop`.
    let engineResume = Wakeup()
    static let wakeTag: UInt64 = 0
    static let doorbellTag: UInt64 = 1
    private let threads = ThreadList()
    // Written once by `start`, before any thread can read it.
    private(set) var sink: ModeRouter?

    init(bufferCount: Int, bufferSize: Int) throws(EngineError) {
        buffers = try BufferPool(count: bufferCount, size: bufferSize)
        epfd = epoll_create1(Int32(EPOLL_CLOEXEC))
        if epfd < 0 { throw .system("epoll_create1", Errno.last) }
        wakeFd = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        if wakeFd < 0 {
            close(epfd)
            throw .system("eventfd", Errno.last)
        }
        doorbellFd = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        var ev = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(u64: Self.wakeTag))
        // The doorbell is edge-triggered: each ring wakes one waiter (the most recent).
        var bell = epoll_event(events: EPOLLIN.rawValue | EPOLLET.rawValue, data: epoll_data_t(u64: Self.doorbellTag))
        if doorbellFd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, wakeFd, &ev) != 0
            || epoll_ctl(epfd, EPOLL_CTL_ADD, doorbellFd, &bell) != 0 {
            let e = Errno.last
            close(epfd)
            close(wakeFd)
            if doorbellFd >= 0 { close(doorbellFd) }
            throw .system("eventfd in the epoll set", e)
        }
    }

    deinit {
        reclaimer.releaseAll()  // sockets detached after the engine thread stopped (the listener)
        close(epfd)
        close(wakeFd)
        close(doorbellFd)
    }

    func start(sink: ModeRouter, registry: StatsRegistry) throws(EngineError) {
        self.sink = sink
        let stats = registry.register(name: "epoll-0", role: .engine, mode: nil)
        threads.add(OSThread(name: stats.name) { [self] in
            let thread = IOThread(stats: stats)
            sink.engineThreadStarted(thread)
            self.run(thread: thread, sink: sink, registry: registry)
        })
    }

    func attach(fd: Int32) throws(EngineError) -> EngineSocket {
        let socket = EpollSocket(fd: fd)
        let bits = Self.readBits
        // The registration holds a reference, released by the engine thread after detach.
        // EPOLLOUT is added by the first send that finds the socket full (`watchWritable`).
        var ev = epoll_event(events: bits, data: epoll_data_t(ptr: Unmanaged.passRetained(socket).toOpaque()))
        if epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0 {
            let e = Errno.last
            Unmanaged.passUnretained(socket).release()
            throw .system("epoll_ctl(ADD)", e)
        }
        return socket
    }

    func detach(_ socket: EngineSocket) {
        let s = unsafeDowncast(socket, to: EpollSocket.self)
        s.state.withLock { st in
            precondition(st.reader == nil && st.writer == nil, "detach with a request in flight")
            st.detached = true
        }
        _ = epoll_ctl(epfd, EPOLL_CTL_DEL, s.fd, nil)
        reclaimer.retire(s)
    }

    func post(_ request: Overlapped, from thread: IOThread) {
        let s = unsafeDowncast(request.socket, to: EpollSocket.self)
        var shortageEnded = false
        let done: Bool = s.state.withLock { st in
            if request.kind == .send {
                if st.writeReady && perform(request, &st, &shortageEnded) { return true }
                precondition(st.writer == nil, "two sends in flight on one socket")
                if !st.watchesWritable {
                    if let failed = watchWritable(s) {
                        request.result = -failed.rawValue  // completes now, with the error
                        return true
                    }
                    st.watchesWritable = true
                }
                st.writer = request
            } else {
                if st.readReady && perform(request, &st, &shortageEnded) { return true }
                precondition(st.reader == nil, "two reads in flight on one socket")
                st.reader = request
            }
            return false
        }
        // Whoever waits for a buffer is told outside the socket's lock.
        if shortageEnded { buffers.endShortage(on: thread) }
        guard done else { return }
        // Completed at once: still announced through its mode.
        request.stampCompleted(at: monotonicNanos())
        thread.stats.countCompleted(request.kind, request.mode)
        if request.mode == .port && thread.stats.hazards.skipOnSuccess.load(ordering: .relaxed) {
            return runInline(request, on: thread)
        }
        thread.scratch.append(request)
        sink!.deliver(&thread.scratch, from: thread)
        thread.scratch.removeAll(keepingCapacity: true)
    }

    private func run(thread: IOThread, sink: ModeRouter, registry: StatsRegistry) {
        thread.stats.bindCPUClock()  // busy share is this thread's CPU time
        let slot = KernelWaitSlot(capacity: 256)
        reclaimer.register(slot.epoch)
        var batch: [Overlapped] = []
        batch.reserveCapacity(slot.capacity)
        while true {
            reclaimer.announce(slot.epoch)
            if kernelMembers.load(ordering: .acquiring) > 0 {
                // Port workers wait in the kernel: the engine thread steps aside.
                // It still gives idle buffers back: a look each idle-trim period.
                if !engineResume.wait(timeoutNanos: UInt64(BufferPool.idleTrimMillis) * 1_000_000) {
                    buffers.trimIfUnused(ringQuiet: true)
                }
                if stopping.load(ordering: .acquiring) { break }
                continue
            }
            // While the slab holds pages, wake each idle second: it is given back
            // once a whole second passed with no buffer lent (BufferPool.trimIfUnused).
            let n = wait(slot, timeoutMs: buffers.touched ? BufferPool.idleTrimMillis : -1)
            if n == 0 {
                buffers.trimIfUnused(ringQuiet: true)  // no ring: only the lock lends
                continue
            }
            thread.now = monotonicNanos()
            let (wake, doorbell) = process(slot, count: n, thread: thread, into: &batch)
            // The engine is no port member: a doorbell it caught goes on to one that is.
            if doorbell && helpersWaiting.load(ordering: .acquiring) > 0 { ringDoorbell() }
            if !batch.isEmpty {
                sink.deliver(&batch, from: thread)
                batch.removeAll(keepingCapacity: true)
            }
            if wake {
                var v: UInt64 = 0
                _ = read(wakeFd, &v, 8)
                if stopping.load(ordering: .acquiring) { break }
            }
        }
        reclaimer.unregister(slot.epoch)
        sink.engineThreadStopped(thread)
        registry.retire(thread.stats)
    }

    static let readBits = EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue

    /// Adds EPOLLOUT to `s`'s registration (called under its lock): its
    /// first send that did not fit now waits for writability. EPOLL_CTL_MOD
    /// reports the socket at once if it became writable meanwhile, so no
    /// edge is missed. Returns the error if the registration could not change.
    private func watchWritable(_ s: EpollSocket) -> Errno? {
        var ev = epoll_event(events: Self.readBits | EPOLLOUT.rawValue,
                             data: epoll_data_t(ptr: Unmanaged.passUnretained(s).toOpaque()))
        return epoll_ctl(epfd, EPOLL_CTL_MOD, s.fd, &ev) == 0 ? nil : Errno.last
    }

    /// Blocks in `epoll_wait` on the shared instance; returns the events in `slot`.
    func wait(_ slot: KernelWaitSlot, timeoutMs: Int32) -> Int {
        switch systemCall({ epoll_wait(epfd, slot.events, Int32(slot.capacity), timeoutMs) }) {
        case .success(let ready): return Int(ready)
        case .failure(let e): fatalError("epoll_wait: \(e)")  // only a bad descriptor or argument: cannot happen
        }
    }

    /// Performs the operations `count` events of `slot` made ready (on this
    /// thread, into the posted buffers), stamps and counts each completion on
    /// `thread`, and appends the completed requests to `batch`. Returns
    /// whether the engine's wake-up and the port's doorbell were among the
    /// events (the doorbell is consumed here).
    func process(_ slot: KernelWaitSlot, count n: Int, thread: IOThread, into batch: inout [Overlapped])
        -> (wake: Bool, doorbell: Bool) {
        let readBits = EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue
        let writeBits = EPOLLOUT.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue
        var wake = false
        var doorbell = false
        var shortageEnded = false
        let first = batch.count
        for i in 0..<n {
            let tag = slot.events[i].data.u64
            if tag == Self.wakeTag {
                wake = true
                continue
            }
            if tag == Self.doorbellTag {
                var v: UInt64 = 0
                _ = read(doorbellFd, &v, 8)
                doorbell = true
                continue
            }
            let bits = slot.events[i].events
            let s = Unmanaged<EpollSocket>.fromOpaque(UnsafeRawPointer(bitPattern: UInt(tag))!).takeUnretainedValue()
            s.state.withLock { st in
                if st.detached { return }
                if bits & readBits != 0 {
                    if let r = st.reader {
                        if perform(r, &st, &shortageEnded) {
                            r.stampCompleted(at: monotonicNanos())
                            st.reader = nil
                            batch.append(r)
                        }
                    } else {
                        st.readReady = true
                    }
                }
                if bits & writeBits != 0 {
                    if let w = st.writer {
                        if perform(w, &st, &shortageEnded) {
                            w.stampCompleted(at: monotonicNanos())
                            st.writer = nil
                            batch.append(w)
                        }
                    } else {
                        st.writeReady = true
                    }
                }
            }
        }
        if shortageEnded { buffers.endShortage(on: thread) }
        for r in batch[first...] { thread.stats.countCompleted(r.kind, r.mode) }
        return (wake, doorbell)
    }

    func stop() {
        stopping.store(true, ordering: .releasing)
        var one: UInt64 = 1
        _ = write(wakeFd, &one, 8)
        engineResume.signal()
        threads.joinAll()
    }

    /// epoll has no completion ring: readiness is not a completion.
    var ringDepth: Int64 { 0 }
    var ringOverflow: UInt64 { 0 }
}
