import Glibc
import OverlapCore
import OverlapLoad
import OverlapModel
import OverlapSystem
import Synchronization

/// One hazard's check in `overlap lab --check`.
public struct LabCheckLine: Sendable {
    /// The hazard as `--hazard` writes it, and the mode it ran in.
    public var hazard: String
    public var mode: NotificationMode
    /// Whether its signature (DESIGN §7, issue 15) was seen.
    public var seen: Bool
    /// The figures the verdict rests on.
    public var figures: String

    public init(hazard: String, mode: NotificationMode, seen: Bool, figures: String) {
        self.hazard = hazard
        self.mode = mode
        self.seen = seen
        self.figures = figures
    }

    public var text: String {
        "\(seen ? "seen   " : "MISSING") \(hazard.padding(25)) \(mode.rawValue.padding(8)) \(figures)"
    }
}

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
                most = max(most, server.snapshot(sessions: false).portRunning)
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
            while server.snapshot(sessions: false).portRunning > 1 && monotonicNanos() < settled { pause(micros: 1000) }
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

    /// On the textbook pool: with the engine visit (io_uring), the stalled
    /// engine thread would leave completions in the kernel's queue, where no
    /// stamp sees them wait; here the engine keeps reaping and the port's
    /// queue shows the stall. At the default sampling (1 in 64): the
    /// sampler's queue watch must see it, however few requests are stamped.
    static func stall(_ engine: EngineChoice) throws -> LabCheckLine {
        try withLabServer(engine, .port, textbook: true, sampleEvery: ServerConfig.defaultSampleEvery) { server in
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
            let probe = Probe.watch(server, mode: mode, seconds: 1)
            let after = load.finish()
            let (gone, what) = probe.gone(kind, server)
            let rates = before.map(\.messagesPerSecond)
            let loadOK = before.allSatisfy(\.ok) && during.ok && after.ok
            let ok = loadOK && gone && after.messagesPerSecond >= 0.5 * rates.min()!
            func rate(_ r: LoadReport) -> String { Format.count(r.messagesPerSecond) }
            func p99(_ r: LoadReport) -> String { ms(r.latencyMicros.p99 * 1000) }
            return LabCheckLine(hazard: hazard + " off", mode: mode, seen: ok,
                                figures: what + "; msg/s \(rate(before[0]))/\(rate(before[1])) -> on \(rate(during)) -> off \(rate(after)); "
                                    + "p99 \(p99(before[0]))/\(p99(before[1])) -> \(p99(during)) -> \(p99(after))"
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

        static func watch(_ server: EchoServer, mode: NotificationMode, seconds: Double) -> Probe {
            func slow(_ s: StatsSnapshot) -> UInt64 {
                guard let h = s.latency?.handler[mode.index],
                      let le = LatencyFigures.bucketBoundsNanos.firstIndex(of: 2_500_000) else { return 0 }
                return h.totalCount - h.cumulativeBuckets[le]
            }
            let a = server.snapshot(sessions: false)
            let slowBefore = slow(server.latestSample().snapshot)
            let inline = server.inlineRuns
            var p = Probe()
            _ = waitUntilSample(server, seconds: seconds) { s in
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
                let value = server.snapshot(sessions: false).portConcurrency
                return (value == 2, "concurrency value after: \(value)")
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

    // MARK: - Helpers

    static func withLabServer<T>(_ engine: EngineChoice, _ mode: NotificationMode, textbook: Bool = false,
                                 sampleEvery: Int = 4, _ body: (EchoServer) throws -> T) throws -> T {
        var config = ServerConfig()
        config.port = 0
        config.engine = engine
        config.mode = mode
        config.threads = 2
        config.concurrency = 2
        config.refreshMs = 100  // DESIGN §7: lab --check samples every 100 ms
        config.sampleEvery = sampleEvery
        config.engineJoinsPort = !textbook
        let server = try EchoServer(config: config)
        try server.start()
        defer { _ = server.stop(timeout: 10) }
        return try body(server)
    }

    /// Closed-loop verifying load of 64-byte messages against `server`.
    public static func verifyingLoad(_ server: EchoServer, connections: Int, depth: Int, seconds: Double,
                                     warmup: Double = 0, threads: Int = 1) -> LoadReport {
        var c = LoadConfig()
        c.threads = threads
        c.port = server.address.port
        c.connections = connections
        c.depth = depth
        c.duration = seconds
        c.warmup = warmup
        return LoadRunner.run(c)
    }

    /// Waits for a sample that satisfies `condition`, up to `seconds`.
    static func waitUntilSample(_ server: EchoServer, seconds: Double, _ condition: (StatsSnapshot) -> Bool) -> Bool {
        let until = monotonicNanos() + UInt64(seconds * 1e9)
        var seen = server.latestSample().sequence
        while monotonicNanos() < until {
            let s = server.latestSample()
            if s.sequence != seen {
                seen = s.sequence
                if condition(s.snapshot) { return true }
            }
            pause(micros: 20_000)
        }
        return false
    }

    static func pause(micros: Int) {
        var ts = timespec(tv_sec: 0, tv_nsec: micros * 1000)
        nanosleep(&ts, nil)
    }

    static func waitForLint(_ server: EchoServer, _ kind: LintKind, seconds: Double) -> Bool {
        waitUntilSample(server, seconds: seconds) { $0.lints.contains { $0.kind == kind } }
    }

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
    static func fairness(_ server: EchoServer, _ hazards: HazardSettings, lint: LintKind? = nil) -> (jain: Double, lint: Bool) {
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

    static func ms(_ nanos: UInt64) -> String { Format.latency(nanos: nanos) }
    static func f1(_ v: Double) -> String { Format.fixed(v, 1) }
    static func f2(_ v: Double) -> String { Format.fixed(v, 2) }
}

/// A function run on its own thread; `finish` joins it and returns its result.
final class Background<T: Sendable>: @unchecked Sendable {
    private var result: T?
    private var thread: OSThread?

    init(_ body: @escaping @Sendable () -> T) {
        thread = OSThread(name: "lab-load") { [self] in result = body() }
    }

    func finish() -> T {
        thread?.join()
        thread = nil
        return result!
    }
}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}
