import ArgumentParser
import OverlapCore
import OverlapHarness
import OverlapModel

/// `overlap lab --check`: every hazard against an in-process server under
/// verifying load, its signature checked (`LabCheck`).
struct Lab: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The hazard lab: --check runs each hazard against an in-process server and checks its signature.",
        discussion: """
        One line per hazard: seen or MISSING, the mode, the figures. Then one
        line per hazard switched off under load ("... off"): seen if, 1-2 s
        after, its mechanism is gone (no buffer waits, as many workers
        running at once as the concurrency value allows, no slowed handlers, no queue stall, no inline runs, several events
        per wake), every byte verified and msg/s at least half the slower
        window without it; msg/s and p99 are shown for each window. Exits 1
        if any check is missing. Switch hazards on a live server with
        serve --hazard or the dashboard's key l.
        Examples:
          overlap lab --check           every hazard and every off line, about 100 s
          overlap lab --check --short   buffers, concurrency, lowest-index and
                                        buffers off, about 30 s (make test runs it)
        """)

    @Flag(help: "Run each hazard and check its signature (the only thing lab does).") var check = false
    @Flag(help: "Only the quick checks: buffers, concurrency, lowest-index, and buffers switched off.") var short = false
    @Option(help: "Engine: auto, uring or epoll.") var engine = EngineChoice.auto

    func validate() throws {
        guard check else { throw ValidationError("lab needs --check (it runs each hazard and checks its signature)") }
    }

    func run() throws {
        _ = raiseDescriptorLimit()
        bootstrapLogging(level: .error, headless: true, file: nil)
        printLine("overlap lab --check: \(engine.rawValue) engine\(short ? ", short" : "")")
        let lines: [LabCheckLine]
        do {
            lines = try LabCheck.run(engine: engine, short: short) { printLine($0.text) }
        } catch {
            printError("overlap lab: \(error)")
            throw ExitCode(1)
        }
        let missing = lines.filter { !$0.seen }
        printLine(missing.isEmpty ? "all \(lines.count) checks seen"
                                  : "\(missing.count) of \(lines.count) checks MISSING")
        if !missing.isEmpty { throw ExitCode(1) }
    }
}
