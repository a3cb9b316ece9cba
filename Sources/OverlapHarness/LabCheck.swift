import Glibc
import OverlapCore
import OverlapLoad
import OverlapModel
import OverlapSystem
import Synchronization

/// `overlap lab --check`: each hazard against an in-process server under the
/// verifying load generator, a few seconds each, its signature checked from
/// the server's samples (every 100 ms). The executable proof that the lab
/// teaches what it claims.
public enum LabCheck {
    /// Runs the checks on `engine`: each hazard's signature, then each
    /// switched off (`recovery`); `short` runs the quick ones only (three
    /// signatures and buffers=4 off: what `make test` runs). Calls `line` as
    /// each check ends.
    public static func run(engine: EngineChoice, short: Bool, line: (LabCheckLine) -> Void) throws -> [LabCheckLine] {
        var out: [LabCheckLine] = []
        func report(_ l: LabCheckLine) {
            out.append(l)
            line(l)
        }
        report(try buffers(engine))
        report(try concurrency(engine))
        report(try lowestIndex(engine))
        if !short {
            report(try slowHandlerCallback(engine))
            report(try slowHandlerPort(engine))
            report(try skipOnSuccess(engine))
            report(try stall(engine))
        }
        // Switched off, each leaves nothing behind (the short form: the first, buffers).
        for (hazard, mode, textbook) in recoveries.prefix(short ? 1 : recoveries.count) {
            report(try recovery(engine, hazard, mode, textbook: textbook))
        }
        return out
    }

    /// Each hazard, the mode it shows in, and whether on the textbook pool
    /// (as its signature check runs it): `recovery` switches each off.
    static let recoveries: [(String, NotificationMode, Bool)] = [
        ("buffers=4", .port, false), ("concurrency=1", .port, true), ("lowest-index", .event, false),
        ("slow-handler=5@apc-0", .callback, false), ("slow-handler=5@port-0", .port, true),
        ("skip-on-success", .port, true), ("stall=200/1", .port, true),
    ]

    // MARK: - The checks

    static func buffers(_ engine: EngineChoice) throws -> LabCheckLine {
        try withLabServer(engine, .port) { server in
            let load = Background { verifyingLoad(server, connections: 50, depth: 4, seconds: 4) }
            try server.setHazard("buffers=4")
            let raised = waitForLint(server, .bufferStarved, seconds: 3.5)
            let report = load.finish()
            let waits = server.snapshot(sessions: false).bufferWaits
            let (cleared, clearSeconds) = clearsAfterOff(server, .buffers, lint: .bufferStarved)
            return LabCheckLine(hazard: "buffers=4", mode: .port, seen: raised && report.ok && waits > 0 && cleared,
                                figures: "receives found no buffer \(waits) times; buffer_starved \(raised ? "raised" : "NOT raised"); "
                                    + "load \(report.ok ? "verified" : "FAILED: \(report.errors.first.map { "\($0)" } ?? "")"); "
                                    + clearText(cleared, clearSeconds))
        }
    }

    /// Polls the port's running workers under load, first at the server's
    /// value (2: both must be seen running at once, or the check proves
    /// nothing), then with `concurrency=1`.
    public static func concurrency(_ engine: EngineChoice) throws -> LabCheckLine {
        func most(_ server: EchoServer) -> (Int, LoadReport) {
            let load = Background { verifyingLoad(server, connections: 20, depth: 4, seconds: 1.5) }
            var most = 0
            let until = monotonicNanos() + 1_200_000_000
            while monotonicNanos() < until {
                most = max(most, server.portRunning)
                pause(micros: 200)  // a look every 0.2 ms, not a spin on the port's lock
            }
            return (most, load.finish())
        }
        return try withLabServer(engine, .port, textbook: true) { server in
            let (before, r1) = most(server)
            // The first load's last handlers (its peers closing) may still run
            // on both workers: a lowered value lets running workers finish.
            _ = waitUntilSample(server, seconds: 5) { $0.sessions == 0 }
            try server.setHazard("concurrency=1")
            let settled = monotonicNanos() + 2_000_000_000
            while server.portRunning > 1 && monotonicNanos() < settled { pause(micros: 1000) }
            let (with, r2) = most(server)
            server.clearHazard(.concurrency)
            return LabCheckLine(hazard: "concurrency=1", mode: .port, seen: before >= 2 && with <= 1 && r1.ok && r2.ok,
                                figures: "most running at once: \(before) at concurrency 2, \(with) at 1; "
                                    + "\(Int(r2.messagesPerSecond)) msg/s verified")
        }
    }

    /// The naive loop starves only when the waiter cannot keep up, so both
    /// runs saturate event-0 with `slow-handler=1@event-0`; only
    /// `lowest-index` differs.
    static func lowestIndex(_ engine: EngineChoice) throws -> LabCheckLine {
        try withLabServer(engine, .event) { server in
            var saturated = HazardSettings()
            saturated.slowHandler = SlowHandler(millis: 1, thread: "event-0")
            var naive = saturated
            naive.lowestIndex = true
            let fair = fairness(server, saturated)
            // (Its lint clearing is not checked here: the load ends with the
            // hazard, and without traffic the lint clears whatever the switch
            // did. "lowest-index off" checks the mechanism under load.)
            let starved = fairness(server, naive, lint: .eventStarvation)
            return LabCheckLine(hazard: "lowest-index", mode: .event,
                                seen: fair.jain >= 0.95 && starved.jain < 0.8 && starved.lint,
                                figures: "Jain \(f2(fair.jain)) -> \(f2(starved.jain)) over 60 sessions (event-0 saturated); "
                                    + "event_starvation \(starved.lint ? "raised" : "NOT raised")")
        }
    }

    static func slowHandlerCallback(_ engine: EngineChoice) throws -> LabCheckLine {
        try withLabServer(engine, .callback) { server in
            let load = Background { verifyingLoad(server, connections: 8, depth: 2, seconds: 4) }
            try server.setHazard("slow-handler=5@apc-0")
            let lint = waitUntilSample(server, seconds: 3) { s in
                s.lints.contains { $0.kind == .apcImbalance || $0.kind == .slowHandler }
            }
            let rows = server.latestSample().snapshot.threads
            let p99 = { (name: String) in rows.first { $0.name == name }?.notifyP99Nanos ?? 0 }
            let report = load.finish()
            let (cleared, clearSeconds) = clearsAfterOff(server, .slowHandler, lint: nil)
            let (a, b) = (p99("apc-0"), p99("apc-1"))
            return LabCheckLine(hazard: "slow-handler=5@apc-0", mode: .callback,
                                seen: b > 0 && a >= 10 * b && lint && report.ok && cleared,
                                figures: "notify p99 apc-0 \(ms(a)), apc-1 \(ms(b)) (\(b > 0 ? "\(a / b)x" : "-")); "
                                    + "lint \(lint ? "raised" : "NOT raised"); " + clearText(cleared, clearSeconds))
        }
    }

    /// The port's answer to a slow handler: the slowed worker runs at most
    /// one handler per 5 ms (proof the hazard acted), the others take the
    /// load, and the notify p99 stays within 3x.
    static func slowHandlerPort(_ engine: EngineChoice) throws -> LabCheckLine {
        func run(_ server: EchoServer) -> (p99: UInt64, port0: UInt64, seconds: Double, ok: Bool) {
            let count = { server.snapshot(sessions: false).threads.first { $0.name == "port-0" }?.completions ?? 0 }
            let load = Background { verifyingLoad(server, connections: 8, depth: 2, seconds: 2) }
            _ = waitUntilSample(server, seconds: 0.3) { _ in false }
            let (c0, t0) = (count(), monotonicNanos())
            _ = waitUntilSample(server, seconds: 1.2) { _ in false }
            let (c1, t1) = (count(), monotonicNanos())
            let p = server.latestSample().snapshot.latency?.notify[NotificationMode.port.index].p99Nanos ?? 0
            return (p, c1 - c0, Double(t1 - t0) / 1e9, load.finish().ok)
        }
        return try withLabServer(engine, .port, textbook: true) { server in
            let without = run(server)
            try server.setHazard("slow-handler=5@port-0")
            let with = run(server)
            server.clearHazard(.slowHandler)
            let slowed = Double(with.port0) <= with.seconds * 200 * 1.2 + 5
            return LabCheckLine(hazard: "slow-handler=5@port-0", mode: .port,
                                seen: slowed && with.p99 <= 3 * max(without.p99, 1) && without.ok && with.ok,
                                figures: "port-0 ran \(without.port0) -> \(with.port0) handlers in ~1.2 s; "
                                    + "notify p99 \(ms(without.p99)) -> \(ms(with.p99)) (the other worker takes the load)")
        }
    }

    /// The signature: with the hazard, handlers run on the posting thread
    /// (counted), none without it; nothing is lost either way. On io_uring
    /// only sends posted while the engine thread is idle complete at once:
    /// this light load leaves it idle between them.
    static func skipOnSuccess(_ engine: EngineChoice) throws -> LabCheckLine {
        try withLabServer(engine, .port, textbook: true) { server in
            let r1 = verifyingLoad(server, connections: 4, depth: 1, seconds: 1)
            let without = server.inlineRuns
            try server.setHazard("skip-on-success")
            let r2 = verifyingLoad(server, connections: 4, depth: 1, seconds: 1)
            let with = server.inlineRuns - without
            server.clearHazard(.skipOnSuccess)
            let total = r2.messages
            let ok = r1.ok && r2.ok && without == 0 && with > 0
            return LabCheckLine(hazard: "skip-on-success", mode: .port, seen: ok,
                                figures: "\(with) handlers ran on the posting thread for \(total) messages (0 without)"
                                    + (server.engineKind == .uring ? " (io_uring: sends posted while its engine idles)" : "")
                                    + "; load \(r1.ok && r2.ok ? "verified" : "FAILED")")
        }
    }

    /// On io_uring's default pool: the stalled engine visit leaves
    /// completions in the kernel's queue, where no count or stamp sees them
    /// wait, and the sampler's queue watch reads a visit that lasts as a
    /// stall. On epoll, the textbook pool: its default workers do the I/O
    /// themselves, so stalled, the readiness waits in the kernel and the
    /// watch reads the stall only now and then (137 ms in one window, under
    /// 100 in the next: not the 2 s hold). At the default sampling (1 in
    /// 64): the watch must see it, however few requests are stamped.
    static func stall(_ engine: EngineChoice) throws -> LabCheckLine {
        try withLabServer(engine, .port, textbook: engine == .epoll, sampleEvery: ServerConfig.defaultSampleEvery) { server in
            try server.setHazard("stall=200/1")
            var c = LoadConfig()
            c.port = server.address.port
            c.connections = 10
            c.rate = 2000
            c.duration = 4
            c.warmup = 0
            // Whether the lint was raised, and the longest stall the sampler's queue watch saw meanwhile.
            let watcher = Background { () -> (Bool, UInt64) in
                var watched: UInt64 = 0
                let raised = waitUntilSample(server, seconds: 4) { s in
                    watched = max(watched, s.queueStallNanos)
                    return s.lints.contains { $0.kind == .queueGrowing }
                }
                return (raised, watched)
            }
            let report = LoadRunner.run(c)
            let (raised, watched) = watcher.finish()
            let p99 = report.latencyMicros.p99
            let (cleared, clearSeconds) = clearsAfterOff(server, .stall, lint: .queueGrowing)
            return LabCheckLine(hazard: "stall=200/1", mode: .port,
                                seen: report.ok && p99 >= 150_000 && raised && cleared,
                                figures: "load --rate 2000, 1 in 64 sampled: corrected p99 \(p99 / 1000) ms; queue_growing \(raised ? "raised" : "NOT raised")"
                                    + "; queue watch saw \(watched / 1_000_000) ms; "
                                    + clearText(cleared, clearSeconds))
        }
    }

    // MARK: - What the checks share

    /// Switches `hazard` off; whether `lint` (if any) clears within 6 s,
    /// and how long it took.
    static func clearsAfterOff(_ server: EchoServer, _ hazard: HazardKind, lint: LintKind?) -> (Bool, Double) {
        let off = monotonicNanos()
        server.clearHazard(hazard)
        let cleared = waitUntilSample(server, seconds: 6.5) { s in
            lint.map { k in !s.lints.contains { $0.kind == k } } ?? s.lints.isEmpty
        }
        return (cleared, Double(monotonicNanos() - off) / 1e9)
    }

    static func clearText(_ cleared: Bool, _ seconds: Double) -> String {
        cleared ? "off: lints clear in \(f1(seconds)) s" : "off: lints still raised after \(f1(seconds)) s"
    }

    /// Jain's index of the bytes each of 60 pipelined sessions received over
    /// one second with `hazards` on, and whether `lint` was raised meanwhile.
    static func fairness(_ server: EchoServer, _ hazards: HazardSettings,
                         lint: LintKind? = nil) -> (jain: Double, lint: Bool) {
        _ = waitUntilSample(server, seconds: 5) { $0.sessions == 0 }
        let load = Background { verifyingLoad(server, connections: 60, depth: 8, seconds: 4.5) }
        _ = waitUntilSample(server, seconds: 3) { $0.sessions == 60 }
        server.setHazards(hazards)
        _ = waitUntilSample(server, seconds: 0.3) { _ in false }
        let a = server.snapshot(sessions: true)
        let raised = lint.map { waitForLint(server, $0, seconds: 2.8) } ?? { _ = waitUntilSample(server, seconds: 1) { _ in false }; return false }()
        let b = server.snapshot(sessions: true)
        server.setHazards(HazardSettings())
        _ = load.finish()
        return (sessionFairness(from: a, to: b), raised)
    }

    /// Jain's index of the bytes each session received between two
    /// snapshots, sessions that received nothing included.
    public static func sessionFairness(from a: StatsSnapshot, to b: StatsSnapshot) -> Double {
        let before = Dictionary(a.sessionRows.map { ($0.id, $0.bytesIn) }, uniquingKeysWith: { x, _ in x })
        return Fairness.jain(countingIdle: b.sessionRows.map { Double($0.bytesIn - (before[$0.id] ?? 0)) })
    }
}
