import Foundation
import OverlapMetrics
import OverlapModel
import Testing

/// `--stats-format json`'s line, from snapshots built by hand.
struct StatsJSONTests {
    @Test("a stats JSON line: uptime and rates over the window, latency by name in seconds with its bucket bounds")
    func line() throws {
        var a = StatsSnapshot(takenAtNanos: 1_000_000_000)
        a.bytesReceived = 1000
        var b = StatsSnapshot(takenAtNanos: 3_000_000_000)
        b.bytesReceived = 5000
        b.receives = 40
        var latency = LatencyFigures.empty(sampleEvery: 64)
        latency.notify[NotificationMode.port.index] = LatencyStage(windowCount: 7, p50Nanos: 1_500, p99Nanos: 40_000,
                                                                    maxNanos: 2_000_000, totalCount: 9, totalSumNanos: 3_000_000_000)
        latency.kernel[OpKind.send.index] = LatencyStage(windowCount: 1, p50Nanos: 250_000)
        b.latency = latency
        let json = StatsJSON.line(b, SnapshotRates(from: a, to: b))
        #expect(!json.contains("\n"), "one line")
        let d = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(d["uptimeSeconds"] as? Double == 3)
        #expect(d["bytesInPerSecond"] as? Double == 2000)
        #expect((d["snapshot"] as? [String: Any])?["bytesReceived"] as? Int == 5000)
        let l = try #require(d["latencySeconds"] as? [String: Any])
        #expect(l["sampleEvery"] as? Int == 64)
        #expect((l["bucketBounds"] as? [Double])?.count == LatencyFigures.bucketBoundsNanos.count)
        let port = try #require((l["notify"] as? [String: Any])?["port"] as? [String: Any])
        let window = try #require(port["window"] as? [String: Any])
        #expect(window["count"] as? Int == 7)
        #expect(window["p50"] as? Double == 1.5e-6 && window["p99"] as? Double == 4e-5 && window["max"] as? Double == 0.002)
        let total = try #require(port["total"] as? [String: Any])
        #expect(total["count"] as? Int == 9 && total["sum"] as? Double == 3)
        let send = (l["kernel"] as? [String: Any])?["send"] as? [String: Any]
        #expect((send?["window"] as? [String: Any])?["p50"] as? Double == 0.00025)
        #expect(Set((l["notify"] as? [String: Any])?.keys.map { $0 } ?? []) == Set(NotificationMode.allCases.map(\.rawValue)))
    }
}
