/// Where sampled requests' time went (DESIGN §7): three stages per request.
/// - `kernel`: posted → completed by the kernel or the epoll engine (with the
///   engine's own submit hand-off), by operation;
/// - `notify`: completed → picked up by the thread that runs its handler,
///   the notification delay, where the three modes differ; by mode;
/// - `handler`: picked up → handler returned; by mode.
public struct LatencyFigures: Sendable, Equatable, Codable {
    /// Upper bounds (le) of the cumulative buckets, in nanoseconds: 1 µs to 1 s.
    public static let bucketBoundsNanos: [UInt64] = [
        1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
        1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000, 50_000_000,
        100_000_000, 250_000_000, 500_000_000, 1_000_000_000,
    ]

    /// One request in this many (on average) is stamped; 0: sampling is off.
    public var sampleEvery: Int
    /// `[mode.index]`
    public var notify: [LatencyStage]
    /// `[mode.index]`
    public var handler: [LatencyStage]
    /// `[op.index]`
    public var kernel: [LatencyStage]

    public init(sampleEvery: Int, notify: [LatencyStage], handler: [LatencyStage], kernel: [LatencyStage]) {
        self.sampleEvery = sampleEvery
        self.notify = notify
        self.handler = handler
        self.kernel = kernel
    }

    /// No samples yet.
    public static func empty(sampleEvery: Int) -> LatencyFigures {
        let modes = Array(repeating: LatencyStage(), count: NotificationMode.allCases.count)
        return LatencyFigures(sampleEvery: sampleEvery, notify: modes, handler: modes,
                              kernel: Array(repeating: LatencyStage(), count: OpKind.allCases.count))
    }
}

/// One stage's figures: percentiles over the last sampling window, and
/// cumulative counts since the server started (a Prometheus histogram).
public struct LatencyStage: Sendable, Equatable, Codable {
    /// Sampled requests in the last sampling window.
    public var windowCount: UInt64
    /// Percentiles over the last sampling window, nanoseconds (0 with no samples).
    public var p50Nanos: UInt64
    public var p99Nanos: UInt64
    public var maxNanos: UInt64
    /// Since the server started: sampled requests, their summed time (ns),
    /// and how many took at most each of `LatencyFigures.bucketBoundsNanos`.
    public var totalCount: UInt64
    public var totalSumNanos: UInt64
    public var cumulativeBuckets: [UInt64]

    public init(windowCount: UInt64 = 0, p50Nanos: UInt64 = 0, p99Nanos: UInt64 = 0, maxNanos: UInt64 = 0,
                totalCount: UInt64 = 0, totalSumNanos: UInt64 = 0,
                cumulativeBuckets: [UInt64] = Array(repeating: 0, count: LatencyFigures.bucketBoundsNanos.count)) {
        self.windowCount = windowCount
        self.p50Nanos = p50Nanos
        self.p99Nanos = p99Nanos
        self.maxNanos = maxNanos
        self.totalCount = totalCount
        self.totalSumNanos = totalSumNanos
        self.cumulativeBuckets = cumulativeBuckets
    }
}
