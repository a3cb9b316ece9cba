@testable import OverlapCore
import OverlapModel
import Testing

extension CoreTests {
    /// Lints: raised after a condition holds 2 s, cleared after 5 s without it.
    struct LintEngineTests {
        static let second: UInt64 = 1_000_000_000

        /// A sample at `t` seconds whose buffer waits grew by `waits` since the last.
        static func sample(_ t: UInt64, waits total: UInt64) -> StatsSnapshot {
            var s = StatsSnapshot(takenAtNanos: t * second)
            s.bufferWaits = total
            return s
        }

        @Test("buffer_starved: raised once it held 2 s, kept through a gap shorter than 5 s, cleared after 5 s quiet")
        func hysteresis() {
            var engine = LintEngine()
            var previous: StatsSnapshot? = nil
            var waits: UInt64 = 0
            var log: [(UInt64, String)] = []
            // Holds 0-4 s, stops 5-7 s, holds 8-9 s, then stops for good.
            for t in UInt64(0)...20 {
                if t <= 4 || (8...9).contains(t) { waits += 3 }
                let s = Self.sample(t, waits: waits)
                let change = engine.update(s, previous: previous)
                for l in change.raised { log.append((t, "raised \(l.kind.rawValue)")) }
                for l in change.cleared { log.append((t, "cleared \(l.kind.rawValue)")) }
                previous = s
            }
            // t=0 has no window; the condition holds from t=1, is raised at t=3,
            // and last holds at t=9: quiet from t=10, cleared at t=15.
            #expect(log.map(\.0) == [3, 15] && log.map(\.1) == ["raised buffer_starved", "cleared buffer_starved"], "\(log)")
        }

        @Test("peer_not_reading from the snapshot's count, with no session rows (a headless server's samples)")
        func peerNotReadingWithoutRows() {
            var engine = LintEngine()
            var raised: [Lint] = []
            for t in UInt64(0)...3 {
                var s = StatsSnapshot(takenAtNanos: t * Self.second)
                (s.peersNotReading, s.firstPeerNotReading) = (2, 17)
                raised += engine.update(s, previous: nil).raised
            }
            #expect(raised.map(\.kind) == [.peerNotReading])
            #expect(raised.first?.message.contains("17") == true, "names the first session: \(raised.first?.message ?? "")")
        }

        @Test("over_concurrency: raised once the port's count of runs above its value grew for 2 s, naming the value")
        func overConcurrencyLint() {
            var engine = LintEngine()
            var previous: StatsSnapshot? = nil
            var raised: [(UInt64, Lint)] = []
            for t in UInt64(0)...4 {
                var s = StatsSnapshot(takenAtNanos: t * Self.second)
                s.portConcurrency = 1
                s.portOverConcurrency = 5 * t
                raised += engine.update(s, previous: previous).raised.map { (t, $0) }
                previous = s
            }
            #expect(raised.map(\.0) == [3] && raised.map(\.1.kind) == [.overConcurrency], "\(raised.map(\.1.message))")
            #expect(raised.first?.1.message.contains("than its concurrency value (1) 5 times") == true)
        }

        @Test("a condition shorter than 2 s raises nothing")
        func noFlapping() {
            var engine = LintEngine()
            var previous: StatsSnapshot? = nil
            var waits: UInt64 = 0
            for t in UInt64(0)...30 {
                if t % 3 == 1 { waits += 1 }  // holds one sample in three
                let s = Self.sample(t, waits: waits)
                #expect(engine.update(s, previous: previous).raised.isEmpty)
                previous = s
            }
            #expect(engine.active.isEmpty)
        }

        @Test("queue_growing from the sampler's queue watch: a 150 ms stall in each 1 s window is enough, with no latency samples at all")
        func queueStall() {
            var engine = LintEngine()
            var raised: UInt64?
            for t in UInt64(0)...4 {
                var s = StatsSnapshot(takenAtNanos: t * Self.second)
                s.queueStallNanos = 150_000_000
                if engine.update(s, previous: nil).raised.contains(where: { $0.kind == .queueGrowing }) { raised = raised ?? t }
            }
            #expect(raised == 2, "raised at \(raised.map(String.init) ?? "no time")")
            let lint = engine.active.first { $0.kind == .queueGrowing }
            #expect(lint?.message.hasPrefix("completions sat queued for about 150ms") == true, "\(lint?.message ?? "none")")
            // 90 ms stalls are below the 100 ms line.
            var quiet = LintEngine()
            for t in UInt64(0)...4 {
                var s = StatsSnapshot(takenAtNanos: t * Self.second)
                s.queueStallNanos = 90_000_000
                #expect(quiet.update(s, previous: nil).raised.isEmpty)
            }
        }

        @Test("the queue watch: completions queued while the delivered count stands still make a stall; moving or empty, none")
        func queueStallWatch() {
            var watch = QueueStallWatch()
            let ms: UInt64 = 1_000_000
            // 6 queued, 4 handled, for 200 ms.
            for t in stride(from: UInt64(1000), through: 1200, by: 50) { watch.look(queued: 6, delivered: 4, at: t * ms) }
            #expect(watch.takeLongest() == 200 * ms)
            #expect(watch.takeLongest() == 0, "each window takes its own")
            // Handlers running: the delivered count moves at every look.
            for (i, t) in stride(from: UInt64(2000), through: 2200, by: 50).enumerated() {
                watch.look(queued: 6, delivered: UInt64(5 + i), at: t * ms)
            }
            #expect(watch.takeLongest() == 0)
            // Nothing queued: idle, not stalled.
            for t in stride(from: UInt64(3000), through: 3400, by: 50) { watch.look(queued: 0, delivered: 20, at: t * ms) }
            #expect(watch.takeLongest() == 0)
            // The io_uring engine in one port visit since 4000 ms: nothing queued
            // that a count sees, but nothing reaped either.
            for t in stride(from: UInt64(4050), through: 4250, by: 50) {
                watch.look(queued: 0, delivered: 20, at: t * ms, engineVisitSince: 4000 * ms)
            }
            #expect(watch.takeLongest() == 250 * ms)
            // Visits that end between looks read as nothing.
            for t in stride(from: UInt64(5000), through: 5200, by: 50) { watch.look(queued: 0, delivered: 20, at: t * ms) }
            #expect(watch.takeLongest() == 0)
        }
    }
}
