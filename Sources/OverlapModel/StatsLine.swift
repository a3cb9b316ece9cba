/// The one-line summary `overlap serve --headless` prints per refresh.
public enum StatsLine {
    public static func render(_ s: StatsSnapshot, rates r: SnapshotRates) -> String {
        let p = s.pending
        let queued = s.queued.reduce(0, +)
        let peak = s.queuedPeak.max() ?? 0
        let busy = s.threads.map { t in
            "\(t.name) \(Format.percent(r.busyShare[t.id] ?? 0))"
        }.joined(separator: " ")
        let finishing = s.finishingInOtherModes
        return "[\(Format.duration(nanos: s.takenAtNanos &- s.startedAtNanos))] \(s.mode.rawValue)/\(s.engine.rawValue)"
            + (finishing > 0 ? " (\(finishing) finishing in other modes)" : "")
            + " sessions \(s.sessions)"
            + " | \(Format.count(r.receivesPerSecond)) recv/s in \(Format.bytes(r.bytesInPerSecond))/s"
            + " out \(Format.bytes(r.bytesOutPerSecond))/s"
            + " | pending accept \(p.total(op: .accept)) recv \(p.total(op: .recv)) send \(p.total(op: .send))"
            + " | queue \(queued) peak \(Int(s.queuedPeakWindowSeconds))s \(peak) ring \(s.ringDepth) overflow \(s.ringOverflow)"
            + " | accepted \(s.accepted) closed \(s.closed) refused \(s.refused)"
            + " | \(busy)"
            + (s.hazards.anyOn ? " | hazards " + s.hazards.specs.joined(separator: " ") : "")
            + (s.lints.isEmpty ? "" : " | lints " + s.lints.map(\.kind.rawValue).joined(separator: " "))
    }
}
