import Glibc
import OverlapCore
import OverlapLoad
import OverlapModel
import OverlapSystem
import Synchronization

/// What one soak found.
public struct SoakReport: Sendable {
    public var engine: EngineKind
    public var bytesVerified: UInt64
    public var churnedSessions: Int
    public var accepted: UInt64
    public var modeSwitches: UInt64
    public var errors: [String]
    /// Sessions still open once the traffic stopped and had 5 s to close (0 is right).
    public var sessionsLeaked: Int
    /// Requests other than the listener's accept still pending or queued then (0 is right).
    public var requestsLeft: Int64
    /// The server stopped with nothing in flight.
    public var cleanStop: Bool
    /// Lints the server raised during the soak, with their lines (none is
    /// right: a soak runs no hazard, so a lint here is a false alarm or a
    /// real fault).
    public var lintsRaised: [String] = []
    public var rssStart: Int
    public var rssPeak: Int
    /// RSS once idle, before the server stopped.
    public var rssEnd: Int

    /// How far above the start RSS may end: heap the allocator keeps after
    /// hundreds of thousands of sessions came and went (measured: about 8 MiB).
    public static let rssSlack = 16 << 20

    public var rssRecovered: Bool { rssEnd <= rssStart + Self.rssSlack }
    public var passed: Bool {
        errors.isEmpty && sessionsLeaked == 0 && requestsLeft == 0 && cleanStop && rssRecovered && lintsRaised.isEmpty
    }

    /// The summary `overlap soak` prints.
    public var text: String {
        var lines = ["""
            overlap soak (\(engine.rawValue)): bytes verified \(Format.bytes(bytesVerified)), \
            churned sessions \(churnedSessions), accepted \(accepted), mode switches \(modeSwitches)
              errors \(errors.count), sessions leaked \(sessionsLeaked), requests left \(requestsLeft), \
            clean stop \(cleanStop ? "yes" : "no"), lints raised \(lintsRaised.count)
              RSS start \(Format.bytes(rssStart)), peak \(Format.bytes(rssPeak)), \
            end \(Format.bytes(rssEnd)) (idle, before the server stops)
            """]
        lines += errors.map { "  error: \($0)" }
        lines += lintsRaised.map { "  error: lint raised without a hazard: \($0)" }
        if !rssRecovered { lines.append("  error: RSS did not come back near the start") }
        return lines.joined(separator: "\n")
    }
}

/// `overlap soak`: a bounded stress of one in-process server. Verified
/// pipelined traffic, connection churn (clean closes, half-closes, resets),
/// slow readers and mode switches all at once; then every session must be
/// gone, every request delivered, no byte wrong, and memory back near where
/// it started.
public enum SoakRun {
    /// Runs for `duration` seconds, switching modes every `switchMs`.
    /// `progress` is called about once a second (on the calling thread) with
    /// a status line. Throws if the server cannot start.
    public static func run(engine: EngineChoice, duration: Double, switchMs: Int,
                           progress: @escaping (String) -> Void = { _ in }) throws -> SoakReport {
        var config = ServerConfig()
        config.port = 0
        config.engine = engine
        config.sampleSessionRows = false
        let server = try EchoServer(config: config)
        try server.start()
        let port = server.address.port
        let rssStart = residentBytes()
        let peak = Atomic<Int>(rssStart)
        let stop = Atomic<Bool>(false)
        let tally = SoakTally()

        var threads: [OSThread] = []
        // Mode switches and the RSS sampler.
        threads.append(OSThread(name: "soak-switcher") {
            var mode = NotificationMode.port
            while !stop.load(ordering: .relaxed) {
                mode = mode.next
                try? server.switchMode(to: mode)
                _ = peak.max(residentBytes(), ordering: .relaxed)
                usleep(UInt32(switchMs) * 1000)
            }
        })
        // Churn: short sessions that close cleanly, half-close, or reset mid-echo.
        for worker in 0..<2 {
            threads.append(OSThread(name: "soak-churn-\(worker)") {
                var i = 0
                while !stop.load(ordering: .relaxed) {
                    i += 1
                    SoakClients.churnOnce(port: port, kind: (i + worker) % 3, size: 512 << (i % 5), tally: tally)
                }
            })
        }
        // Slow readers: each sends 1 MiB and reads it back in small, slow bites.
        for r in 0..<4 {
            threads.append(OSThread(name: "soak-slow-\(r)") {
                while !stop.load(ordering: .relaxed) { SoakClients.slowReader(port: port, seed: r, tally: tally) }
            })
        }
        // Verified pipelined traffic for the whole run, in the foreground.
        var load = LoadConfig()
        load.port = port
        load.connections = 32
        load.size = 1024
        load.depth = 4
        load.warmup = 0
        load.duration = duration
        load.stallSeconds = 10
        // Lints raised at any sample (read each progress tick: the events log keeps only the last 64 lines).
        var lints: [LintKind: String] = [:]
        func noteLints() {
            for l in server.latestSample().snapshot.lints where lints[l.kind] == nil { lints[l.kind] = "\(l.kind.rawValue): \(l.message)" }
        }
        let report = LoadRunner.run(load) { p in
            noteLints()
            let s = server.snapshot(sessions: false)
            progress("[soak \(Int(p.elapsedSeconds))s/\(Int(p.totalSeconds))s] \(Format.count(p.messagesPerSecond)) msg/s verified, "
                     + "\(s.sessions) sessions, mode \(s.mode.rawValue), \(s.modeSwitches) switches, RSS \(Format.bytes(residentBytes()))")
        }
        stop.store(true, ordering: .relaxed)
        for t in threads { t.join() }
        for e in report.errors { tally.fail("load: \(e)") }
        tally.add(Int(report.messages) * load.size)

        // Every session must close and every request but the listener's accept be delivered.
        func settled(_ s: StatsSnapshot) -> Bool {
            s.sessions == 0 && s.pending.total == s.pending.total(op: .accept) && s.queued.allSatisfy { $0 == 0 }
        }
        let settleBy = monotonicNanos() + 5_000_000_000
        while !settled(server.snapshot(sessions: false)) && monotonicNanos() < settleBy { usleep(10_000) }
        let last = server.snapshot(sessions: false)
        noteLints()
        // Idle now: the engine gives the receive-buffer slab back once a second
        // passes with no buffer lent. RSS at the end is read then, server still up.
        _ = peak.max(residentBytes(), ordering: .relaxed)
        var rssEnd = residentBytes()
        let trimBy = monotonicNanos() + 4_000_000_000
        while rssEnd > rssStart + SoakReport.rssSlack / 2 && monotonicNanos() < trimBy {
            usleep(100_000)
            rssEnd = residentBytes()
        }
        let clean = server.stop()
        return SoakReport(
            engine: server.engineKind, bytesVerified: tally.bytes.load(ordering: .relaxed),
            churnedSessions: tally.churned.load(ordering: .relaxed), accepted: last.accepted,
            modeSwitches: last.modeSwitches, errors: tally.errors.withLock { $0 }, sessionsLeaked: last.sessions,
            requestsLeft: last.pending.total - last.pending.total(op: .accept) + last.queued.reduce(0, +),
            cleanStop: clean, lintsRaised: LintKind.allCases.compactMap { lints[$0] }, rssStart: rssStart,
            rssPeak: peak.load(ordering: .relaxed), rssEnd: rssEnd)
    }
}
