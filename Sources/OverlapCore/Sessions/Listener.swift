import CLinux
import Glibc
import OverlapModel
import OverlapSystem
import Synchronization
import SystemPackage

/// The listening socket and its overlapped accept (`AcceptEx`): one accept is
/// always posted while the server runs.
///
/// Out of descriptors (EMFILE, ENFILE): re-posting at once would spin, since
/// the connection stays queued and accept fails before it even looks. Instead
/// the listener gives up a descriptor it keeps in reserve, accepts the waiting
/// connections and closes them (counted as refused), takes the reserve back,
/// and posts again when a session closes or after 100 ms, whichever is first.
final class Listener: CompletionTarget, @unchecked Sendable {
    let socket: EngineSocket
    private unowned let server: ListenerHost
    private let request: Overlapped
    private var reserveFd: Int32
    /// True while no accept is posted because descriptors ran out; the next
    /// session to close posts it again. Guarded by `pausedLock`.
    private let paused = Locked(false)
    private let done = Atomic<Bool>(false)
    private let retryScheduled = Atomic<Bool>(false)
    private let retryThreads = ThreadList()
    private static let retryDelayMicros: UInt32 = 100_000

    init(socket: EngineSocket, server: ListenerHost) {
        self.socket = socket
        self.server = server
        request = Overlapped(kind: .accept, socket: socket)
        reserveFd = open("/dev/null", O_RDONLY | O_CLOEXEC)
    }

    deinit {
        if reserveFd >= 0 { close(reserveFd) }
    }

    /// The listener is no session.
    var sessionID: UInt64 { 0 }

    func post(on thread: IOThread) {
        request.result = 0
        server.posting.post(request, target: self, home: 0, from: thread)
    }

    /// True once the accept has completed for the last time (server stopping).
    var isClosed: Bool { done.load(ordering: .acquiring) }

    func complete(_ r: Overlapped, on thread: IOThread) {
        let n = r.result
        if server.isStopping {
            if n >= 0 { close(n) }
            finish()
            return
        }
        if n >= 0 {
            server.admit(fd: n, on: thread)
            post(on: thread)
            return
        }
        switch -n {
        case ECONNABORTED, EINTR, EAGAIN, EPROTO, EPERM, ENETDOWN, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH,
             EOPNOTSUPP, ENETUNREACH:
            post(on: thread)  // the connection failed, not the listener
        case EMFILE, ENFILE, ENOBUFS, ENOMEM:
            thread.stats.add(ThreadStats.Slot.acceptErrors)
            server.log.note(.error, Phrasing(.eventAcceptPaused, "\(Errno(rawValue: -n))"),
                            key: "accept-\(-n)")
            if shedQueuedConnections(on: thread) {
                post(on: thread)  // descriptors were free again: carry on
                return
            }
            // Posting again now would fail at once (accept needs a free descriptor
            // even with nothing queued) and spin: wait for a session to close,
            // or retry after a pause.
            paused.withLock { $0 = true }
            _ = scheduleRetry()
        default:
            thread.stats.add(ThreadStats.Slot.acceptErrors)
            server.log.note(.error, Phrasing(.eventAcceptStopped, "\(Errno(rawValue: -n))"))
            finish()
        }
    }

    /// Uses the reserve descriptor to take the waiting connections off the
    /// queue and refuse them (each counted), then takes the reserve back. If
    /// descriptors turn out to be free again, the connection is admitted
    /// instead and this returns true.
    private func shedQueuedConnections(on thread: IOThread) -> Bool {
        guard reserveFd >= 0 else { return false }
        close(reserveFd)
        reserveFd = -1
        defer { if reserveFd < 0 { reserveFd = open("/dev/null", O_RDONLY | O_CLOEXEC) } }
        while true {
            let fd = overlap_accept_nonblocking(socket.fd)
            if fd < 0 { return false }
            reserveFd = open("/dev/null", O_RDONLY | O_CLOEXEC)
            if reserveFd >= 0 {
                server.admit(fd: fd, on: thread)
                return true
            }
            close(fd)
            thread.stats.add(ThreadStats.Slot.refused)
            server.log.note(.warning, Phrasing(.eventRefusedDescriptors), key: "refused-emfile")
        }
    }

    /// Resumes accepting after `retryDelay` on a short-lived thread (one at a
    /// time). False if one is already scheduled.
    private func scheduleRetry() -> Bool {
        guard !retryScheduled.exchange(true, ordering: .acquiringAndReleasing) else { return false }
        retryThreads.add(OSThread(name: "accept-retry") { [self] in
            usleep(Self.retryDelayMicros)
            retryScheduled.store(false, ordering: .releasing)
            if !server.isStopping {
                let stats = server.registry.register(name: "accept-retry", role: .control, mode: nil)
                resume(on: IOThread(stats: stats))
                server.registry.retire(stats)
            }
        })
        return true
    }

    /// Joins the retry thread, if any (server shutdown).
    func joinRetries() { retryThreads.joinAll() }

    /// Posts the accept again if it was paused for lack of descriptors.
    func resume(on thread: IOThread) {
        let wasPaused = paused.withLock { p in
            defer { p = false }
            return p
        }
        guard wasPaused else { return }
        if reserveFd < 0 { reserveFd = open("/dev/null", O_RDONLY | O_CLOEXEC) }
        post(on: thread)
    }

    /// Stops accepting: the pending accept completes with an error.
    func interrupt() {
        _ = Glibc.shutdown(socket.fd, Int32(SHUT_RDWR))
        // A paused listener has no accept in flight: it is done now.
        let wasPaused = paused.withLock { p in
            defer { p = false }
            return p
        }
        if wasPaused { finish() }
    }

    private func finish() {
        done.store(true, ordering: .releasing)
        server.listenerClosed()
    }
}
