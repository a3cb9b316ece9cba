@testable import OverlapCore
import OverlapModel
import OverlapSystem
import OverlapTestSupport
import Testing

extension CoreTests {
    /// The server's own sampler: one sample per interval, the interval
    /// changeable live, rates over the window between two samples.
    @Suite(.serialized)
    struct SamplerTests {
        @Test("samples come every --refresh-ms, their rates cover the window since the previous one, and the interval changes live")
        func cadence() throws {
            try withServer(.epoll, configure: { $0.refreshMs = 100 }) { server in
                let first = server.latestSample().sequence
                #expect(waitUntil(5) { server.latestSample().sequence >= first + 3 })
                var s = server.latestSample()
                #expect((0.05...0.5).contains(s.rates.seconds), "window \(s.rates.seconds) s at 100 ms")
                #expect(s.snapshot.takenAtNanos > s.snapshot.startedAtNanos)

                // Known traffic shows in the next sample's counters and rates.
                let client = try TCPClient(port: server.address.port)
                let payload = randomBytes(5000, seed: 3)
                try exchange([client], [payload])
                #expect(waitUntil(5) { server.latestSample().snapshot.bytesSent == 5000 })
                s = server.latestSample()
                #expect(s.snapshot.bytesReceived == 5000 && s.snapshot.receives >= 1)

                server.setRefresh(ms: 1000)
                #expect(server.refreshMs == 1000)
                let at = server.latestSample().sequence
                #expect(waitUntil(5) { server.latestSample().sequence >= at + 2 })
                s = server.latestSample()
                #expect((0.8...1.6).contains(s.rates.seconds), "window \(s.rates.seconds) s at 1000 ms")

                server.setRefresh(ms: 1)
                #expect(server.refreshMs == RefreshInterval.range.lowerBound, "clamped to the range")
            }
        }
    }
}
