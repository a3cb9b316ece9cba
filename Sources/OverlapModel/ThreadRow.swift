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
    /// Requests this thread submitted to the kernel since it started: SQEs
    /// an io_uring engine put on its submission queue (`io_uring_submit`);
    /// 0 for every other thread (on epoll the posting thread tries the
    /// operation itself).
    public var submitted: UInt64 = 0
    /// Handlers this thread ran inline since it started, on the thread that
    /// posted a request that completed at once (the `skip-on-success`
    /// hazard: FILE_SKIP_COMPLETION_PORT_ON_SUCCESS); counted in
    /// `completions` too; 0 without the hazard.
    public var inlineRuns: UInt64 = 0
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
