import Glibc
import OverlapCore
import OverlapLoad
import OverlapModel
import OverlapSystem
import Synchronization

/// What every lab check uses: an in-process server, the verifying load,
/// waits on the server's samples, and the figures' formats.
extension LabCheck {
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
