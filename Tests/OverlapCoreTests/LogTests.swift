import Logging
@testable import OverlapCore
import OverlapModel
import OverlapSystem
import OverlapTestSupport
import Synchronization
import Testing

/// A swift-log handler that keeps every record, for assertions.
struct CapturingLogHandler: LogHandler {
    final class Store: Sendable {
        let records = Locked<[(Logger.Level, String)]>([])
    }
    let store: Store
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        store.records.withLock { $0.append((event.level, "\(event.message)")) }
    }
}

extension CoreTests {
    @Suite
    struct LogTests {
        @Test("the event log's lines and session opens and closes are swift-log records; a refusal storm is one record")
        func records() throws {
            let store = CapturingLogHandler.Store()
            let logger = Logger(label: "test") { _ in CapturingLogHandler(store: store) }
            try withServer(.epoll, configure: {
                $0.threads = 1
                $0.concurrency = 1
                $0.maxSessions = 1
            }, logger: logger) { server in
                do {
                    let kept = try TCPClient(port: server.address.port)
                    #expect(waitUntil { server.snapshot(sessions: false).sessions == 1 })
                    let refused = try (0..<3).map { _ in try TCPClient(port: server.address.port) }
                    #expect(waitUntil { server.snapshot(sessions: false).refused == 3 })
                    _ = (kept, refused)
                }
                #expect(waitUntil { server.snapshot(sessions: false).sessions == 0 })
            }
            let records = store.records.withLock { $0 }
            #expect(records.contains { $0.0 == .info && $0.1.hasPrefix("listening on") })
            #expect(records.filter { $0.0 == .warning && $0.1.contains("refused") }.count == 1)
            #expect(records.contains { $0.0 == .debug && $0.1 == "session 1 opened from " + ($0.1.split(separator: " ").last.map(String.init) ?? "") })
            #expect(records.contains { $0.0 == .debug && $0.1.hasPrefix("session 1 closed") })
        }
    }
}
