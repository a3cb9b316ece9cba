/// One session (accepted connection) as the sessions table shows it.
public struct SessionRow: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable {
        /// A recv is pending: waiting for the peer.
        case receiving
        /// An echo send is pending: waiting for the peer to read.
        case sending
        /// No buffer was free: waiting for one before receiving again.
        case waitingForBuffer
        /// Closing: its last request is being delivered.
        case closing
    }
    public var id: UInt64
    public var peer: String
    /// The thread that ran the session's last handler ("-" before its first):
    /// in callback mode always its APC thread (sessions are pinned there); in
    /// port mode whichever worker the port woke.
    public var thread: String
    /// How many threads ran this session's handlers in the last sampling
    /// interval (0: none ran; callback mode: 1, its APC thread; port mode:
    /// the workers it moved between). Intervals end when the sampler reads
    /// session rows (a server with a dashboard); without, the count is since
    /// the session's first handler. Threads are told apart by id modulo 64,
    /// and ids only grow (each return to a mode starts new threads), so
    /// after many switches two live threads may share a bit and it reads low.
    public var threadsRan = 0
    public var state: State
    public var bytesIn: UInt64
    public var bytesOut: UInt64
    public var requests: UInt64
    public var ageNanos: UInt64
    public var idleNanos: UInt64

    public init(id: UInt64, peer: String, thread: String, state: State, bytesIn: UInt64, bytesOut: UInt64,
                requests: UInt64, ageNanos: UInt64, idleNanos: UInt64) {
        self.id = id
        self.peer = peer
        self.thread = thread
        self.state = state
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.requests = requests
        self.ageNanos = ageNanos
        self.idleNanos = idleNanos
    }
}
