import OverlapModel

/// Whoever posted a request and handles its completion (a session, a listener).
package protocol CompletionTarget: AnyObject, Sendable {
    /// Runs the completion routine of `request` on `thread`.
    func complete(_ request: Overlapped, on thread: IOThread)
    /// The session id the sessions table shows (0: the listener), for traces.
    var sessionID: UInt64 { get }
}

/// An overlapped record: one accept, recv or send request.
///
/// Life: posted (handed to the engine) → pending (in the kernel) → completed
/// (result known, queued in its notifier) → delivered (handler run). The
/// record and the buffer it carries stay alive and in place from post until
/// delivery: the engine holds a strong reference while the request is in
/// flight, and `target` keeps its owner alive until the handler has run. The
/// request owns its buffer, not the connection.
///
/// Thread safety: a record is touched by one thread at a time; each hand-off
/// (post, engine completion, notifier queue) goes through a lock or a kernel
/// round trip that orders the writes before it with the reads after it.
package final class Overlapped: @unchecked Sendable {
    package let kind: OpKind
    /// The socket the operation is on.
    let socket: EngineSocket
    /// How the completion is announced; given when the request is posted.
    var ticket = Ticket.port
    /// Who handles the completion; set while the request is in flight.
    var target: CompletionTarget?

    /// The buffer the request owns, if any (an index into the engine's slab).
    var buffer: BufferRef?
    /// Send: first byte to send within the buffer, and how many bytes.
    var offset: Int = 0
    var length: Int = 0

    /// Bytes transferred (recv/send), the accepted descriptor (accept), or -errno.
    /// `package` for the test doubles; unchecked because, visible outside the
    /// module, every access on the I/O path got a dynamic exclusivity check
    /// (+500 instructions per echo), and one thread at a time touches it.
    @exclusivity(unchecked) package var result: Int32 = 0

    /// Latency stamps of a sampled request (monotonic ns): when it was posted
    /// (0: not sampled) and when its I/O completed (reaped from the ring, or
    /// performed by the epoll engine). `runCompletion` takes and clears them.
    var postedAt: UInt64 = 0
    var completedAt: UInt64 = 0
    /// Sampled requests: the id of the thread that posted it (the trace's flow arrows).
    var postedBy: Int = 0

    /// A sampled request's I/O has just completed.
    @inline(__always)
    package func stampCompleted(at now: @autoclosure () -> UInt64) {
        if postedAt != 0 { completedAt = now() }
    }

    package init(kind: OpKind, socket: EngineSocket) {
        self.kind = kind
        self.socket = socket
    }

    /// The mode its ticket announces it in.
    @inline(__always)
    package var mode: NotificationMode { ticket.mode }
}
