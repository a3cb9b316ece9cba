import CLinux
import Glibc
import OverlapModel
import Synchronization

/// The listening socket and its overlapped accept (`AcceptEx`): one accept is
/// always posted while the server runs.
///
/// Out of descriptors (EMFILE, ENFILE): re-posting at once would spin, since
/// the connection stays queued. Instead the listener gives up a descriptor it
/// keeps in reserve, accepts the waiting connection and closes it (counted as
/// refused), takes the reserve back and posts again; with no reserve it waits
/// for a session to close before accepting again.
final class Listener: CompletionTarget, @unchecked Sendable {
    let socket: EngineSocket
    private unowned let server: EchoServer
    private let request: Overlapped
    private var reserveFd: Int32
    /// True while no accept is posted because descriptors ran out; the next
    /// session to close posts it again. Guarded by `pausedLock`.
    private let paused = Mutex(false)
    private let done = Atomic<Bool>(false)

    init(socket: EngineSocket, server: EchoServer) {
        self.socket = socket
        self.server = server
        request = Overlapped(kind: .accept, socket: socket)
        reserveFd = open("/dev/null", O_RDONLY | O_CLOEXEC)
    }

    deinit {
        if reserveFd >= 0 { close(reserveFd) }
    }

    func post(on thread: IOThread) {
        request.result = 0
        server.engine.submit(request, mode: server.mode, target: self, from: thread)
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
            server.log.note(.error, "accept: \(errorText(-n)); refusing new connections until descriptors free up",
                            key: "accept-\(-n)")
            if shedOneConnection(on: thread) {
                post(on: thread)
            } else {
                paused.withLock { $0 = true }
                // A session may have closed meanwhile; if so, do not wait for another.
                if server.sessionCount == 0 { resume(on: thread) }
            }
        default:
            thread.stats.add(ThreadStats.Slot.acceptErrors)
            server.log.note(.error, "accept failed: \(errorText(-n)); no longer accepting")
            finish()
        }
    }

    /// Uses the reserve descriptor to take the waiting connection off the
    /// queue and refuse it. False when there is no reserve to use.
    private func shedOneConnection(on thread: IOThread) -> Bool {
        guard reserveFd >= 0 else { return false }
        close(reserveFd)
        let fd = overlap_accept_nonblocking(socket.fd)
        if fd >= 0 {
            close(fd)
            thread.stats.add(ThreadStats.Slot.refused)
        }
        reserveFd = open("/dev/null", O_RDONLY | O_CLOEXEC)
        return reserveFd >= 0 || fd >= 0
    }

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
    }
}
