import Foundation
import OverlapModel

/// `--stats-format json`: one JSON object per refresh with the snapshot and
/// the rates since the previous one, the same figures the dashboard shows.
/// Beside the Prometheus exposition: both are the figures for programs.
public enum StatsJSON {
    private struct Line: Encodable {
        let snapshot: StatsSnapshot
        let uptimeSeconds: Double
        /// Receive completions that carried data, per second (not messages).
        let receivesPerSecond: Double
        let bytesInPerSecond: Double
        let bytesOutPerSecond: Double
        let finishingInOtherModes: Int64
        /// By thread name.
        let completionsPerSecond: [String: Double]
        let busyShare: [String: Double]
        /// The latency histograms by name and in seconds, as `/metrics`
        /// has them (the snapshot's `latency` holds them by index, in ns).
        let latencySeconds: Latency?
    }

    /// One stage's figures, in seconds: `window` over the last sampling
    /// window (sampled requests and their percentiles), `total` since the
    /// server started (count, sum and cumulative buckets: each the count at
    /// most `bucketBounds[i]`, as Prometheus's `le`).
    private struct Stage: Encodable {
        struct Window: Encodable {
            let count: UInt64
            let p50: Double
            let p99: Double
            let max: Double
        }
        struct Total: Encodable {
            let count: UInt64
            let sum: Double
            let cumulativeBuckets: [UInt64]
        }
        let window: Window
        let total: Total

        init(_ s: LatencyStage) {
            window = Window(count: s.windowCount, p50: Double(s.p50Nanos) / 1e9, p99: Double(s.p99Nanos) / 1e9,
                            max: Double(s.maxNanos) / 1e9)
            total = Total(count: s.totalCount, sum: Double(s.totalSumNanos) / 1e9, cumulativeBuckets: s.cumulativeBuckets)
        }
    }

    private struct Latency: Encodable {
        let sampleEvery: Int
        let bucketBounds: [Double]
        /// By mode.
        let notify: [String: Stage]
        let handler: [String: Stage]
        /// By operation.
        let kernel: [String: Stage]

        init(_ l: LatencyFigures) {
            sampleEvery = l.sampleEvery
            bucketBounds = LatencyFigures.bucketBoundsNanos.map { Double($0) / 1e9 }
            func byMode(_ stages: [LatencyStage]) -> [String: Stage] {
                Dictionary(uniqueKeysWithValues: NotificationMode.allCases.map { ($0.rawValue, Stage(stages[$0.index])) })
            }
            notify = byMode(l.notify)
            handler = byMode(l.handler)
            kernel = Dictionary(uniqueKeysWithValues: OpKind.allCases.map { ($0.rawValue, Stage(l.kernel[$0.index])) })
        }
    }

    /// One line (no newline): `s`, then uptime, rates and busy shares over
    /// `r`'s window (threads by name), and the latency histograms in seconds.
    public static func line(_ s: StatsSnapshot, _ r: SnapshotRates) -> String {
        let names = Dictionary(s.threads.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        func byName(_ d: [Int: Double]) -> [String: Double] {
            Dictionary(d.compactMap { id, v in names[id].map { ($0, v) } }, uniquingKeysWith: { a, _ in a })
        }
        let line = Line(snapshot: s, uptimeSeconds: Double(s.takenAtNanos &- s.startedAtNanos) / 1e9,
                        receivesPerSecond: r.receivesPerSecond, bytesInPerSecond: r.bytesInPerSecond,
                        bytesOutPerSecond: r.bytesOutPerSecond, finishingInOtherModes: s.finishingInOtherModes,
                        completionsPerSecond: byName(r.completionsPerSecond), busyShare: byName(r.busyShare),
                        latencySeconds: s.latency.map(Latency.init))
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        guard let data = try? enc.encode(line) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
