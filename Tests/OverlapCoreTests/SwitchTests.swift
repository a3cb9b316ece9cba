import Glibc
@testable import OverlapCore
import OverlapModel
import OverlapSystem
import OverlapTestSupport
import Synchronization
import Testing

extension CoreTests {
    /// Mode switches and the load shape of each mode, over real loopback.
    @Suite(.serialized)
    struct SwitchTests {
        @Test("switching modes again and again under verified traffic loses no byte and no connection",
              arguments: EngineKind.allCases)
        func switchUnderTraffic(engine: EngineKind) throws {
            try withServer(engine, mode: .port) { server in
                let clients = try (0..<16).map { _ in try TCPClient(port: server.address.port) }
                let done = Atomic<Bool>(false)
                let switcher = OSThread(name: "test-switcher") {
                    var mode = NotificationMode.port
                    while !done.load(ordering: .acquiring) {
                        mode = mode.next
                        try? server.switchMode(to: mode)
                        usleep(2000)
                    }
                }
                var rounds = 0
                var failure: Error?
                while rounds < 12 {
                    do {
                        try exchange(clients, (0..<16).map { randomBytes(40_000, seed: UInt64(rounds * 100 + $0)) })
                    } catch {
                        failure = error
                        break
                    }
                    rounds += 1
                }
                done.store(true, ordering: .releasing)
                switcher.join()
                if let failure { throw failure }

                var s = server.snapshot(sessions: false)
                #expect(s.modeSwitches >= 10, "only \(s.modeSwitches) switches happened during the traffic")
                #expect(s.closed == 0, "a switch closed a connection")
                #expect(s.bytesReceived == UInt64(16 * 40_000 * rounds) && s.bytesSent == s.bytesReceived)
                #expect(s.delivered.filter { $0 > 0 }.count == 3, "every mode delivered completions: \(s.delivered)")

                // Settle in callback mode. A new connection moves the accept over;
                // one message on each session moves its recv over. Then nothing
                // is left in the other modes, and their threads retire.
                try server.switchMode(to: .callback)
                let extra = try TCPClient(port: server.address.port)
                try exchange(clients + [extra], (0..<17).map { randomBytes(10, seed: UInt64(9000 + $0)) })
                #expect(waitUntil { server.snapshot(sessions: false).finishingInOtherModes == 0 })
                #expect(waitUntil {
                    server.snapshot(sessions: false).threads.allSatisfy {
                        switch $0.role {
                        case .engine, .apcThread: true
                        default: false
                        }
                    }
                }, "only the engine and the APC threads remain: \(server.snapshot(sessions: false).threads.map(\.name))")
                s = server.snapshot(sessions: false)
                #expect(s.mode == .callback && s.threads.filter { $0.mode == .callback }.count == 2)
            }
        }

        /// Connects `n` clients, exchanges one message on each so that every
        /// session has run a handler, and returns each client with the name of
        /// the thread its session last ran on.
        private func connectPinned(_ server: EchoServer, _ n: Int) throws -> [(TCPClient, String)] {
            let clients = try (0..<n).map { _ in try TCPClient(port: server.address.port) }
            try exchange(clients, clients.indices.map { randomBytes(100, seed: UInt64(500 + $0)) })
            // The echo can reach the client before its send completion is handled: wait until
            // every session is back to a pending recv, so no stray completion is counted later.
            guard waitUntil(10, {
                let s = server.snapshot(sessions: false)
                return s.pending.total(op: .recv) == Int64(n) && s.queued.allSatisfy { $0 == 0 }
                    && s.pending.total(op: .send) == 0
            }) else { throw TestError("sessions did not settle") }
            let rows = server.snapshot(sessions: true).sessionRows
            return try clients.map { c in
                let local = SocketAddress.local(of: c.fd)!.description
                guard let row = rows.first(where: { $0.peer == local }) else { throw TestError("no session for \(local)") }
                return (c, row.thread)
            }
        }

        /// Completions each thread of `mode`, and the engine thread, handled while `body` ran.
        private func completions(_ server: EchoServer, of mode: NotificationMode, during body: () throws -> Void)
            rethrows -> [String: UInt64] {
            let before = Dictionary(server.snapshot(sessions: false).threads.map { ($0.name, $0.completions) },
                                    uniquingKeysWith: { a, _ in a })
            try body()
            return Dictionary(server.snapshot(sessions: false).threads.filter { $0.mode == mode || $0.role == .engine }
                .map { ($0.name, $0.completions - (before[$0.name] ?? 0)) }, uniquingKeysWith: { a, _ in a })
        }

        @Test("load shape: in callback mode skewed traffic loads one APC thread; in port mode it spreads",
              arguments: EngineKind.allCases)
        func loadShape(engine: EngineKind) throws {
            // Callback: the heavy sessions are all pinned to one thread, which does all their work.
            try withServer(engine, mode: .callback) { server in
                let pinned = try connectPinned(server, 8)
                let heavyThread = pinned[0].1
                let heavy = pinned.filter { $0.1 == heavyThread }.map(\.0)
                #expect(heavy.count == 4, "sessions are spread round-robin over the 2 APC threads")
                let counts = try completions(server, of: .callback) {
                    try exchange(heavy, heavy.indices.map { randomBytes(1 << 20, seed: UInt64(600 + $0)) })
                }
                let total = counts.values.reduce(0, +)
                #expect(total > 40)
                #expect(counts[heavyThread]! == total, "every completion ran on the sessions' own thread: \(counts)")
            }
            // Port: the same four busy sessions, driven by two client threads so that
            // completions arrive together, are run by whichever threads are free.
            try withServer(engine, mode: .port) { server in
                let heavy = try connectPinned(server, 8).prefix(4).map(\.0)
                let failures = Locked<[String]>([])
                let counts = completions(server, of: .port) {
                    let halves = [Array(heavy[0..<2]), Array(heavy[2..<4])]
                    let clients = halves.indices.map { h in
                        OSThread(name: "test-client-\(h)") {
                            do {
                                try exchange(halves[h], (0..<2).map { randomBytes(1 << 20, seed: UInt64(600 + 2 * h + $0)) })
                            } catch { failures.withLock { $0.append("\(error)") } }
                        }
                    }
                    for c in clients { c.join() }
                }
                #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
                let total = counts.values.reduce(0, +)
                // The engine, two workers, and on io_uring the engine's visits (port-v).
                #expect(counts.count == (engine == .uring ? 4 : 3) && total > 40, "\(counts)")
                // Wakes are LIFO and the engine runs its share when a slot is free,
                // so one thread may run most; but no thread is confined to the sessions.
                #expect(counts.values.filter { $0 > 0 }.count >= 2, "more than one thread ran them: \(counts)")
                #expect(counts.values.allSatisfy { $0 < total }, "no thread ran them all: \(counts)")
            }
        }
    
        @Test("with the engine out of the port (--no-engine-joins-port), only port workers run completions",
              arguments: EngineKind.allCases)
        func textbookPool(engine: EngineKind) throws {
            try withServer(engine, mode: .port, configure: { $0.engineJoinsPort = false }) { server in
                let clients = try (0..<4).map { _ in try TCPClient(port: server.address.port) }
                let counts = try completions(server, of: .port) {
                    try exchange(clients, clients.indices.map { randomBytes(256 << 10, seed: UInt64(700 + $0)) })
                }
                let engineName = engine == .uring ? "uring-0" : "epoll-0"
                #expect(counts[engineName] == 0, "the engine ran none: \(counts)")
                #expect(counts.filter { $0.key != engineName }.values.reduce(0, +) > 8, "the workers ran them: \(counts)")
            }
        }
}
}
