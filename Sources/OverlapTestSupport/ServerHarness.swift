import Logging
import OverlapCore
import OverlapModel
import Testing

/// Skips the current test, with the reason, when it needs io_uring and this
/// machine cannot give it (never passes it silently).
public func requireEngine(_ engine: EngineKind) throws {
    if engine == .uring, let why = uringUnavailableReason() {
        try Test.cancel("io_uring unavailable here: \(why)")
    }
}

/// Every engine with every mode, for tests that must hold in all of them.
public let engineModes: [(EngineKind, NotificationMode)] = EngineKind.allCases.flatMap { e in
    NotificationMode.allCases.map { (e, $0) }
}

/// Runs `body` against a real server on a free loopback port (2 threads,
/// concurrency 2), then stops it and checks that it left nothing behind: no
/// pending or queued request, no session, every thread joined, every
/// descriptor closed. The one way tests stand a server up. `logger`
/// receives the server's records (swift-log).
public func withServer(_ engine: EngineKind, mode: NotificationMode = .port,
                       configure: (inout ServerConfig) -> Void = { _ in },
                       logger: Logger = Logger(label: "overlap"),
                       _ body: (EchoServer) throws -> Void) throws {
    try requireEngine(engine)
    openRuntimeTimers()
    let descriptorsBefore = openDescriptors()
    do {
        var config = ServerConfig()
        config.port = 0
        config.engine = engine == .uring ? .uring : .epoll
        config.threads = 2
        config.concurrency = 2
        config.mode = mode
        configure(&config)
        let server = try EchoServer(config: config, logger: logger)
        try server.start()
        var failure: Error?
        do { try body(server) } catch { failure = error }
        #expect(server.stop(timeout: 10), "requests were still in flight when the server stopped")
        let s = server.snapshot(sessions: true)
        #expect(s.pending.total == 0, "pending after stop: \(s.pending.values)")
        #expect(s.queued.allSatisfy { $0 == 0 }, "queued after stop: \(s.queued)")
        #expect(s.sessions == 0 && s.sessionRows.isEmpty)
        #expect(s.accepted == s.closed, "accepted \(s.accepted), closed \(s.closed)")
        #expect(server.runningThreads == 0, "threads still running after stop")
        if let failure { throw failure }
    }
    let descriptorsAfter = openDescriptors()
    let leaked = descriptorsAfter.filter { descriptorsBefore[$0.key] != $0.value }.sorted { $0.key < $1.key }
    let closed = descriptorsBefore.keys.filter { descriptorsAfter[$0] == nil }
    #expect(leaked.isEmpty && closed.isEmpty, "descriptors leaked: \(leaked.map { "\($0.key) \($0.value)" }); closed: \(closed)")
}
