@testable import OverlapHarness
import OverlapModel
import Testing

@Suite
struct SoakReportTests {
    static var clean: SoakReport {
        SoakReport(engine: .epoll, bytesVerified: 1 << 30, churnedSessions: 1000, accepted: 1032, modeSwitches: 10,
                   errors: [], sessionsLeaked: 0, requestsLeft: 0, cleanStop: true, rssStart: 20 << 20,
                   rssPeak: 30 << 20, rssEnd: 24 << 20)
    }

    @Test("a soak passes only when nothing is lost, left, leaked or alarmed: each fault alone fails it and is named")
    func verdict() {
        #expect(Self.clean.passed)
        var r = Self.clean
        r.lintsRaised = ["queue_growing: 40 completions wait for a thread"]
        #expect(!r.passed && r.text.contains("lint raised without a hazard: queue_growing"))
        r = Self.clean
        r.errors = ["load: byte 7 wrong"]
        #expect(!r.passed && r.text.contains("error: load: byte 7 wrong"))
        r = Self.clean
        r.sessionsLeaked = 1
        #expect(!r.passed)
        r = Self.clean
        r.requestsLeft = 2
        #expect(!r.passed)
        r = Self.clean
        r.cleanStop = false
        #expect(!r.passed && r.text.contains("clean stop no"))
        r = Self.clean
        r.rssEnd = r.rssStart + SoakReport.rssSlack + 1
        #expect(!r.passed && r.text.contains("RSS did not come back"))
    }
}
