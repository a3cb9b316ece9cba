import OverlapCore
@testable import OverlapHarness
import OverlapModel
import OverlapTestSupport
import Testing

/// `overlap bench` and `overlap soak`'s drivers against real in-process servers.
@Suite(.serialized)
struct HarnessRunTests {
    @Test("a bench cell: verified load against a fresh server, its mode's threads counted, fairness in 0...1",
          arguments: EngineKind.allCases)
    func benchCell(engine: EngineKind) throws {
        try requireEngine(engine)
        let scenario = BenchScenario(name: "t", connections: 6, size: 64, depth: 2)
        for mode in NotificationMode.allCases {
            let row = try BenchRun.run(mode: mode, engine: engine, scenario: scenario, duration: 0.5, threads: 2)
            #expect(row.errors.isEmpty, "\(mode): \(row.errors.prefix(2))")
            #expect(row.msgs_per_s > 100 && row.p50_us > 0 && row.p50_us <= row.p99_us, "\(mode): \(row)")
            #expect((1...3).contains(row.threads_used), "\(mode): \(row.threads_used) threads used")
            #expect(row.fairness > 0 && row.fairness <= 1.0001, "\(mode): fairness \(row.fairness)")
            #expect(row.mode == mode.rawValue && row.engine == engine.rawValue && row.scenario == "t")
        }
    }

    @Test("a short soak passes: churn, slow readers and verified load across mode switches, nothing left behind",
          arguments: EngineKind.allCases)
    func shortSoak(engine: EngineKind) throws {
        try requireEngine(engine)
        var lines = 0
        let report = try SoakRun.run(engine: engine == .uring ? .uring : .epoll, duration: 3, switchMs: 250) { _ in lines += 1 }
        #expect(report.passed, "\(report.text)")
        #expect(report.engine == engine)
        #expect(report.modeSwitches >= 6, "\(report.modeSwitches) switches in 3 s at 250 ms")
        #expect(report.churnedSessions > 10 && report.bytesVerified > 1 << 20, "\(report.text)")
        #expect(lines >= 2, "progress about once a second: \(lines) lines")
    }
}
