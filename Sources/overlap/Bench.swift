import ArgumentParser
import Foundation
import OverlapCore
import OverlapLoad
import OverlapModel

/// `overlap bench`: every chosen mode on every chosen engine, driven by the
/// load generator over the four standard scenarios of ../shared/perf.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare the notification modes and engines side by side.",
        discussion: """
        Starts an in-process server per mode x engine on a free loopback port and
        drives it with `overlap load` (every byte verified) over the scenarios
          s1  1 connection, 64 B, depth 1      s2  50 connections, 64 B, depth 8
          s3  500 connections, 512 B, depth 1  s4  10 connections, 16 KiB, depth 4
        About 2 minutes with the defaults. Fairness is Jain's index of the
        completions over the threads that ran them (1 = perfectly even).

        Examples:
          overlap bench
          overlap bench --modes callback,port --engines uring --duration 2 --json
        """)

    @Option(help: "Modes to run, comma-separated.") var modes = "event,callback,port"
    @Option(help: "Engines to run, comma-separated.") var engines = "uring,epoll"
    @Option(help: "Scenarios to run, comma-separated (s1-s4).") var scenarios = "s1,s2,s3,s4"
    @Option(help: "Seconds measured per run (after 0.5 s of warm-up).") var duration: Double = 4
    @Option(help: "Server threads (APC threads, port workers). Default: number of cores.") var threads: Int?
    @Flag(help: "Print the results as a JSON array.") var json = false

    struct Scenario {
        let name: String
        let connections: Int
        let size: Int
        let depth: Int
    }

    static let allScenarios = [
        Scenario(name: "s1", connections: 1, size: 64, depth: 1),
        Scenario(name: "s2", connections: 50, size: 64, depth: 8),
        Scenario(name: "s3", connections: 500, size: 512, depth: 1),
        Scenario(name: "s4", connections: 10, size: 16384, depth: 4),
    ]

    struct Row: Codable {
        var mode: String
        var engine: String
        var scenario: String
        var msgs_per_s: Double
        var mb_per_s: Double
        var p50_us: UInt64
        var p99_us: UInt64
        var peak_queue_depth: Int64
        var threads_used: Int
        var fairness: Double
        var errors: [String]
    }

    func parsed() throws -> ([NotificationMode], [EngineKind], [Scenario]) {
        func list<T>(_ s: String, _ flag: String, _ f: (String) -> T?) throws -> [T] {
            let items = s.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            return try items.map { item in
                guard let v = f(item) else { throw ValidationError("\(flag): unknown value '\(item)'") }
                return v
            }
        }
        let m = try list(modes, "--modes") { NotificationMode(rawValue: $0) }
        let e = try list(engines, "--engines") { EngineKind(rawValue: $0) }
        let s = try list(scenarios, "--scenarios") { name in Self.allScenarios.first { $0.name == name } }
        guard !m.isEmpty, !e.isEmpty, !s.isEmpty else { throw ValidationError("--modes, --engines and --scenarios need at least one value each") }
        return (m, e, s)
    }

    func validate() throws {
        _ = try parsed()
        guard duration > 0 && duration <= 600 else { throw ValidationError("--duration must be above 0 and at most 600 seconds, not \(duration)") }
        if let t = threads, !(1...1024).contains(t) { throw ValidationError("--threads must be 1-1024, not \(t)") }
    }

    /// Jain's fairness index of `x`: 1 when all equal, 1/n when one does everything.
    static func fairness(_ x: [Double]) -> Double {
        let sum = x.reduce(0, +)
        let squares = x.reduce(0) { $0 + $1 * $1 }
        return x.isEmpty || squares == 0 ? 0 : sum * sum / (Double(x.count) * squares)
    }

    func run() throws {
        let (modeList, engineList, scenarioList) = try parsed()
        var rows: [Row] = []
        _ = raiseDescriptorLimit()
        for engine in engineList {
            if engine == .uring, let why = uringUnavailableReason() {
                printStatus("overlap: bench: skipping the uring engine: \(why)")
                continue
            }
            for mode in modeList {
                for sc in scenarioList {
                    printStatus("[bench] \(mode.rawValue)/\(engine.rawValue) \(sc.name): \(sc.connections) conns, \(sc.size) B, depth \(sc.depth)")
                    rows.append(try runOne(mode: mode, engine: engine, scenario: sc))
                }
            }
        }
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            printLine(String(decoding: try enc.encode(rows), as: UTF8.self))
        } else {
            printLine(table(rows))
        }
        if rows.contains(where: { !$0.errors.isEmpty }) { throw ExitCode(1) }
    }

    private func runOne(mode: NotificationMode, engine: EngineKind, scenario sc: Scenario) throws -> Row {
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
        // The mode's own threads, and the engine thread if it ran some (port mode on io_uring).
        let work = server.allThreadRows().compactMap { row -> Double? in
            let ran = Double(row.completions - (prior[row.id] ?? 0))
            return row.mode == mode || (row.role == .engine && ran > 0) ? ran : nil
        }
        return Row(mode: mode.rawValue, engine: engine.rawValue, scenario: sc.name,
                   msgs_per_s: report.messagesPerSecond, mb_per_s: report.megabytesPerSecond,
                   p50_us: report.latencyMicros.p50, p99_us: report.latencyMicros.p99,
                   peak_queue_depth: after.queuedPeak[mode.index], threads_used: work.filter { $0 > 0 }.count,
                   fairness: Self.fairness(work), errors: report.errors.map(\.description))
    }

    private func table(_ rows: [Row]) -> String {
        let heads = ["mode", "engine", "scen", "msg/s", "MB/s", "p50 us", "p99 us", "peak q", "threads", "fairness", "errors"]
        let cells = rows.map { r in
            [r.mode, r.engine, r.scenario, String(format: "%.0f", r.msgs_per_s), String(format: "%.2f", r.mb_per_s),
             "\(r.p50_us)", "\(r.p99_us)", "\(r.peak_queue_depth)", "\(r.threads_used)",
             String(format: "%.2f", r.fairness), "\(r.errors.count)"]
        }
        let widths = heads.indices.map { i in max(heads[i].count, cells.map { $0[i].count }.max() ?? 0) }
        func line(_ c: [String]) -> String {
            c.indices.map { i in
                i < 3 ? c[i] + String(repeating: " ", count: widths[i] - c[i].count)
                    : String(repeating: " ", count: widths[i] - c[i].count) + c[i]
            }.joined(separator: "  ")
        }
        var out = [line(heads)] + cells.map(line)
        for r in rows where !r.errors.isEmpty { out.append("FAILED \(r.mode)/\(r.engine) \(r.scenario): \(r.errors[0])") }
        return out.joined(separator: "\n")
    }
}
