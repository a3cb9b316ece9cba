/// Rates between two snapshots of the same server: the difference of monotonic
/// totals over the measured interval, never an estimate.
public struct SnapshotRates: Sendable, Equatable {
    /// Length of the window, in seconds.
    public var seconds: Double
    /// Receive completions that carried data, per second (not messages: see `StatsSnapshot.receives`).
    public var receivesPerSecond: Double
    public var bytesInPerSecond: Double
    public var bytesOutPerSecond: Double
    /// Completions handled per second, by thread id.
    public var completionsPerSecond: [Int: Double]
    /// Requests seen finishing in the kernel per second (`ThreadRow.reaped`), by thread id.
    public var reapedPerSecond: [Int: Double]
    /// Requests submitted to the kernel per second (`ThreadRow.submitted`),
    /// by thread id: io_uring engines only.
    public var submittedPerSecond: [Int: Double]
    /// Handlers run inline per second (`ThreadRow.inlineRuns`), by thread
    /// id: threads that ran any in the window (skip-on-success).
    public var inlinePerSecond: [Int: Double]
    /// Waits entered per second (`ThreadRow.waits`), by thread id.
    public var waitsPerSecond: [Int: Double]
    /// Busy share 0...1 (CPU time over wall time in the window), by thread id.
    public var busyShare: [Int: Double]
    /// Completions per wait in the window, by thread id, for threads that
    /// waited in it (APC threads: routines per alertable wait; event
    /// waiters: events harvested per wake).
    public var completionsPerWait: [Int: Double]

    public init(from old: StatsSnapshot, to new: StatsSnapshot) {
        let dt = new.takenAtNanos > old.takenAtNanos ? Double(new.takenAtNanos - old.takenAtNanos) : 0
        seconds = dt / 1e9
        func rate(_ a: UInt64, _ b: UInt64) -> Double {
            dt > 0 && b >= a ? Double(b - a) / (dt / 1e9) : 0
        }
        receivesPerSecond = rate(old.receives, new.receives)
        bytesInPerSecond = rate(old.bytesReceived, new.bytesReceived)
        bytesOutPerSecond = rate(old.bytesSent, new.bytesSent)
        var cps: [Int: Double] = [:]
        var busy: [Int: Double] = [:]
        var perWait: [Int: Double] = [:]
        var reaped: [Int: Double] = [:]
        var waitRate: [Int: Double] = [:]
        var submitted: [Int: Double] = [:]
        var inline: [Int: Double] = [:]
        let before = Dictionary(old.threads.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for t in new.threads {
            let prev = before[t.id]
            cps[t.id] = rate(prev?.completions ?? 0, t.completions)
            reaped[t.id] = rate(prev?.reaped ?? 0, t.reaped)
            waitRate[t.id] = rate(prev?.waits ?? 0, t.waits)
            if t.submitted > 0 { submitted[t.id] = rate(prev?.submitted ?? 0, t.submitted) }
            if t.inlineRuns > (prev?.inlineRuns ?? 0) { inline[t.id] = rate(prev?.inlineRuns ?? 0, t.inlineRuns) }
            // A thread born inside the interval is measured over its own lifetime.
            let start = max(old.takenAtNanos, t.startedAtNanos)
            let span = new.takenAtNanos > start ? Double(new.takenAtNanos - start) : 0
            let used = Double(t.busyNanos &- (prev?.busyNanos ?? 0))
            busy[t.id] = span > 0 ? min(1, max(0, used / span)) : 0
            let waits = t.waits &- (prev?.waits ?? 0)
            if waits > 0 { perWait[t.id] = Double(t.completions &- (prev?.completions ?? 0)) / Double(waits) }
        }
        completionsPerWait = perWait
        reapedPerSecond = reaped
        waitsPerSecond = waitRate
        submittedPerSecond = submitted
        inlinePerSecond = inline
        completionsPerSecond = cps
        busyShare = busy
    }
}
