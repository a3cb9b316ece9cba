import OverlapCore
import OverlapLoad
import OverlapModel

/// Runs one bench cell: a fresh in-process server in `mode` on `engine`,
/// driven by the load generator (every byte verified) over `scenario`.
public enum BenchRun {
    /// - Parameters:
    ///   - duration: seconds measured, after 0.5 s of warm-up.
    ///   - threads: APC threads / port workers and the concurrency value (nil: cores).
    public static func run(mode: NotificationMode, engine: EngineKind, scenario sc: BenchScenario,
                           duration: Double, threads: Int?) throws -> BenchRow {
        var config = ServerConfig()
        config.port = 0
        config.mode = mode
        config.engine = engine == .uring ? .uring : .epoll
        config.refreshMs = 100  // the peak queue depth is the deepest sampled
        config.sampleSessionRows = false
        if let t = threads {
            config.threads = t
            config.concurrency = t
        }
        let server = try EchoServer(config: config)
        try server.start()
        defer { server.stop() }
        let before = server.allThreadRows()
        var load = LoadConfig()
        load.port = server.address.port
        load.connections = sc.connections
        load.size = sc.size
        load.depth = sc.depth
        load.duration = duration
        load.warmup = 0.5
        let report = LoadRunner.run(load)
        let after = server.latestSample().snapshot
        let prior = Dictionary(before.map { ($0.id, $0.completions) }, uniquingKeysWith: { a, _ in a })
        // The mode's own threads, and the engine thread if it ran some (port mode's engine visit).
        let work = server.allThreadRows().compactMap { row -> Double? in
            let ran = Double(row.completions - (prior[row.id] ?? 0))
            return row.mode == mode || (row.role == .engine && ran > 0) ? ran : nil
        }
        return BenchRow(mode: mode.rawValue, engine: engine.rawValue, scenario: sc.name,
                        msgsPerSecond: report.messagesPerSecond, mbPerSecond: report.megabytesPerSecond,
                        p50Micros: report.latencyMicros.p50, p99Micros: report.latencyMicros.p99,
                        peakQueueDepth: after.queuedPeak[mode.index], threadsUsed: work.filter { $0 > 0 }.count,
                        fairness: Fairness.jain(work), errors: report.errors.map(\.description))
    }
}
