import OverlapModel
import SystemPackage

/// Why an engine could not be set up or used.
public enum EngineError: Error, CustomStringConvertible, Equatable {
    /// A system call failed: what was being done, and why.
    case system(String, Errno)
    case unavailable(String)

    public var description: String {
        switch self {
        case .system(let what, let e): "\(what): \(e) (errno \(e.rawValue))"
        case .unavailable(let why): why
        }
    }
}

/// The kernel side: performs posted operations and reports their completion.
///
/// Any thread may post. An engine decides which thread talks to the kernel:
/// io_uring cancels a request when the thread that submitted it exits, so the
/// uring engine submits only from its own long-lived thread.
package protocol IOEngine: AnyObject, Sendable {
    var kind: EngineKind { get }
    var buffers: BufferPool { get }

    /// Starts the engine thread(s), which hand completions to the router
    /// (`ModeRouter.deliver`: the notifier of each request's mode). The
    /// router by its class, not a protocol: the call stays direct (and
    /// inlined) on the I/O path while test doubles outside the module
    /// implement this protocol (a `package` protocol's calls are dynamic).
    func start(sink: ModeRouter, registry: StatsRegistry) throws(EngineError)
    /// Makes a socket usable with this engine (non-blocking descriptor).
    func attach(fd: Int32) throws(EngineError) -> EngineSocket
    /// Forgets a socket before it is closed. No request may be in flight on it.
    func detach(_ socket: EngineSocket)
    /// Hands a request to the engine. The caller has counted it as posted and
    /// set its mode and target.
    func post(_ request: Overlapped, from thread: IOThread)
    /// Stops and joins the engine thread(s). Every request must have completed.
    func stop()

    /// Completions the kernel posted to io_uring's completion queue that the
    /// engine had not reaped when it last reaped (it takes up to 512 at a
    /// time); reaped ones count as completed. 0 on epoll: no completion ring.
    var ringDepth: Int64 { get }
    /// Completions the kernel had to hold back because the ring was full.
    var ringOverflow: UInt64 { get }
}
