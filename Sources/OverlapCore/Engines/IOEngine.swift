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

/// Where an engine hands completed requests: the notifier of each request's mode.
protocol CompletionSink: AnyObject, Sendable {
    /// Takes ownership of the completed requests (result set). Called by the
    /// engine thread, or by a posting thread when a request completed at once.
    /// Returns how many of them `thread` ran itself (port mode's engine visit).
    @discardableResult
    func deliver(_ requests: inout [Overlapped], from thread: IOThread) -> Int
    /// Called on each engine thread when it starts, before it delivers
    /// anything (the port keeps its visit there: `PortNotifier.deliver`).
    func engineThreadStarted(_ thread: IOThread)
    /// Called on each engine thread as it stops, after its last delivery.
    func engineThreadStopped(_ thread: IOThread)
}

/// The kernel side: performs posted operations and reports their completion.
///
/// Any thread may post. An engine decides which thread talks to the kernel:
/// io_uring cancels a request when the thread that submitted it exits, so the
/// uring engine submits only from its own long-lived thread.
protocol IOEngine: AnyObject, Sendable {
    var kind: EngineKind { get }
    var buffers: BufferPool { get }

    /// Starts the engine thread(s), which deliver completions to `sink`.
    func start(sink: CompletionSink, registry: StatsRegistry) throws(EngineError)
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
