import CLinux
import Glibc
import Histogram
import OverlapSystem
import Synchronization

/// What `overlap load` measured: the same figures as the table and `--json`.
public struct LoadReport: Codable, Sendable, Equatable {
    /// Percentiles of a latency histogram, in microseconds (all 0 if nothing was measured).
    public struct Latency: Codable, Sendable, Equatable {
        public var p50: UInt64
        public var p90: UInt64
        public var p99: UInt64
        public var p999: UInt64
        public var max: UInt64
        public var mean: Double

        init(_ h: Histogram<UInt64>?) {
            guard let h, h.totalCount > 0 else {
                (p50, p90, p99, p999, max, mean) = (0, 0, 0, 0, 0, 0)
                return
            }
            p50 = h.valueAtPercentile(50)
            p90 = h.valueAtPercentile(90)
            p99 = h.valueAtPercentile(99)
            p999 = h.valueAtPercentile(99.9)
            max = h.max
            mean = h.mean
        }
    }
    public var host: String
    public var port: Int
    public var connections: Int
    public var size: Int
    public var depth: Int
    public var rate: Double?
    public var durationSeconds: Double
    public var warmupSeconds: Double
    /// Echoes verified and received inside the measured window.
    public var messages: UInt64
    public var messagesPerSecond: Double
    public var megabytesPerSecond: Double
    /// Round-trip latency in microseconds, the figure to quote. Open loop:
    /// from when each message was due by the schedule, so time the message
    /// spent waiting to be sent (the generator late, its window full, the
    /// server not reading) counts: corrected for coordinated omission.
    /// Closed loop: from when it was sent (there is no schedule).
    public var latencyMicros: Latency
    /// Open loop only: round-trip latency in microseconds from when each
    /// message's first byte was written (service time). At most
    /// `latencyMicros` message by message; the gap is the generator's lateness.
    /// Nil in closed loop, where it would equal `latencyMicros`.
    public var serviceLatencyMicros: Latency?
    public var errors: [LoadError]
    public var ok: Bool { errors.isEmpty }
}

/// A progress sample for the line printed while the load runs: one about
/// every second, and a last one when the run is over.
public struct LoadProgress: Sendable {
    /// Since the connections were opened.
    public var elapsedSeconds: Double
    /// Warm-up plus measured duration, as configured.
    public var totalSeconds: Double
    /// Echoes verified so far, warm-up included.
    public var echoed: UInt64
    /// Echoes per second over `intervalSeconds`.
    public var messagesPerSecond: Double
    /// The time since the previous sample: about 1 s, except the last one's.
    public var intervalSeconds: Double
    /// The last sample, taken when every worker had finished.
    public var isFinal: Bool

    /// The line `overlap load` prints. The last one names its interval (it
    /// is usually a fraction of a second), so it is not read as a full one.
    public var line: String {
        func secs(_ v: Double) -> String { String(format: v == v.rounded() ? "%.0f" : "%.1f", v) }
        let head = String(format: "[%4.1fs/%@s]", elapsedSeconds, secs(totalSeconds))
        if !isFinal { return head + String(format: " %.0f msg/s, %llu echoes verified", messagesPerSecond, echoed) }
        if intervalSeconds < 0.1 { return head + " done, \(echoed) echoes verified" }
        return head + String(format: " %.0f msg/s over the last %.1f s, %llu echoes verified, done", messagesPerSecond,
                             intervalSeconds, echoed)
    }
}

/// Opens the connections, runs the workers, and gathers their results.
public enum LoadRunner {
    public static func run(_ config: LoadConfig, progress: ((LoadProgress) -> Void)? = nil) -> LoadReport {
        var conns: [LoadConnection] = []
        var errors: [LoadError] = []
        let window = config.rate == nil ? config.depth : config.openLoopWindow
        for i in 0..<config.connections {
            switch connect(host: config.host, port: config.port) {
            case .success(let fd):
                conns.append(LoadConnection(index: i, fd: fd, size: config.size, window: window,
                                            stampsWrites: config.rate != nil))
            case .failure(let why):
                errors.append(LoadError(connection: i, message: 0, kind: .connect, detail: why.description))
            }
            if !errors.isEmpty { break }
        }
        guard errors.isEmpty else { return report(config, measured: 0, histogram: nil, service: nil, errors: errors) }

        let threads = min(config.threads, conns.count)
        let abort = AbortFlag()
        let start = overlap_monotonic_ns()
        let workers = (0..<threads).map { t in
            LoadWorker(conns: conns.enumerated().filter { $0.offset % threads == t }.map(\.element), config: config,
                       start: start, abortRef: abort)
        }
        conns.removeAll()
        let done = Atomic<Int>(0)
        let handles = workers.enumerated().map { i, w in
            OSThread(name: "load-\(i)") {
                w.run()
                done.wrappingAdd(1, ordering: .releasing)
            }
        }
        let total = config.warmup + config.duration
        var lastEchoed: UInt64 = 0
        var lastAt = start
        var nextReport = start + 1_000_000_000
        func sample(at now: UInt64, final: Bool) {
            let echoed = workers.reduce(0) { $0 + $1.echoed.load(ordering: .relaxed) }
            let interval = Double(now - lastAt) / 1e9
            progress?(LoadProgress(elapsedSeconds: Double(now - start) / 1e9, totalSeconds: total, echoed: echoed,
                                   messagesPerSecond: interval > 0 ? Double(echoed - lastEchoed) / interval : 0,
                                   intervalSeconds: interval, isFinal: final))
            lastEchoed = echoed
            lastAt = now
        }
        while done.load(ordering: .acquiring) < workers.count {
            usleep(50_000)
            let now = overlap_monotonic_ns()
            if progress != nil && now >= nextReport {
                sample(at: now, final: false)
                nextReport += 1_000_000_000
            }
        }
        if progress != nil { sample(at: overlap_monotonic_ns(), final: true) }
        for h in handles { h.join() }
        var histogram = workers[0].histogram
        var service = workers[0].serviceHistogram
        for w in workers.dropFirst() {
            histogram.add(w.histogram)
            service.add(w.serviceHistogram)
        }
        for w in workers {
            errors += w.conns.compactMap(\.failure)
        }
        errors.sort { $0.connection < $1.connection }
        return report(config, measured: workers.reduce(0) { $0 + $1.measured }, histogram: histogram,
                      service: config.rate == nil ? nil : service, errors: errors)
    }

    private static func report(_ c: LoadConfig, measured: UInt64, histogram: Histogram<UInt64>?,
                               service: Histogram<UInt64>?, errors: [LoadError]) -> LoadReport {
        let mps = Double(measured) / c.duration
        return LoadReport(host: c.host, port: c.port, connections: c.connections, size: c.size, depth: c.depth,
                          rate: c.rate, durationSeconds: c.duration, warmupSeconds: c.warmup, messages: measured,
                          messagesPerSecond: mps, megabytesPerSecond: mps * Double(c.size) / 1e6,
                          latencyMicros: .init(histogram),
                          serviceLatencyMicros: c.rate == nil ? nil : .init(service), errors: errors)
    }

    /// A connected, non-blocking TCP socket with Nagle off, or why not.
    public static func connect(host: String, port: Int) -> Result<Int32, TCPClientError> {
        TCPClient.connect(host: host, port: port, nonBlocking: true)
    }
}
