import CLinux
import Glibc
import OverlapModel
import OverlapSystem
import Synchronization

/// One accepted connection, echoing what it receives.
///
/// The echo is a strict cycle with one request in flight at a time:
/// recv (a buffer is lent when data arrives) → send it all (short sends are
/// finished by posting the rest) → give the buffer back → recv again. So
/// every byte is echoed exactly once and in order, a session holds at most one
/// buffer, and a peer that never reads stops being read from (its send stays
/// pending and TCP flow control pushes back) instead of making the server buffer.
///
/// Handlers of one session never run at the same time (one request in flight),
/// so its plain fields are touched by one thread at a time; the counters the
/// snapshot reads are atomics.
final class Session: CompletionTarget, @unchecked Sendable {
    let id: UInt64
    var sessionID: UInt64 { id }
    let peer: String
    let socket: EngineSocket
    let createdAtNanos: UInt64
    /// The APC thread this session is pinned to (callback mode).
    let home: Int
    private unowned let host: SessionHost
    /// The host's post path and buffers, kept here: read through the host
    /// protocol on every post they cost retains and a witness call each.
    private let posting: PostPath
    private let buffers: BufferPool
    private let recvRequest: Overlapped
    private let sendRequest: Overlapped

    private let bytesIn = Atomic<UInt64>(0)
    private let bytesOut = Atomic<UInt64>(0)
    private let requests = Atomic<UInt64>(0)
    private let lastActive: Atomic<UInt64>
    private let lastThread = Atomic<Int>(-1)
    /// The threads that ran this session's handlers in sampling interval
    /// `ranOnEpoch`, one bit per thread (`ThreadStats.runBit`). Written by the one
    /// thread running the session's handler (so load and store suffice):
    /// reset at its first completion in an interval, added to when the
    /// thread changes.
    private let ranOn = Atomic<UInt64>(0)
    private let ranOnEpoch = Atomic<UInt64>(.max)
    private let epoch: SampleEpoch
    private let stateCode = Atomic<UInt8>(0)
    private var closed = false
    /// False once the descriptor is closed: `interrupt` from another thread
    /// must not shut down a number the kernel has given to a new socket.
    private let descriptorOpen = Locked(true)
    /// Debug builds: one handler at a time, from its start to the post that hands the session on.
    private let owner = SingleOwner()

    init(id: UInt64, socket: EngineSocket, peer: String, home: Int, host: SessionHost) {
        self.home = home
        self.id = id
        self.socket = socket
        self.peer = peer
        self.host = host
        posting = host.posting
        buffers = host.buffers
        epoch = host.sampleEpoch
        recvRequest = Overlapped(kind: .recv, socket: socket)
        sendRequest = Overlapped(kind: .send, socket: socket)
        createdAtNanos = monotonicNanos()
        lastActive = Atomic(createdAtNanos)
    }

    func start(on thread: IOThread) {
        postRecv(on: thread)
    }

    private func postRecv(on thread: IOThread) {
        setState(.receiving)
        recvRequest.buffer = nil
        recvRequest.result = 0
        owner.handOff()
        posting.post(recvRequest, target: self, home: home, from: thread)
    }

    private func postSend(on thread: IOThread) {
        setState(.sending)
        owner.handOff()
        posting.post(sendRequest, target: self, home: home, from: thread)
    }

    func complete(_ r: Overlapped, on thread: IOThread) {
        owner.enter("session \(id)")
        add(requests, 1)
        lastActive.store(thread.now, ordering: .relaxed)
        let moved = lastThread.load(ordering: .relaxed) != thread.id
        if moved { lastThread.store(thread.id, ordering: .relaxed) }
        let interval = epoch.current
        if ranOnEpoch.load(ordering: .relaxed) != interval {  // its first handler in this interval
            ranOn.store(thread.stats.runBit, ordering: .relaxed)
            ranOnEpoch.store(interval, ordering: .releasing)
        } else if moved {
            ranOn.store(ranOn.load(ordering: .relaxed) | thread.stats.runBit, ordering: .relaxed)
        }
        let n = r.result
        switch r.kind {
        case .recv:
            if n > 0 {
                add(bytesIn, UInt64(n))
                thread.stats.add(ThreadStats.Slot.bytesIn, UInt64(n))
                thread.stats.add(ThreadStats.Slot.receives)
                // The received bytes move, with their buffer, to the send request.
                sendRequest.buffer = r.buffer
                r.buffer = nil
                sendRequest.offset = 0
                sendRequest.length = Int(n)
                postSend(on: thread)
            } else if n == 0 {
                finish(.peerClosed, on: thread)
            } else if n == -ENOBUFS {
                thread.stats.add(ThreadStats.Slot.bufferWaits)
                if host.isStopping {
                    finish(.shutdown, on: thread)
                } else {
                    setState(.waitingForBuffer)
                    if !host.bufferWaits.wait(self) { bufferAvailable(on: thread) }
                }
            } else {
                if let b = r.buffer { buffers.release(b, on: thread) }
                r.buffer = nil
                finish(Self.reason(errno: -n, stopping: host.isStopping), on: thread)
            }
        case .send:
            if n > 0 {
                add(bytesOut, UInt64(n))
                thread.stats.add(ThreadStats.Slot.bytesOut, UInt64(n))
                r.offset += Int(n)
                r.length -= Int(n)
                if r.length > 0 {
                    postSend(on: thread)  // short send: finish it before anything else
                    return
                }
                let b = r.buffer!
                r.buffer = nil
                buffers.release(b, on: thread)
                postRecv(on: thread)
            } else {
                if let b = r.buffer { buffers.release(b, on: thread) }
                r.buffer = nil
                finish(n == 0 ? .error : Self.reason(errno: -n, stopping: host.isStopping), on: thread)
            }
        case .accept:
            preconditionFailure("a session posts no accept")
        }
    }

    /// A buffer came back while this session waited for one (or one was free
    /// after all, or the server is stopping and nobody waits any more).
    func bufferAvailable(on thread: IOThread) {
        if host.isStopping {
            finish(.shutdown, on: thread)
        } else {
            postRecv(on: thread)
        }
    }

    /// Asks the peer's pending request to complete now (server shutdown): the
    /// recv sees end of stream, a send fails, and the handler closes the session.
    /// Any thread; a no-op once the session has closed (its descriptor
    /// number may already belong to another socket).
    func interrupt() {
        descriptorOpen.withLock { open in
            if open { _ = Glibc.shutdown(socket.fd, Int32(SHUT_RDWR)) }
        }
    }

    /// Closes the session; called once, with no request in flight.
    func finish(_ reason: CloseReason, on thread: IOThread) {
        precondition(!closed, "session \(id) closed twice")
        closed = true
        setState(.closing)
        host.detach(socket)
        descriptorOpen.withLock { open in
            open = false
            Glibc.close(socket.fd)
        }
        owner.handOff()
        host.sessionClosed(self, reason: reason, on: thread)
    }

    static func reason(errno e: Int32, stopping: Bool) -> CloseReason {
        if stopping { return .shutdown }
        switch e {
        case ECONNRESET, EPIPE: return .reset
        case ECANCELED: return .shutdown
        default: return .error
        }
    }

    private func add(_ counter: borrowing Atomic<UInt64>, _ n: UInt64) {
        // One handler at a time per session: a load and a store cannot lose an update.
        counter.store(counter.load(ordering: .relaxed) &+ n, ordering: .relaxed)
    }

    private func setState(_ s: SessionRow.State) {
        let code: UInt8 = switch s {
        case .receiving: 0
        case .sending: 1
        case .waitingForBuffer: 2
        case .closing: 3
        }
        stateCode.store(code, ordering: .relaxed)
    }

    /// Whether this session's echo send has been pending `idleNanos` or
    /// longer at `now` (its peer is not reading). Any thread.
    func sendingLongerThan(_ idleNanos: UInt64, now: UInt64) -> Bool {
        guard stateCode.load(ordering: .relaxed) == 1 else { return false }
        let active = lastActive.load(ordering: .relaxed)
        return now > active && now - active >= idleNanos
    }

    func row(now: UInt64, threadNames: [Int: String]) -> SessionRow {
        let state: SessionRow.State = switch stateCode.load(ordering: .relaxed) {
        case 0: .receiving
        case 1: .sending
        case 2: .waitingForBuffer
        default: .closing
        }
        let active = lastActive.load(ordering: .relaxed)
        var row = SessionRow(id: id, peer: peer, thread: threadNames[lastThread.load(ordering: .relaxed)] ?? "-",
                          state: state, bytesIn: bytesIn.load(ordering: .relaxed),
                          bytesOut: bytesOut.load(ordering: .relaxed), requests: requests.load(ordering: .relaxed),
                          ageNanos: now &- createdAtNanos, idleNanos: now > active ? now - active : 0)
        // The count is of the interval now ending only if the session's last
        // reset was in it; otherwise no handler of it ran in this interval. (A
        // handler that read the interval just before the sampler ended it
        // counts in the one already shown: the next row may read one low.)
        row.threadsRan = ranOnEpoch.load(ordering: .acquiring) == epoch.current ? ranOn.load(ordering: .relaxed).nonzeroBitCount : 0
        return row
    }
}
