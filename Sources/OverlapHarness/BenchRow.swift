/// One cell of `overlap bench`: a mode on an engine under one scenario.
/// With `--repeat N` the figures are the median of N runs, with the lowest
/// and highest messages/s beside them (`msgs_per_s_min`, `msgs_per_s_max`).
public struct BenchRow: Codable, Sendable, Equatable {
    public var mode: String
    public var engine: String
    public var scenario: String
    public var msgs_per_s: Double
    public var msgs_per_s_min: Double
    public var msgs_per_s_max: Double
    public var runs: Int
    public var mb_per_s: Double
    /// Round-trip latency, microseconds.
    public var p50_us: UInt64
    public var p99_us: UInt64
    /// Deepest sampled completion queue of the mode.
    public var peak_queue_depth: Int64
    /// Threads that ran completions (the mode's own, and an engine thread that ran some).
    public var threads_used: Int
    /// `Fairness.jain` of those threads' completions.
    public var fairness: Double
    public var errors: [String]

    public init(mode: String, engine: String, scenario: String, msgsPerSecond: Double, mbPerSecond: Double,
                p50Micros: UInt64, p99Micros: UInt64, peakQueueDepth: Int64, threadsUsed: Int, fairness: Double,
                errors: [String]) {
        self.mode = mode
        self.engine = engine
        self.scenario = scenario
        msgs_per_s = msgsPerSecond
        msgs_per_s_min = msgsPerSecond
        msgs_per_s_max = msgsPerSecond
        runs = 1
        mb_per_s = mbPerSecond
        p50_us = p50Micros
        p99_us = p99Micros
        peak_queue_depth = peakQueueDepth
        threads_used = threadsUsed
        self.fairness = fairness
        self.errors = errors
    }

    /// The runs of one cell summed up: each figure is the median of the runs
    /// (the run with the median messages/s gives the others), messages/s
    /// also as min-max, and every error of every run. Nil for no runs.
    public static func summary(of runs: [BenchRow]) -> BenchRow? {
        guard !runs.isEmpty else { return nil }
        let sorted = runs.sorted { $0.msgs_per_s < $1.msgs_per_s }
        var median = sorted[(sorted.count - 1) / 2]
        if sorted.count % 2 == 0 {
            median.msgs_per_s = (sorted[sorted.count / 2 - 1].msgs_per_s + sorted[sorted.count / 2].msgs_per_s) / 2
        }
        median.msgs_per_s_min = sorted.first!.msgs_per_s
        median.msgs_per_s_max = sorted.last!.msgs_per_s
        median.runs = runs.count
        median.errors = runs.flatMap(\.errors)
        return median
    }
}
