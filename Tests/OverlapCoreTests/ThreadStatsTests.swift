import Glibc
@testable import OverlapCore
import OverlapSystem
import Testing

extension CoreTests {
    /// Per-thread counters that are not request counts.
    @Suite
    struct ThreadStatsTests {
        /// CPU time of the calling thread, from its own clock.
        private static func ownCPUNanos() -> UInt64 {
            var ts = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
            return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
        }

        @Test("ran-on bits: running threads never share one however many have retired; a freed bit is reused")
        func runBits() {
            let registry = StatsRegistry()
            var running = (0..<3).map { registry.register(name: "engine-\($0)", role: .engine, mode: nil) }
            // 40 mode switches: two workers start and retire each time, so thread ids pass 64 many times over.
            for round in 0..<40 {
                let workers = (0..<2).map { registry.register(name: "w\(round)-\($0)", role: .portWorker, mode: .port) }
                let live = running + workers
                #expect(Set(live.map(\.runBit)).count == live.count, "round \(round): \(live.map { ($0.id, $0.runBit) })")
                #expect(live.allSatisfy { $0.runBit.nonzeroBitCount == 1 })
                for w in workers { registry.retire(w) }
            }
            #expect(registry.register(name: "next", role: .portWorker, mode: .port).runBit == 1 << 3,
                    "the lowest free bit after the engines' three")
            // Past 64 running threads, bits are shared (the count can read low), never zero.
            running += (0..<70).map { registry.register(name: "many-\($0)", role: .apcThread(queueDepth: 0), mode: .callback) }
            #expect(running.allSatisfy { $0.runBit.nonzeroBitCount == 1 })
            // "next" holds bit 3: the engines and the first 60 of these have the other 63.
            #expect(Set(running.prefix(63).map(\.runBit)).count == 63)
        }

        @Test("busy time is CPU time: spinning counts, sleeping does not, and it survives retirement")
        func busyIsCPUTime() {
            let stats = StatsRegistry().register(name: "spinner", role: .portWorker, mode: .port)
            let spun = Wakeup()
            let retire = Wakeup()
            let thread = OSThread(name: "test-spinner") {
                stats.bindCPUClock()
                let start = Self.ownCPUNanos()
                while Self.ownCPUNanos() - start < 100_000_000 {}  // 100 ms on a CPU
                spun.signal()
                retire.wait()  // asleep until the test has measured
                stats.retire()
            }
            spun.wait()
            let afterSpin = stats.row().busyNanos
            #expect(afterSpin >= 100_000_000 && afterSpin < 200_000_000, "after 100 ms of spinning: \(afterSpin) ns")
            usleep(200_000)  // the thread sleeps meanwhile
            let afterSleep = stats.row().busyNanos
            #expect(afterSleep - afterSpin < 20_000_000, "sleeping 200 ms cost \(afterSleep - afterSpin) ns of CPU")
            retire.signal()
            thread.join()
            let final = stats.row()
            #expect(!final.alive && final.busyNanos >= afterSleep && final.busyNanos < afterSleep + 20_000_000,
                    "after retirement: \(final.busyNanos) ns")
        }

        @Test("a retired thread's counts fold into one accumulator: totals stay, its block goes, its last row is kept")
        func retiredThreadsFold() {
            let registry = StatsRegistry()
            let a = registry.register(name: "a", role: .portWorker, mode: .port)
            let b = registry.register(name: "b", role: .portWorker, mode: .port)
            for _ in 0..<5 { a.countPosted(.recv, .port) }
            for _ in 0..<3 {
                a.countCompleted(.recv, .port)
                a.countDelivered(.recv, .port)
            }
            b.countPosted(.send, .port)
            a.add(ThreadStats.Slot.bytesIn, 1000)
            let before = registry.requestCounts
            registry.retire(a)
            #expect(registry.live.map(\.name) == ["b"], "the retired block leaves the live list")
            #expect(registry.requestCounts == before, "totals do not move")
            #expect(registry.outstanding(.port) == 3, "5 + 1 posted, 3 delivered")
            #expect(registry.withView { $0.sum(ThreadStats.Slot.bytesIn) } == 1000)
            #expect(registry.retiredRows.map(\.name) == ["a"] && registry.retiredRows[0].completions == 3)
            #expect(!registry.retiredRows[0].alive)
        }

        @Test("queue peaks: the deepest sampled depth over the window, never below the depth beside it")
        func queuePeaks() {
            var peaks = QueuePeaks(windowNanos: 10)
            #expect(peaks.add([0, 0, 0], at: 100) == [0, 0, 0])
            #expect(peaks.add([0, 5, 1], at: 103) == [0, 5, 1])
            #expect(peaks.add([2, 1, 0], at: 106) == [2, 5, 1])
            #expect(peaks.add([0, 0, 0], at: 112) == [2, 5, 1], "103 is still inside 112 - 10")
            #expect(peaks.add([0, 0, 0], at: 114) == [2, 1, 0], "the 5 sampled at 103 has left the window")
            #expect(peaks.add([7, 0, 0], at: 200) == [7, 0, 0], "a peak is at least the depth now")
        }
    }
}
