/// Counts indexed by operation kind and notification mode.
public struct OpModeCounts: Sendable, Equatable, Codable {
    /// `values[op.index][mode.index]`
    public var values: [[Int64]]

    public init() {
        values = Array(repeating: Array(repeating: 0, count: NotificationMode.allCases.count),
                       count: OpKind.allCases.count)
    }

    public subscript(op: OpKind, mode: NotificationMode) -> Int64 {
        get { values[op.index][mode.index] }
        set { values[op.index][mode.index] = newValue }
    }

    public func total(op: OpKind) -> Int64 { values[op.index].reduce(0, +) }
    public func total(mode: NotificationMode) -> Int64 { values.reduce(0) { $0 + $1[mode.index] } }
    public var total: Int64 { values.reduce(0) { $0 + $1.reduce(0, +) } }
}

/// Everything the server knows about itself at one instant. The dashboard, the
/// headless stats line and the metrics endpoint all read only this.
public struct StatsSnapshot: Sendable, Equatable, Codable {
    /// Monotonic nanoseconds when the snapshot was taken.
    public var takenAtNanos: UInt64
    public var startedAtNanos: UInt64
    public var mode: NotificationMode
    public var engine: EngineKind
    /// Why this engine was chosen (e.g. "io_uring probe succeeded").
    public var engineReason: String
    public var listenAddress: String
    public var modeSwitches: UInt64

    public var sessions: Int
    public var accepted: UInt64
    public var closed: UInt64
    public var refused: UInt64
    /// `closedBy[reason.index]`
    public var closedBy: [UInt64]
    public var acceptErrors: UInt64

    public var bytesReceived: UInt64
    public var bytesSent: UInt64
    /// Receive completions that carried data. Not messages: TCP is a byte
    /// stream, so one receive may hold part of a client's message or several
    /// of them (`overlap load` at `--depth 4` counts about 4 messages per receive).
    public var receives: UInt64

    /// Posted and not yet completed by the engine, by kind and mode.
    public var pending: OpModeCounts
    /// Completed by the engine and not yet handled, per mode (`[mode.index]`).
    public var queued: [Int64]
    /// Deepest sampled `queued` per mode over the last
    /// `queuedPeakWindowSeconds` of the server's samples (a fresh, unsampled
    /// snapshot has no window: its peak is its own depth).
    public var queuedPeak: [Int64]
    /// How far back `queuedPeak` looks, in seconds (0: not sampled).
    public var queuedPeakWindowSeconds: Double = 0
    /// The longest time in the sample's window that completed requests sat
    /// queued while no thread started a handler, in nanoseconds, read up to
    /// 100 ms short by the sampler's looks 50 ms apart (0: none, or not
    /// sampled). A stall that
    /// every request in flight is caught in shows here whatever the latency
    /// sampling rate.
    public var queueStallNanos: UInt64 = 0
    /// Completions handled, per mode.
    public var delivered: [UInt64]
    /// Completions left in io_uring's completion queue after the engine's
    /// last reap (0 on epoll, which has no completion ring).
    public var ringDepth: Int64
    /// Completions the kernel could not post to the ring at once (io_uring CQ overflow).
    public var ringOverflow: UInt64
    /// Receives that found no free buffer and waited for one.
    public var bufferWaits: UInt64

    public var threads: [ThreadRow]
    public var sessionRows: [SessionRow]
    /// Sessions whose echo send has been pending at least
    /// `LintEngine.peerIdleNanos` (their peer is not reading), and the
    /// lowest id among them: counted in every snapshot, with or without
    /// `sessionRows` (a headless server samples no rows).
    public var peersNotReading = 0
    public var firstPeerNotReading: UInt64 = 0
    public var events: [ServerEvent]
    /// Where sampled requests' time went (nil in a fresh snapshot: the
    /// sampler computes it, over its window and since start).
    public var latency: LatencyFigures?
    /// The current or last trace capture (nil: none started).
    public var trace: TraceStatus?
    /// The hazard lab's switches that are on (all off by default).
    public var hazards = HazardSettings()
    /// The completion port's concurrency value now, and how many of its
    /// workers run at this instant (a blocked worker does not count; after a
    /// blocked one comes back, running may exceed the value, as on Windows).
    public var portConcurrency = 0
    public var portRunning = 0
    /// Port workers waiting on the port, the next to be woken last (LIFO),
    /// and how many wait in the kernel's wait instead (epoll).
    public var portWaiting: [String] = []
    public var portKernelWaiting = 0
    /// Times a port worker came back from blocking with running already at
    /// the concurrency value (so running exceeded it), since start.
    public var portOverConcurrency: UInt64 = 0
    /// The lints raised at this sample (empty in a fresh snapshot: the
    /// sampler raises them).
    public var lints: [Lint] = []

    public init(takenAtNanos: UInt64 = 0, startedAtNanos: UInt64 = 0, mode: NotificationMode = .port,
                engine: EngineKind = .epoll, engineReason: String = "", listenAddress: String = "",
                modeSwitches: UInt64 = 0, sessions: Int = 0, accepted: UInt64 = 0, closed: UInt64 = 0,
                refused: UInt64 = 0, closedBy: [UInt64] = Array(repeating: 0, count: CloseReason.allCases.count),
                acceptErrors: UInt64 = 0, bytesReceived: UInt64 = 0, bytesSent: UInt64 = 0,
                receives: UInt64 = 0, pending: OpModeCounts = OpModeCounts(),
                queued: [Int64] = Array(repeating: 0, count: NotificationMode.allCases.count),
                queuedPeak: [Int64] = Array(repeating: 0, count: NotificationMode.allCases.count),
                delivered: [UInt64] = Array(repeating: 0, count: NotificationMode.allCases.count),
                ringDepth: Int64 = 0, ringOverflow: UInt64 = 0, bufferWaits: UInt64 = 0,
                threads: [ThreadRow] = [], sessionRows: [SessionRow] = [], events: [ServerEvent] = []) {
        self.takenAtNanos = takenAtNanos
        self.startedAtNanos = startedAtNanos
        self.mode = mode
        self.engine = engine
        self.engineReason = engineReason
        self.listenAddress = listenAddress
        self.modeSwitches = modeSwitches
        self.sessions = sessions
        self.accepted = accepted
        self.closed = closed
        self.refused = refused
        self.closedBy = closedBy
        self.acceptErrors = acceptErrors
        self.bytesReceived = bytesReceived
        self.bytesSent = bytesSent
        self.receives = receives
        self.pending = pending
        self.queued = queued
        self.queuedPeak = queuedPeak
        self.delivered = delivered
        self.ringDepth = ringDepth
        self.ringOverflow = ringOverflow
        self.bufferWaits = bufferWaits
        self.threads = threads
        self.sessionRows = sessionRows
        self.events = events
    }

    public func closed(by reason: CloseReason) -> UInt64 { closedBy[reason.index] }
    /// Requests that still finish in a mode other than the current one (non-zero during a switch).
    /// In callback mode the listener's accept counts under event (AcceptEx
    /// takes no completion routine; its event waits in an APC thread's
    /// alertable wait): that is callback mode's own way, not an old mode's.
    public var finishingInOtherModes: Int64 {
        let others = NotificationMode.allCases.filter { $0 != mode }
            .reduce(0) { $0 + pending.total(mode: $1) + queued[$1.index] }
        return mode == .callback ? others - min(1, pending[.accept, .event]) : others
    }
}
