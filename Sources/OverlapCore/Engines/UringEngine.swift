import CLibURing
import CLinux
import Glibc
import OverlapModel
import OverlapSystem
import Synchronization
import SystemPackage

/// Real asynchronous I/O through io_uring (liburing 2.3).
///
/// One long-lived engine thread owns the ring: io_uring cancels a request
/// when the thread that submitted it exits, so posting threads (which may
/// come and go with the modes) only queue requests here and the engine
/// thread submits them. Receives use a provided-buffer ring: the kernel picks
/// a buffer only when data arrives, so an idle session pins no memory.
final class UringEngine: IOEngine, @unchecked Sendable {
    let kind = EngineKind.uring
    let buffers: BufferPool
    let ringEntries: UInt32
    private let bufferRing: ProvidedBufferRing
    private let wakeFd: Int32
    private let incoming = SleepingLock<[Overlapped]>([])
    /// True while the engine thread is, or is about to be, blocked in the kernel:
    /// the first poster to see it writes the wake-up eventfd.
    private let sleeping = Atomic<Bool>(false)
    /// Set by posters, cleared by the engine when it takes the posts: lets the
    /// engine poll for posts without taking the lock.
    private let hasIncoming = Atomic<Bool>(false)
    private let idlePoll = IdlePoll(maxNanos: IdlePoll.defaultMaxNanos)

    private let stopping = Atomic<Bool>(false)
    private let depth = Atomic<Int64>(0)
    private let overflow = Atomic<UInt64>(0)
    private let threads = ThreadList()
    /// True while the engine thread has nothing to do (polling for posts or asleep in the kernel).
    private let idle = Atomic<Bool>(false)
    // Written once by `start`, before any thread can post.
    private var sink: ModeRouter?
    private static let bufferGroup: UInt16 = 0
    /// Buffers the provided-buffer ring starts with (see BufferPool): 4 MiB of
    /// 64 KiB buffers; it grows when recvs find it empty.
    static let ringWorkingSet = 64
    private static let wakeTag: UInt64 = 1  // user_data of the eventfd read; requests are pointers

    /// Allocates the buffers and their ring; the io_uring itself is created on the engine thread.
    init(ringEntries: UInt32 = 4096, bufferCount: Int, bufferSize: Int) throws(EngineError) {
        self.ringEntries = ringEntries
        let ring = try ProvidedBufferRing(entries: bufferCount, bufferSize: bufferSize)
        bufferRing = ring
        let pool = try BufferPool(count: bufferCount, size: bufferSize, ringTarget: Self.ringWorkingSet) { ring.add($0) }
        buffers = pool
        // The pool starts the ring with buffers 0..<baseRingTarget; the rest are in its free list.
        ring.add((0..<pool.baseRingTarget).map { pool.ref(UInt16($0)) })
        wakeFd = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        if wakeFd < 0 { throw .system("eventfd", Errno.last) }
    }

    deinit {
        close(wakeFd)
    }

    func start(sink: ModeRouter, registry: StatsRegistry) throws(EngineError) {
        self.sink = sink
        let stats = registry.register(name: "uring-0", role: .engine, mode: nil)
        let started = Locked<EngineError??>(nil)
        let ready = Wakeup()
        threads.add(OSThread(name: stats.name) { [self] in
            let ring = UnsafeMutablePointer<io_uring>.allocate(capacity: 1)
            defer { ring.deallocate() }
            let setup = self.setUp(ring)
            started.withLock { $0 = .some(setup) }
            ready.signal()
            guard setup == nil else { return }
            let thread = IOThread(stats: stats)
            sink.engineThreadStarted(thread)
            self.run(ring: ring, thread: thread, sink: sink, registry: registry)
            io_uring_queue_exit(ring)
        })
        ready.wait()
        if let failure = started.withLock({ $0 }) ?? nil {
            threads.joinAll()
            registry.retire(stats)
            throw failure
        }
    }

    /// Creates the ring on the engine thread (it is the ring's only submitter,
    /// which lets the kernel skip cross-thread work: SINGLE_ISSUER, DEFER_TASKRUN).
    private func setUp(_ ring: UnsafeMutablePointer<io_uring>) -> EngineError? {
        var params = io_uring_params()
        params.flags = overlap_setup_cqsize() | overlap_setup_single_issuer() | overlap_setup_defer_taskrun()
        params.cq_entries = ringEntries * 4
        var rc = io_uring_queue_init_params(ringEntries, ring, &params)
        if rc == -EINVAL {
            params = io_uring_params()
            params.flags = overlap_setup_cqsize()
            params.cq_entries = ringEntries * 4
            rc = io_uring_queue_init_params(ringEntries, ring, &params)
        }
        if rc < 0 { return .system("io_uring_queue_init", Errno(rawValue: -rc)) }
        var reg = io_uring_buf_reg()
        reg.ring_addr = UInt64(UInt(bitPattern: bufferRing.ring))
        reg.ring_entries = UInt32(buffers.count)
        reg.bgid = Self.bufferGroup
        rc = io_uring_register_buf_ring(ring, &reg, 0)
        if rc < 0 {
            io_uring_queue_exit(ring)
            return .system("io_uring_register_buf_ring", Errno(rawValue: -rc))
        }
        return nil
    }

    func attach(fd: Int32) throws(EngineError) -> EngineSocket { EngineSocket(fd: fd) }

    /// While the engine thread is idle (polling or asleep), a send the socket
    /// can take at once is done on the posting thread, as Windows completes
    /// an overlapped WSASend at once when the data fits the socket buffer:
    /// at low load that saves two thread hand-offs per echo. While the engine
    /// is busy, sends go to the ring, where they are submitted in batches.
    /// True if the request completed (result set).
    private func trySendNow(_ r: Overlapped) -> Bool {
        guard let buf = r.buffer else { preconditionFailure("send without a buffer") }
        switch systemCall({ send(r.socket.fd, buf.base + r.offset, r.length, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }) {
        case .success(let n):
            r.result = Int32(n)
            return true
        case .failure(.wouldBlock):
            return false
        case .failure(let e):
            r.result = -e.rawValue
            return true
        }
    }

    func detach(_ socket: EngineSocket) {}

    func post(_ request: Overlapped, from thread: IOThread) {
        if request.kind == .send && idle.load(ordering: .relaxed) && trySendNow(request) {
            // Completed at once, as WSASend does when the data fits: still announced through its mode
            // (unless skip-on-success says to run it here, as FILE_SKIP_COMPLETION_PORT_ON_SUCCESS does).
            request.stampCompleted(at: monotonicNanos())
            thread.stats.countCompleted(request.kind, request.mode)
            if request.mode == .port && thread.stats.hazards.skipOnSuccess.load(ordering: .relaxed) {
                return runInline(request, on: thread)
            }
            thread.scratch.append(request)
            sink!.deliver(&thread.scratch, from: thread)
            thread.scratch.removeAll(keepingCapacity: true)
            return
        }
        incoming.withLock { $0.append(request) }
        hasIncoming.store(true, ordering: .releasing)
        if sleeping.exchange(false, ordering: .sequentiallyConsistent) {
            var one: UInt64 = 1
            _ = write(wakeFd, &one, 8)
        }
    }

    private func getSQE(_ ring: UnsafeMutablePointer<io_uring>) -> UnsafeMutablePointer<io_uring_sqe> {
        while true {
            if let sqe = io_uring_get_sqe(ring) { return sqe }
            _ = io_uring_submit(ring)  // the submission queue is full: flush it
        }
    }

    private func prepare(_ r: Overlapped, _ ring: UnsafeMutablePointer<io_uring>) {
        let sqe = getSQE(ring)
        switch r.kind {
        case .accept:
            io_uring_prep_accept(sqe, r.socket.fd, nil, nil, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
        case .recv:
            io_uring_prep_recv(sqe, r.socket.fd, nil, buffers.size, 0)
            sqe.pointee.flags |= overlap_iosqe_buffer_select()
            sqe.pointee.buf_group = Self.bufferGroup
        case .send:
            guard let buf = r.buffer else { preconditionFailure("send without a buffer") }
            io_uring_prep_send(sqe, r.socket.fd, buf.base + r.offset, r.length, Int32(MSG_NOSIGNAL))
        }
        // The ring holds a reference until the completion is reaped.
        io_uring_sqe_set_data64(sqe, UInt64(UInt(bitPattern: Unmanaged.passRetained(r).toOpaque())))
    }

    private func armWake(_ ring: UnsafeMutablePointer<io_uring>, _ value: UnsafeMutablePointer<UInt64>) {
        let sqe = getSQE(ring)
        io_uring_prep_read(sqe, wakeFd, value, 8, 0)
        io_uring_sqe_set_data64(sqe, Self.wakeTag)
    }

    private func run(ring: UnsafeMutablePointer<io_uring>, thread: IOThread, sink: ModeRouter,
                     registry: StatsRegistry) {
        thread.stats.bindCPUClock()  // busy share is this thread's CPU time
        let wakeValue = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
        defer { wakeValue.deallocate() }
        let maxReap = 512
        let cqes = UnsafeMutablePointer<UnsafeMutablePointer<io_uring_cqe>?>.allocate(capacity: maxReap)
        defer { cqes.deallocate() }
        var local: [Overlapped] = []
        var batch: [Overlapped] = []
        batch.reserveCapacity(maxReap)
        var inFlight = 0
        // Recvs in the ring: while there are any, the kernel may write into
        // any buffer in the ring, so only the pool's free list can be given back.
        var recvsInFlight = 0
        var justDelivered = false
        let idleTimeout = UnsafeMutablePointer<__kernel_timespec>.allocate(capacity: 1)
        defer { idleTimeout.deallocate() }
        idleTimeout.initialize(to: __kernel_timespec(tv_sec: Int64(BufferPool.idleTrimMillis / 1000), tv_nsec: 0))
        armWake(ring, wakeValue)
        let bufferFlag = overlap_cqe_f_buffer()
        let bufferShift = overlap_cqe_buffer_shift()
        while true {
            incoming.withLock { q in
                swap(&local, &q)
                hasIncoming.store(false, ordering: .relaxed)
            }
            for r in local {
                prepare(r, ring)
                if r.kind == .recv { recvsInFlight += 1 }
            }
            if !local.isEmpty {
                inFlight += local.count
                thread.stats.add(ThreadStats.Slot.submitted, UInt64(local.count))
                local.removeAll(keepingCapacity: true)
            }

            if stopping.load(ordering: .acquiring) && inFlight == 0 { break }
            if justDelivered && io_uring_cq_ready(ring) == 0 && !hasIncoming.load(ordering: .acquiring) {
                // The handlers will likely post soon: poll briefly rather than sleep
                // in the kernel and be woken through the eventfd (see IdlePoll).
                idle.store(true, ordering: .relaxed)
                let posted = idlePoll.poll(until: { hasIncoming.load(ordering: .acquiring) })
                idle.store(false, ordering: .relaxed)
                if posted {
                    justDelivered = false
                    continue
                }
            }
            justDelivered = false
            if io_uring_cq_ready(ring) > 0 {
                _ = io_uring_submit_and_get_events(ring)
            } else {
                sleeping.store(true, ordering: .sequentiallyConsistent)
                if incoming.withLock({ !$0.isEmpty }) {
                    sleeping.store(false, ordering: .relaxed)
                    _ = io_uring_submit_and_get_events(ring)
                } else {
                    var cqe: UnsafeMutablePointer<io_uring_cqe>?
                    idle.store(true, ordering: .relaxed)
                    // While the slab holds pages, wake each idle second: they are
                    // given back once a whole second passed with no buffer lent,
                    // all of them if no recv is in the ring (BufferPool.trimIfUnused).
                    let trim = buffers.touched
                    let rc = io_uring_submit_and_wait_timeout(ring, &cqe, 1, trim ? idleTimeout : nil, nil)
                    idle.store(false, ordering: .relaxed)
                    sleeping.store(false, ordering: .relaxed)
                    if trim && rc == -ETIME && io_uring_cq_ready(ring) == 0 && !hasIncoming.load(ordering: .acquiring) {
                        buffers.trimIfUnused(ringQuiet: recvsInFlight == 0)
                    }
                }
            }
            thread.now = monotonicNanos()
            let n = Int(io_uring_peek_batch_cqe(ring, cqes, UInt32(maxReap)))
            var lent = 0
            for i in 0..<n {
                let cqe = cqes[i]!.pointee
                if cqe.user_data == Self.wakeTag {
                    armWake(ring, wakeValue)
                    continue
                }
                let r = Unmanaged<Overlapped>.fromOpaque(UnsafeRawPointer(bitPattern: UInt(cqe.user_data))!)
                    .takeRetainedValue()
                r.result = cqe.res
                r.stampCompleted(at: thread.now)  // reaped now (read right after the wait)
                if r.kind == .recv { recvsInFlight -= 1 }
                if cqe.flags & bufferFlag != 0 {
                    r.buffer = buffers.ref(UInt16(cqe.flags >> bufferShift))
                    lent += 1
                }
                batch.append(r)
            }
            io_uring_cq_advance(ring, UInt32(n))
            // What the kernel posted beyond this reap: reaped ones count as completed.
            depth.store(Int64(io_uring_cq_ready(ring)), ordering: .relaxed)
            inFlight -= batch.count
            overflow.store(UInt64(overlap_cq_overflow(ring)), ordering: .relaxed)
            if lent > 0 { buffers.kernelLent(lent) }
            if !batch.isEmpty {
                for r in batch { thread.stats.countCompleted(r.kind, r.mode) }
                let count = batch.count
                // Poll for the handlers' posts only if other threads run some.
                justDelivered = sink.deliver(&batch, from: thread) < count
                batch.removeAll(keepingCapacity: true)
            }
        }
        sink.engineThreadStopped(thread)
        registry.retire(thread.stats)
    }

    func stop() {
        stopping.store(true, ordering: .releasing)
        var one: UInt64 = 1
        _ = write(wakeFd, &one, 8)
        threads.joinAll()
    }

    var ringDepth: Int64 { depth.load(ordering: .relaxed) }
    var ringOverflow: UInt64 { overflow.load(ordering: .relaxed) }

    /// Whether io_uring works here, with everything this engine needs: a ring,
    /// the opcodes, and provided-buffer rings. Returns why not, or nil.
    static func probe() -> String? {
        let ring = UnsafeMutablePointer<io_uring>.allocate(capacity: 1)
        defer { ring.deallocate() }
        let rc = io_uring_queue_init(8, ring, 0)
        if rc < 0 {
            var why = "io_uring_setup failed: \(Errno(rawValue: -rc))"
            if let setting = readSmallFile("/proc/sys/kernel/io_uring_disabled"), setting != "0" {
                why += " (kernel.io_uring_disabled=\(setting))"
            }
            return why
        }
        defer { io_uring_queue_exit(ring) }
        guard let probe = io_uring_get_probe_ring(ring) else { return "io_uring probe failed" }
        defer { io_uring_free_probe(probe) }
        for (op, name) in [(IORING_OP_ACCEPT, "accept"), (IORING_OP_RECV, "recv"), (IORING_OP_SEND, "send"),
                           (IORING_OP_READ, "read")] where io_uring_opcode_supported(probe, Int32(op.rawValue)) == 0 {
            return "io_uring lacks the \(name) operation"
        }
        // Provided-buffer rings need Linux 5.19.
        let bytes = MemoryLayout<io_uring_buf>.stride * 8
        guard let mem = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              mem != MAP_FAILED else { return "mmap failed" }
        defer { munmap(mem, bytes) }
        var reg = io_uring_buf_reg()
        reg.ring_addr = UInt64(UInt(bitPattern: mem))
        reg.ring_entries = 8
        reg.bgid = 0
        let r2 = io_uring_register_buf_ring(ring, &reg, 0)
        if r2 < 0 { return "io_uring provided-buffer rings unavailable: \(Errno(rawValue: -r2))" }
        _ = io_uring_unregister_buf_ring(ring, 0)
        return nil
    }
}
