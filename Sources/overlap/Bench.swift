import ArgumentParser
import Foundation
import OverlapCore
import OverlapHarness
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
        completions over the threads that ran them (1 = perfectly even, or one
        thread). One run per cell swings 10-20% on a shared machine:
        --repeat 3 runs every cell three times, interleaved, and shows the
        median with the min-max.

        Examples:
          overlap bench
          overlap bench --modes callback,port --engines uring --duration 2 --json
          overlap bench --scenarios s1,s2 --repeat 3
        """)

    @Option(help: "Modes to run, comma-separated.") var modes = "event,callback,port"
    @Option(help: "Engines to run, comma-separated.") var engines = "uring,epoll"
    @Option(help: "Scenarios to run, comma-separated (s1-s4).") var scenarios = "s1,s2,s3,s4"
    @Option(help: "Seconds measured per run (after 0.5 s of warm-up).") var duration: Double = 4
    @Option(help: "Server threads (APC threads, port workers). Default: number of cores.") var threads: Int?
    @Option(name: .customLong("repeat"), help: "Runs of each cell, interleaved (all cells once, then again): the table shows the median and the min-max (1-20).")
    var repeats = 1
    @Flag(help: "Print the results as a JSON array.") var json = false

    func parsed() throws -> ([NotificationMode], [EngineKind], [BenchScenario]) {
        func list<T>(_ s: String, _ flag: String, _ f: (String) -> T?) throws -> [T] {
            let items = s.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            return try items.map { item in
                guard let v = f(item) else { throw ValidationError("\(flag): unknown value '\(item)'") }
                return v
            }
        }
        let m = try list(modes, "--modes") { NotificationMode(rawValue: $0) }
        let e = try list(engines, "--engines") { EngineKind(rawValue: $0) }
        let s = try list(scenarios, "--scenarios") { BenchScenario.named($0) }
        guard !m.isEmpty, !e.isEmpty, !s.isEmpty else { throw ValidationError("--modes, --engines and --scenarios need at least one value each") }
        return (m, e, s)
    }

    func validate() throws {
        _ = try parsed()
        guard duration > 0 && duration <= 600 else { throw ValidationError("--duration must be above 0 and at most 600 seconds, not \(duration)") }
        if let t = threads, !(1...1024).contains(t) { throw ValidationError("--threads must be 1-1024, not \(t)") }
        guard (1...20).contains(repeats) else { throw ValidationError("--repeat must be 1-20, not \(repeats)") }
    }

    func run() throws {
        let (modeList, engineList, scenarioList) = try parsed()
        _ = raiseDescriptorLimit()
        var engines = engineList
        if engines.contains(.uring), let why = uringUnavailableReason() {
            printStatus("overlap: bench: skipping the uring engine: \(why)")
            engines.removeAll { $0 == .uring }
        }
        let cells = engines.flatMap { e in modeList.flatMap { m in scenarioList.map { (e, m, $0) } } }
        var runs = Array(repeating: [BenchRow](), count: cells.count)
        for round in 1...repeats {
            for (i, (engine, mode, sc)) in cells.enumerated() {
                printStatus("[bench\(repeats > 1 ? " \(round)/\(repeats)" : "")] \(mode.rawValue)/\(engine.rawValue) \(sc.name): "
                            + "\(sc.connections) conn\(sc.connections == 1 ? "" : "s"), \(sc.size) B, depth \(sc.depth)")
                runs[i].append(try BenchRun.run(mode: mode, engine: engine, scenario: sc, duration: duration, threads: threads))
            }
        }
        let rows = runs.compactMap(BenchRow.summary)
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            printLine(String(decoding: try enc.encode(rows), as: UTF8.self))
        } else {
            printLine(BenchTable.render(rows))
        }
        if rows.contains(where: { !$0.errors.isEmpty }) { throw ExitCode(1) }
    }
}
