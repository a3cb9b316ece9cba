import Glibc
import OverlapCore
import OverlapLoad
import OverlapModel
import OverlapSystem

/// `lab --check`'s off lines: each hazard switched off under load, and the
/// probes that tell whether its mechanism is gone.
extension LabCheck {
    /// Issue 15: switched off, a hazard leaves nothing behind. Under the
    /// same closed-loop load (8 connections, depth 2), in 1 s windows: two
    /// without the hazard (each after 1 s of warm-up), one with it (after
    /// half a second), and one from 1 s to 2 s after it is switched off.
    /// Over that last window a probe of the hazard's own mechanism must read
    /// "gone" (`Probe`), every byte must verify, and msg/s must be at least
    /// half the slower window without it (a gross floor: buffers=4 or a
    /// slowed APC thread left on take it to a third).
    ///
    /// The issue asks for throughput and p99 within 10%; this shared machine
    /// cannot show that (a hazard that does nothing read 0.80x and 0.86x in
    /// 2 of 8 runs, and a 1 s window's p99 swung from 0.3 ms to 5 ms with no
    /// hazard on io_uring: docs/PERFORMANCE.md), so they are shown, and the
    /// mechanism is what is judged.
    static func recovery(_ engine: EngineChoice, _ hazard: String, _ mode: NotificationMode,
                         textbook: Bool) throws -> LabCheckLine {
        try withLabServer(engine, mode, textbook: textbook) { server in
            let before = (0..<2).map { _ in verifyingLoad(server, connections: 8, depth: 2, seconds: 1, warmup: 1) }
            try server.setHazard(hazard)
            let kind = server.hazards.active.first!
            let during = verifyingLoad(server, connections: 8, depth: 2, seconds: 1, warmup: 0.5)
            server.setHazards(HazardSettings())
            let load = Background { verifyingLoad(server, connections: 8, depth: 2, seconds: 1, warmup: 1) }
            _ = waitUntilSample(server, seconds: 1) { _ in false }  // the warm-up
            let probe = Probe.watch(server, mode: mode, seconds: 1, running: kind == .concurrency)
            let after = load.finish()
            let (gone, what) = probe.gone(kind, server)
            let rates = before.map(\.messagesPerSecond)
            let loadOK = before.allSatisfy(\.ok) && during.ok && after.ok
            let ok = loadOK && gone && after.messagesPerSecond >= 0.5 * rates.min()!
            func rate(_ r: LoadReport) -> String { Format.count(r.messagesPerSecond) }
            func p99(_ r: LoadReport) -> String { ms(r.latencyMicros.p99 * 1000) }
            return LabCheckLine(hazard: hazard + " off", mode: mode, seen: ok,
                                figures: what + "; msg/s without \(rate(before[0]))/\(rate(before[1])), on \(rate(during)), off \(rate(after)); "
                                    + "p99 without \(p99(before[0]))/\(p99(before[1])), on \(p99(during)), off \(p99(after))"
                                    + (loadOK ? "" : "; load FAILED"))
        }
    }

    /// What a hazard's mechanism did over a window, from the server's
    /// samples and counters: for `recovery`, each must read "gone".
    struct Probe {
        var bufferWaits: UInt64 = 0
        var inlineRuns: UInt64 = 0
        /// Sampled handlers of `mode` that took over 2.5 ms (slow-handler adds
        /// 5 ms to each on its thread; unslowed ones take microseconds).
        var slowHandlers: UInt64 = 0
        /// The longest stall the sampler's queue watch saw.
        var queueStall: UInt64 = 0
        /// Event waiters' completions per wake (lowest-index makes it exactly 1).
        var perWake: Double = 0
        /// The most port workers seen running at once (looked at every
        /// millisecond when `running`; `concurrency=1` holds it at 1).
        var mostRunning = 0

        /// Watches `server` for `seconds` (the caller keeps load on it);
        /// `running` also polls the port's running workers every 1 ms.
        static func watch(_ server: EchoServer, mode: NotificationMode, seconds: Double,
                          running: Bool = false) -> Probe {
            func slow(_ s: StatsSnapshot) -> UInt64 {
                guard let h = s.latency?.handler[mode.index],
                      let le = LatencyFigures.bucketBoundsNanos.firstIndex(of: 2_500_000) else { return 0 }
                return h.totalCount - h.cumulativeBuckets[le]
            }
            let a = server.snapshot(sessions: false)
            let slowBefore = slow(server.latestSample().snapshot)
            let inline = server.inlineRuns
            var p = Probe()
            _ = waitUntilSample(server, seconds: seconds, every: running ? 1000 : 20_000, each: {
                if running { p.mostRunning = max(p.mostRunning, server.portRunning) }
            }) { s in
                p.queueStall = max(p.queueStall, s.queueStallNanos)
                return false
            }
            p.slowHandlers = slow(server.latestSample().snapshot) - slowBefore
            let b = server.snapshot(sessions: false)
            p.bufferWaits = b.bufferWaits - a.bufferWaits
            p.inlineRuns = server.inlineRuns - inline
            func waiters(_ s: StatsSnapshot) -> [Int: (UInt64, UInt64)] {
                var out: [Int: (UInt64, UInt64)] = [:]
                for t in s.threads { if case .eventWaiter = t.role { out[t.id] = (t.completions, t.waits) } }
                return out
            }
            let (wa, wb) = (waiters(a), waiters(b))
            var ran: UInt64 = 0
            var waits: UInt64 = 0
            for (id, end) in wb {
                let start = wa[id] ?? (0, 0)
                ran += end.0 - start.0
                waits += end.1 - start.1
            }
            p.perWake = waits > 0 ? Double(ran) / Double(waits) : 0
            return p
        }

        /// Whether `kind`'s mechanism is gone, and the figure that says so.
        func gone(_ kind: HazardKind, _ server: EchoServer) -> (Bool, String) {
            switch kind {
            case .buffers:
                return (bufferWaits == 0, "receives that waited for a buffer after: \(bufferWaits)")
            case .concurrency:
                // The mechanism is the cap: gone when as many workers run at
                // once as the server's own value allows.
                let value = server.config.concurrency
                return (mostRunning >= value, "most running at once after: \(mostRunning) of \(value)")
            case .slowHandler:
                // A handler descheduled 2.5 ms on this shared machine is rare, not never.
                return (slowHandlers <= 5, "sampled handlers over 2.5 ms after: \(slowHandlers)")
            case .stall:
                return (queueStall < 100_000_000, "longest queue stall after: \(ms(queueStall))")
            case .skipOnSuccess:
                return (inlineRuns == 0, "handlers run inline after: \(inlineRuns)")
            case .lowestIndex:
                // On: one a wake (1.00; a wake's count and its handlers are read a moment apart).
                // Off, under this load: 3 to 7 measured.
                return (perWake > 1.2, "events per wake after: \(f2(perWake))")
            }
        }
    }
}
