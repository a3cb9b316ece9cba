@testable import OverlapCore
import OverlapModel
import OverlapSystem
import OverlapTestSupport
import Testing

extension CoreTests {
    /// The per-thread counts the threads panel reads, against known traffic.
    @Suite(.serialized)
    struct ThreadCountTests {
        @Test("reaped: every request completed is counted once, on the thread that saw it finish; the engine's own rate in event mode",
              arguments: EngineKind.allCases)
        func reapedCountsEveryCompletion(engine: EngineKind) throws {
            try withServer(engine, mode: .event) { server in
                let c = try TCPClient(port: server.address.port)
                for i in 0..<200 {
                    try c.send([UInt8(i & 0xFF), 1, 2])
                    #expect(try c.receive(3) == [UInt8(i & 0xFF), 1, 2])
                }
                // 1 accept, 200 recvs and 200 sends (a 3-byte send is never partial
                // on loopback), all delivered to their handlers once the last send's
                // completion has been.
                #expect(waitUntil { server.snapshot(sessions: false).delivered.reduce(0, +) == 401 })
                let s = server.snapshot(sessions: false)
                let reaped = s.threads.reduce(0) { $0 + $1.reaped } + server.registry.retiredRows.reduce(0) { $0 + $1.reaped }
                let delivered = s.delivered.reduce(0, +)
                #expect(delivered == 401, "delivered \(delivered)")
                #expect(reaped == delivered, "reaped \(reaped), delivered \(delivered)")
                if engine == .uring {
                    // Each recv waits in the kernel for the peer: the engine thread
                    // reaps it. (A send may finish at once on the posting thread.)
                    let own = s.threads.first { $0.role == .engine }?.reaped ?? 0
                    #expect(own >= 200 && own <= delivered, "the engine reaped \(own)")
                }
            }
        }

        @Test("port workers count their waits: at one connection, about one per message", arguments: EngineKind.allCases)
        func portWorkerWaits(engine: EngineKind) throws {
            try withServer(engine, mode: .port, configure: { $0.engineJoinsPort = false }) { server in
                let c = try TCPClient(port: server.address.port)
                for i in 0..<200 {
                    try c.send([UInt8(i & 0xFF)])
                    _ = try c.receive(1)
                    // The next message goes out once both workers wait on the port again.
                    #expect(waitUntil { server.snapshot(sessions: false).portWaiting.count == 2 })
                }
                let waits = server.snapshot(sessions: false).threads.filter { $0.role == .portWorker }.reduce(0) { $0 + $1.waits }
                // Each message's recv wakes a waiting worker; at most one wait per
                // completion (recv and send) and the workers' first.
                #expect(waits >= 200 && waits <= 2 * 200 + 10, "\(waits) waits for 200 messages")
            }
        }
    
        @Test("ran on counts per sampling interval: a callback session's handlers run on its APC thread only, a port session's on the port's threads only (on epoll the last-idle worker keeps it), an idle interval counts none",
              arguments: EngineKind.allCases)
        func ranOn(engine: EngineKind) throws {
            // Intervals end where the test says (the sampler does not read rows here).
            try withServer(engine, mode: .callback, configure: { $0.sampleSessionRows = false }) { server in
                let clients = try (0..<4).map { _ in try TCPClient(port: server.address.port) }
                try exchange(clients, clients.indices.map { randomBytes(50_000, seed: UInt64(60 + $0)) })
                let rows = server.snapshot(sessions: true).sessionRows
                #expect(rows.count == 4)
                #expect(rows.allSatisfy { $0.thread.hasPrefix("apc-") && $0.threadsRan == 1 }, "\(rows.map { ($0.thread, $0.threadsRan) })")
                // A new interval with no traffic: no thread ran any handler in it.
                server.sampleEpoch.advance()
                #expect(server.snapshot(sessions: true).sessionRows.allSatisfy { $0.threadsRan == 0 })
                try server.switchMode(to: .port)
                // Each session's recv posted before the switch finishes in callback mode.
                try exchange(clients, clients.indices.map { randomBytes(50_000, seed: UInt64(70 + $0)) })
                server.sampleEpoch.advance()
                try exchange(clients, clients.indices.map { randomBytes(50_000, seed: UInt64(80 + $0)) })
                let after = server.snapshot(sessions: true).sessionRows
                // This interval ran in port mode only, on the port's threads (two
                // workers, and the engine's visits on io_uring).
                #expect(after.allSatisfy { $0.thread.hasPrefix("port-") && (1...3).contains($0.threadsRan) },
                        "\(after.map { ($0.thread, $0.threadsRan) })")
            }
        }
    }
}
