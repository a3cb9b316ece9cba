import Glibc
import OverlapCore
import OverlapLoad
import OverlapModel
import OverlapSystem

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

    /// Waits for a sample that satisfies `condition`, up to `seconds`,
    /// looking every `micros` and calling `each` at every look.
    static func waitUntilSample(_ server: EchoServer, seconds: Double, every micros: Int = 20_000,
                                each: () -> Void = {}, _ condition: (StatsSnapshot) -> Bool) -> Bool {
        let until = monotonicNanos() + UInt64(seconds * 1e9)
        var seen = server.latestSample().sequence
        while monotonicNanos() < until {
            let s = server.latestSample()
            if s.sequence != seen {
                seen = s.sequence
                if condition(s.snapshot) { return true }
            }
            each()
            pause(micros: micros)
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

    static func ms(_ nanos: UInt64) -> String { Format.latency(nanos: nanos) }
    static func f1(_ v: Double) -> String { Format.fixed(v, 1) }
    static func f2(_ v: Double) -> String { Format.fixed(v, 2) }
}
