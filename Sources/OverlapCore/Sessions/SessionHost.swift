import OverlapModel

/// What a session may ask of the server that owns it, and nothing more
/// (not the engine, not the router, not the other sessions).
protocol SessionHost: AnyObject, Sendable {
    /// Posts a request in the current mode (`PostPath`).
    var posting: PostPath { get }
    /// The receive buffers, to give one back after its echo is sent.
    var buffers: BufferPool { get }
    /// The sampling interval now running (`ran on` counts per interval).
    var sampleEpoch: SampleEpoch { get }
    /// Where a session waits when every buffer is lent.
    var bufferWaits: BufferWaitQueue { get }
    /// True once the server has begun to stop: sessions close instead of going on.
    var isStopping: Bool { get }
    /// Forgets a socket before it is closed (no request may be in flight on it).
    func detach(_ socket: EngineSocket)
    /// Called once per session, on the thread that closed it.
    func sessionClosed(_ session: Session, reason: CloseReason, on thread: IOThread)
}

/// What the listener may ask of the server that owns it.
protocol ListenerHost: AnyObject, Sendable {
    var posting: PostPath { get }
    var isStopping: Bool { get }
    var log: EventLog { get }
    /// Counters for the listener's short-lived retry threads.
    var registry: StatsRegistry { get }
    /// Takes a newly accepted descriptor: a session, or refused at the limit.
    func admit(fd: Int32, on thread: IOThread)
    /// The listener's last accept has completed (the server is stopping).
    func listenerClosed()
}
