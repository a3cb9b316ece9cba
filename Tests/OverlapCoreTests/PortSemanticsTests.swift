import Foundation
@testable import OverlapCore
import OverlapModel
import OverlapSystem
import OverlapTestSupport
import Testing

extension CoreTests {
    /// Port mode as a completion port, on the real engines: who runs the
    /// handlers, thread wakes per message, the concurrency value, LIFO wake,
    /// FIFO packets.
    @Suite(.serialized)
    struct PortSemanticsTests {
        /// Completions each thread ran during `body` (session and accept handlers).
        func completions(_ server: EchoServer, during body: () throws -> Void) rethrows -> [String: UInt64] {
            let before = Dictionary(server.snapshot(sessions: false).threads.map { ($0.name, $0.completions) },
                                    uniquingKeysWith: { a, _ in a })
            try body()
            var delta: [String: UInt64] = [:]
            for t in server.snapshot(sessions: false).threads where t.completions > before[t.name] ?? 0 {
                delta[t.name, default: 0] += t.completions - (before[t.name] ?? 0)
            }
            return delta
        }

        /// Echoes `count` one-byte messages, one at a time, on one connection;
        /// with `thinkMicros`, the client pauses that long after each echo.
        func pingPong(_ server: EchoServer, count: Int, thinkMicros: UInt32 = 0) throws {
            let client = try TCPClient(port: server.address.port)
            for i in 0..<count {
                try client.send([UInt8(truncatingIfNeeded: i)])
                #expect(try client.receive(1) == [UInt8(truncatingIfNeeded: i)])
                if thinkMicros > 0 { usleep(thinkMicros) }
            }
        }

        func isPortThread(_ name: String) -> Bool { name.hasPrefix("port-") }
        func isServerIOThread(_ name: String) -> Bool {
            name.hasPrefix("port-") || name.hasPrefix("epoll-") || name.hasPrefix("uring-")
        }

        @Test("epoll: the port workers run the completions, under load and at one connection")
        func workerShare() throws {
            try withServer(.epoll, mode: .port) { server in
                let clients = try (0..<50).map { _ in try TCPClient(port: server.address.port) }
                let loaded = try completions(server) {
                    try exchange(clients, clients.indices.map { randomBytes(64 << 10, seed: UInt64(900 + $0)) })
                }
                let total = loaded.values.reduce(0, +)
                let workers = loaded.filter { isPortThread($0.key) }.values.reduce(0, +)
                #expect(total >= 100, "\(loaded)")
                #expect(Double(workers) >= 0.8 * Double(total), "port workers ran \(workers) of \(total): \(loaded)")
                let single = try completions(server) { try pingPong(server, count: 100) }
                #expect(single.filter { !isPortThread($0.key) }.isEmpty, "only port workers ran them: \(single)")
                #expect(single.values.reduce(0, +) >= 200, "\(single)")
            }
        }

        @Test("one thread wake per message at one connection; the textbook pool pays about two",
              arguments: EngineKind.allCases)
        func wakesPerMessage(engine: EngineKind) throws {
            // Under ThreadSanitizer every thread runs several times slower and
            // wakes where it would have polled: a wake count says nothing there.
            #if !OVERLAP_TSAN
            let messages = 400
            func wakes(engineJoins: Bool) throws -> Double {
                var per = 0.0
                try withServer(engine, mode: .port, configure: { $0.engineJoinsPort = engineJoins }) { server in
                    try pingPong(server, count: 20)  // connected, buffers touched, workers started
                    let before = voluntarySwitches(ofThreadsNamed: isServerIOThread)
                    try pingPong(server, count: messages)
                    per = Double(voluntarySwitches(ofThreadsNamed: isServerIOThread) - before) / Double(messages)
                }
                return per
            }
            // A shared machine's other load makes a polling worker miss and
            // sleep: the best of three runs is what the design can do.
            var runs: [Double] = []
            for _ in 0..<3 where (runs.min() ?? .infinity) >= 1.5 { runs.append(try wakes(engineJoins: true)) }
            let joined = runs.min()!
            let textbook = try wakes(engineJoins: false)
            // Each message wakes one thread (the peer's next message arrives while
            // it sleeps); the textbook pool wakes the engine, then a worker.
            #expect(joined < 1.5, "\(joined) wakes per message")
            #expect(textbook > 1.6, "textbook pool: \(textbook) wakes per message")
            #endif
        }

        @Test("running handlers never exceed the concurrency value",
              arguments: EngineKind.allCases, [true, false])
        func concurrencyHolds(engine: EngineKind, engineJoins: Bool) throws {
            let trace = try tracedRun(engine, .port, configure: { c in
                c.threads = 3
                c.concurrency = 1
                c.engineJoinsPort = engineJoins
            }) { server in
                let clients = try (0..<30).map { _ in try TCPClient(port: server.address.port) }
                try exchange(clients, clients.indices.map { randomBytes(20_000, seed: UInt64(950 + $0)) })
            }
            let handlers = trace.handlers.sorted { $0.pickedUp < $1.pickedUp }
            #expect(handlers.count > 40, "\(handlers.count) handlers traced")
            #expect(Set(handlers.map(\.tid)).count >= 1)
            // Concurrency 1: one handler at a time, whichever thread runs it.
            var end = -Double.infinity
            var overlaps: [String] = []
            for h in handlers {
                if h.pickedUp < end { overlaps.append("\(trace.lanes[h.tid] ?? "?") \(h.op) at \(h.pickedUp) < \(end)") }
                end = max(end, h.pickedUp + h.duration)
            }
            #expect(overlaps.isEmpty, "handlers overlapped: \(overlaps.prefix(5))")
        }

        @Test("packets queued on the port run first in, first out", arguments: EngineKind.allCases)
        func fifoOnRealEngines(engine: EngineKind) throws {
            do {
                let trace = try tracedRun(engine, .port, configure: { c in
                    c.threads = 3
                    c.concurrency = 1
                    c.engineJoinsPort = false  // every completion goes through the port's queue
                }) { server in
                    let clients = try (0..<30).map { _ in try TCPClient(port: server.address.port) }
                    try exchange(clients, clients.indices.map { randomBytes(20_000, seed: UInt64(970 + $0)) })
                }
                // Completed before another and picked up after it: out of order.
                let handlers = trace.handlers.sorted { $0.pickedUp < $1.pickedUp }
                let completed = handlers.map { $0.pickedUp - $0.notify }
                var latest = -Double.infinity
                var inversions = 0
                for c in completed {
                    if c + 5_000 < latest { inversions += 1 }  // 5 ms: stamps are taken just outside the port's lock
                    latest = max(latest, c)
                }
                #expect(handlers.count > 40)
                #expect(inversions == 0, "\(engine): \(inversions) completions ran before earlier ones")
            }
        }

        @Test("epoll, light load: the kernel wakes the most recently idle worker, so one worker carries the session")
        func kernelLIFO() throws {
            try withServer(.epoll, mode: .port, configure: { c in
                c.threads = 3
                c.concurrency = 3
            }) { server in
                try pingPong(server, count: 20)
                // The client pauses after each echo, so the worker that ran the last
                // message is waiting again, on top of the kernel's wait queue, when
                // the next one comes. (Without the pause it may still be running,
                // and the next worker on the stack is woken, as IOCP would.)
                let counts = try completions(server) { try pingPong(server, count: 150, thinkMicros: 1000) }
                let total = counts.values.reduce(0, +)
                let top = counts.values.max() ?? 0
                // First in, first out (or any fair order) would give each about a third.
                #expect(total >= 300, "\(counts)")
                #expect(Double(top) >= 0.8 * Double(total), "the most recently idle worker ran \(top) of \(total): \(counts)")
                #expect(counts.keys.allSatisfy(isPortThread), "\(counts)")
            }
        }
    }
}
