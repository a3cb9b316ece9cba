import OverlapModel

/// Everything `overlap serve` can be told (DESIGN.md §4).
public struct ServerConfig: Sendable, Equatable {
    public var host = "127.0.0.1"
    /// 0 picks a free port (tests); `EchoServer.address` tells which.
    public var port = 7777
    public var mode = NotificationMode.port
    public var engine = EngineChoice.auto
    /// APC threads (callback mode) and port workers (port mode).
    public var threads = onlineCores()
    /// The completion port's concurrency value: most workers running at once.
    public var concurrency = onlineCores()
    /// Port mode: whether the engine thread's wake may also run completions,
    /// saving a second thread wake per message. On epoll the port workers
    /// then wait in the kernel themselves and perform the ready I/O (the
    /// engine thread steps aside: `EpollSharedWait.swift`); on io_uring the
    /// engine thread runs its share when a worker slot is free
    /// (`PortNotifier.deliver`). Off shows the textbook pool on both engines:
    /// the engine thread reaps and posts, the port wakes a worker.
    public var engineJoinsPort = true
    public var maxSessions = 10_000
    /// Milliseconds between the sampler's samples (`RefreshInterval.range`).
    public var refreshMs = 1000
    /// One request in this many (on average, per posting thread) is stamped
    /// for latency: kernel, notify and handler time (`serve --sample`); 0 turns
    /// stamping off. The default keeps the cost under 2% (docs/PERFORMANCE.md).
    public var sampleEvery = ServerConfig.defaultSampleEvery
    public static let defaultSampleEvery = 64
    /// How long a trace capture runs before it stops itself, in seconds.
    public var traceSeconds = 10.0
    /// Where a capture started without a path goes (`serve --trace FILE`:
    /// the key `t` writes FILE-2.json, FILE-3.json... beside it, never over
    /// it); nil: `overlap-trace-<time>.json`.
    public var tracePath: String?
    /// Whether samples carry the per-session rows (the dashboard shows them;
    /// a headless server with thousands of sessions need not build them).
    public var sampleSessionRows = true
    /// Receive buffers shared by all sessions (a power of two) and their size.
    public var bufferCount = 512
    public var bufferSize = 64 * 1024
    /// The hazard lab's switches on at start (`serve --hazard`); off by default.
    public var hazards = HazardSettings()

    public init() {}
}
