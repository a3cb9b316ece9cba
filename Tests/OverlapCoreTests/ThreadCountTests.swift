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
                }
                let waits = server.snapshot(sessions: false).threads.filter { $0.role == .portWorker }.reduce(0) { $0 + $1.waits }
                // Each message's recv and send completions find the port empty at least once.
                #expect(waits >= 200 && waits <= 2 * 200 + 10, "\(waits) waits for 200 messages")
            }
        }
    }
}
