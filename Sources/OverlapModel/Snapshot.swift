/// What a thread does for the server, as the per-thread load panel shows it.
public enum ThreadRole: Sendable, Equatable, Codable {
    /// Owns a kernel queue (io_uring ring or epoll set): submits and reaps. On
    /// io_uring it also runs port-mode completions itself when a worker slot
    /// is free: that work shows on its `portVisits` row.
    case engine
    /// Drains the completion port.
    case portWorker
    /// An engine thread's visits to the completion port (io_uring, port
    /// mode): the completions it ran as a worker would, and the time they
    /// took, on a row of their own so the engine's row keeps only its
    /// kernel work.
    case portVisits
    /// Waits on a group of up to 64 event objects; `groupSize` events are in use.
    case eventWaiter(groupSize: Int)
    /// Runs completion routines from its own APC queue; `queueDepth` are
    /// queued. `waitsOnAccept`: its alertable wait also holds the listener's
    /// AcceptEx event (AcceptEx takes no completion routine).
    case apcThread(queueDepth: Int, waitsOnAccept: Bool = false)
    /// The thread that started the server (posts the first accepts, handles signals).
    case control

    public var label: String {
        switch self {
        case .engine: "engine"
        case .portWorker: "port worker"
        case .portVisits: "engine as worker"
        case .eventWaiter(let n): "event waiter (\(n))"
        case .apcThread(let n, let accept): "APC thread (queue \(n))" + (accept ? " + accept event" : "")
        case .control: "control"
        }
    }
}

/// One thread's counters at the moment of the snapshot. Totals are monotonic:
/// rates and busy share come from the difference between two snapshots.
public struct ThreadRow: Sendable, Equatable, Codable {
    public var id: Int
    public var name: String
    public var role: ThreadRole
    /// Mode whose requests this thread handles (nil for engine and control threads).
    public var mode: NotificationMode?
    /// Completions this thread has handled (run the handler of), since it started.
    public var completions: UInt64
    /// Requests this thread saw finish in the kernel since it started: reaped
    /// from the io_uring completion queue, or performed on epoll readiness
    /// (an engine's own work; on epoll also a port worker's, which does the
    /// I/O itself).
    public var reaped: UInt64 = 0
    /// Waits this thread has entered since it started: alertable waits of an
    /// APC thread (`SleepEx` / `WaitForMultipleObjectsEx`), wakes of an event
    /// waiter (`WSAWaitForMultipleEvents` returning), a port worker's
    /// `GetQueuedCompletionStatus` calls that found nothing to take and
    /// waited (on the port, or in the kernel's wait on epoll); 0 for others.
    public var waits: UInt64 = 0
    /// CPU time this thread has used since it started, in nanoseconds (time it
    /// ran, not time it was preempted or asleep; an engine's idle polling counts).
    public var busyNanos: UInt64
    /// Monotonic nanoseconds at which the thread started.
    public var startedAtNanos: UInt64
    /// False once the thread has retired (its totals still count in the sums).
    public var alive: Bool
    /// 99th percentile of the notification delay of the sampled requests
    /// whose handlers this thread ran in the last sampling window, in
    /// nanoseconds (nil: none, or not a sample).
    public var notifyP99Nanos: UInt64?

    public init(id: Int, name: String, role: ThreadRole, mode: NotificationMode?, completions: UInt64,
                busyNanos: UInt64, startedAtNanos: UInt64, alive: Bool) {
        self.id = id
        self.name = name
        self.role = role
        self.mode = mode
        self.completions = completions
        self.busyNanos = busyNanos
        self.startedAtNanos = startedAtNanos
        self.alive = alive
    }
}

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
    /// the session's first handler. Thread ids alias modulo 64, so with more
    /// threads it may read low.
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

/// A line of the event log: mode switches, errors, refusals.
public struct ServerEvent: Sendable, Equatable, Codable {
    public enum Level: String, Sendable, Codable { case info, warning, error }
    public var atNanos: UInt64
    public var level: Level
    /// The line in English, with " (xN)" when N events were folded into it:
    /// what the log records and the stats JSON carry.
    public var message: String
    /// The same line as a phrase and its values, for a reader in another
    /// language (nil: a line that has only its English text). Not encoded:
    /// the stats JSON keeps the English line only.
    public var phrasing: Phrasing? = nil
    /// How many events this line stands for (a folded burst; at least 1).
    /// Not encoded: `message` says it ("(xN)").
    public var repeats: Int = 1

    private enum CodingKeys: String, CodingKey { case atNanos, level, message }

    public init(atNanos: UInt64, level: Level, message: String) {
        self.atNanos = atNanos
        self.level = level
        self.message = message
        self.phrasing = nil
        self.repeats = 1
    }

    /// An event told as `phrasing` (its English text becomes `message`).
    public init(atNanos: UInt64, level: Level, phrasing: Phrasing, repeats: Int = 1) {
        self.atNanos = atNanos
        self.level = level
        self.phrasing = phrasing
        self.repeats = max(1, repeats)
        self.message = phrasing.text(.en) + (repeats > 1 ? " (x\(repeats))" : "")
    }

    /// The line in `language`.
    public func text(_ language: Language) -> String {
        guard let phrasing else { return message }
        return phrasing.text(language) + (repeats > 1 ? " (x\(repeats))" : "")
    }
}

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
    /// queued while no thread started a handler, in nanoseconds, to within
    /// the sampler's 50 ms between looks (0: none, or not sampled). A stall that
    /// every request in flight is caught in shows here whatever the latency
    /// sampling rate.
    public var queueStallNanos: UInt64 = 0
    /// Completions handled, per mode.
    public var delivered: [UInt64]
    /// Completions the engine has reaped and not yet handed to a notifier.
    public var ringDepth: Int64
    /// Completions the kernel could not post to the ring at once (io_uring CQ overflow).
    public var ringOverflow: UInt64
    /// Receives that found no free buffer and waited for one.
    public var bufferWaits: UInt64

    public var threads: [ThreadRow]
    public var sessionRows: [SessionRow]
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
                queued: [Int64] = [0, 0, 0], queuedPeak: [Int64] = [0, 0, 0], delivered: [UInt64] = [0, 0, 0],
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

/// What a front end (dashboard, headless printer, metrics) may ask of a server.
public protocol ServerControl: Sendable {
    /// Reads every figure now. `sessions: false` leaves out the per-session
    /// rows (cheaper). For counters that must be fresh (a metrics scrape);
    /// windowed figures come from `latestSample()`.
    func snapshot(sessions: Bool) -> StatsSnapshot
    /// The newest sample taken by the server's own sampler, every
    /// `refreshMs`: the snapshot and the rates over the window since the
    /// sample before. Every reader sees the same window, however many there
    /// are and however often they read. Never blocks for long (any thread).
    func latestSample() -> Sample
    /// The sampler's interval in milliseconds (`RefreshInterval.range`).
    var refreshMs: Int { get }
    /// Changes the sampler's interval (clamped to `RefreshInterval.range`);
    /// the next sample is taken one new interval after the last one.
    func setRefresh(ms: Int)
    /// Makes `mode` the mode of every request posted from now on. Throws if the
    /// server cannot run that mode.
    func switchMode(to mode: NotificationMode) throws
    /// Starts a trace capture of the sampled requests (Chrome trace-event
    /// JSON) into `path`, or the server's `--trace` file, or a default file
    /// name; returns the path. Throws
    /// an error worded for the user.
    func startTrace(path: String?) throws -> String
    /// Stops a running trace capture; its status shows in the snapshot.
    func stopTrace()
    /// Switches the hazard lab to `hazards` (DESIGN §7); the next samples
    /// show them in `StatsSnapshot.hazards`. Throws an error worded for the
    /// user where the lab is not available (an attached server).
    func setHazards(_ hazards: HazardSettings) throws
    /// Thread names `slow-handler` may name (`apc-0`, `port-1`, ...).
    var hazardThreadNames: [String] { get }
    /// The hazards on now (not as of the last sample).
    var hazards: HazardSettings { get }
}

extension ServerControl {
    public func setHazards(_ hazards: HazardSettings) throws {
        throw HazardError("the hazard lab is not available here")
    }
    public var hazardThreadNames: [String] { [] }
    public var hazards: HazardSettings { latestSample().snapshot.hazards }
}

/// One sample of the server's sampler.
public struct Sample: Sendable, Equatable {
    /// 0 for the first sample, then one more per sample.
    public var sequence: UInt64
    public var snapshot: StatsSnapshot
    /// Rates over the window from the previous sample to this one (zero
    /// for the first sample: no window yet).
    public var rates: SnapshotRates

    public init(sequence: UInt64, snapshot: StatsSnapshot, rates: SnapshotRates) {
        self.sequence = sequence
        self.snapshot = snapshot
        self.rates = rates
    }

    /// A sample with no window: `snapshot` against itself.
    public init(first snapshot: StatsSnapshot) {
        self.init(sequence: 0, snapshot: snapshot, rates: SnapshotRates(from: snapshot, to: snapshot))
    }

    /// The sample after `self`, taken at `next`, with the rates over the window between them.
    public func followed(by next: StatsSnapshot) -> Sample {
        Sample(sequence: sequence &+ 1, snapshot: next, rates: SnapshotRates(from: snapshot, to: next))
    }
}

/// The sampling interval's one owner: the range every front end accepts and
/// the steps `+` / `-` move through.
public enum RefreshInterval {
    /// Milliseconds.
    public static let range = 100...10_000
    /// The steps of `+` / `-`, milliseconds, fastest first.
    public static let steps = [100, 200, 250, 500, 1000, 2000, 5000, 10_000]

    public static func clamp(_ ms: Int) -> Int { min(range.upperBound, max(range.lowerBound, ms)) }

    /// The next step faster (shorter) or slower than `ms`.
    public static func step(from ms: Int, faster: Bool) -> Int {
        faster ? steps.last { $0 < ms } ?? steps[0] : steps.first { $0 > ms } ?? steps[steps.count - 1]
    }
}
