import OverlapHarness
import Testing

@Suite
struct BenchTests {
    @Test("fairness is Jain's index over the threads that ran completions: 1.00 for one thread")
    func fairness() {
        #expect(Fairness.jain([500]) == 1, "one thread ran them all")
        #expect(Fairness.jain([500, 0, 0]) == 1, "threads that ran nothing are not counted")
        #expect(Fairness.jain([100, 100, 100, 100]) == 1)
        #expect(abs(Fairness.jain([300, 100]) - 0.8) < 1e-9, "(400)^2 / (2 * 100000)")
        #expect(abs(Fairness.jain([1, 1, 1, 97]) - 10_000.0 / (4 * 9_412)) < 1e-9)
        #expect(Fairness.jain([]) == 0 && Fairness.jain([0, 0]) == 0, "nothing ran")
    }

    func row(_ msgs: Double, errors: [String] = []) -> BenchRow {
        BenchRow(mode: "port", engine: "epoll", scenario: "s1", msgsPerSecond: msgs, mbPerSecond: msgs / 1000,
                 p50Micros: UInt64(1_000_000 / msgs), p99Micros: 100, peakQueueDepth: 1, threadsUsed: 2,
                 fairness: 0.9, errors: errors)
    }

    @Test("repeats: the median run's figures, min-max of msg/s, every error kept")
    func summary() {
        let s = BenchRow.summary(of: [row(300), row(100), row(200, errors: ["lost"])])!
        #expect(s.msgs_per_s == 200 && s.msgs_per_s_min == 100 && s.msgs_per_s_max == 300 && s.runs == 3)
        #expect(s.p50_us == 5000, "the median run's latency")
        #expect(s.errors == ["lost"])
        let even = BenchRow.summary(of: [row(100), row(300)])!
        #expect(even.msgs_per_s == 200, "an even count takes the middle two")
        #expect(BenchRow.summary(of: []) == nil)
    }

    @Test("the table: min-max only with repeats, a line per failure, a footer on reading the spread")
    func table() {
        let one = BenchTable.render([row(1000)])
        #expect(!one.contains("min-max") && one.contains("--repeat 3 shows the spread"))
        #expect(one.split(separator: "\n")[0].hasPrefix("mode  engine  scen  msg/s"))
        var r = BenchRow.summary(of: [row(1000), row(1200), row(900, errors: ["reset"])])!
        r.scenario = "s2"
        let repeated = BenchTable.render([r])
        #expect(repeated.contains("min-max") && repeated.contains("900-1200"))
        #expect(repeated.contains("FAILED port/epoll s2: reset"))
        #expect(repeated.contains("median of 3 interleaved runs"))
    }
}
