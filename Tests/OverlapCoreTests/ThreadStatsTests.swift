@testable import OverlapCore
import Glibc
import OverlapThreads
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
    }
}
