import ArgumentParser
import OverlapCore
import OverlapHarness
import OverlapModel

/// `overlap soak`: stress one in-process server and check it recovers
/// (the stress and its checks: `SoakRun`). scripts/soak.sh runs it on both engines.
struct Soak: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stress one in-process server (churn, verified traffic, slow readers, mode switches) and check it recovers.",
        discussion: """
        Examples:
          overlap soak --engine uring --duration 120
          scripts/soak.sh            both engines, 2 minutes each
        """)

    @Option(help: "Engine: uring or epoll.") var engine = EngineChoice.auto
    @Option(help: "Seconds of stress.") var duration: Double = 120
    @Option(help: "Milliseconds between mode switches.") var switchMs = 300

    func validate() throws {
        guard duration >= 1 && duration <= 3600 else { throw ValidationError("--duration must be 1-3600 seconds, not \(duration)") }
        guard (10...60_000).contains(switchMs) else { throw ValidationError("--switch-ms must be 10-60000, not \(switchMs)") }
    }

    func run() throws {
        _ = raiseDescriptorLimit()
        // Only warnings and errors: a mode switch every few hundred ms would drown the summary.
        bootstrapLogging(level: .warning, headless: true, file: nil)
        printLine("overlap soak: \(engine.rawValue) engine, \(Int(duration)) s, mode switch every \(switchMs) ms")
        let report: SoakReport
        do {
            report = try SoakRun.run(engine: engine, duration: duration, switchMs: switchMs) { printStatus($0) }
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        printLine(report.text)
        if !report.passed { throw ExitCode(1) }
    }
}
