import Foundation
import OverlapModel

/// `--stats-format json`: one JSON object per refresh with the snapshot and
/// the rates since the previous one, the same figures the dashboard shows.
enum StatsJSON {
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
    }

    static func line(_ s: StatsSnapshot, _ r: SnapshotRates) -> String {
        let names = Dictionary(s.threads.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        func byName(_ d: [Int: Double]) -> [String: Double] {
            Dictionary(d.compactMap { id, v in names[id].map { ($0, v) } }, uniquingKeysWith: { a, _ in a })
        }
        let line = Line(snapshot: s, uptimeSeconds: Double(s.takenAtNanos &- s.startedAtNanos) / 1e9,
                        receivesPerSecond: r.receivesPerSecond, bytesInPerSecond: r.bytesInPerSecond,
                        bytesOutPerSecond: r.bytesOutPerSecond, finishingInOtherModes: s.finishingInOtherModes,
                        completionsPerSecond: byName(r.completionsPerSecond), busyShare: byName(r.busyShare))
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        guard let data = try? enc.encode(line) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
