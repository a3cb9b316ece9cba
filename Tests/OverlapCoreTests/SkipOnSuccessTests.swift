@testable import OverlapCore
import OverlapModel
import OverlapSystem
import OverlapTestSupport
import Testing

extension CoreTests {
    /// The skip-on-success hazard (FILE_SKIP_COMPLETION_PORT_ON_SUCCESS).
    @Suite(.serialized)
    struct SkipOnSuccessTests {
        /// Handlers that start before the previous one on the same thread has
        /// returned: a handler run inside the handler that posted its request.
        static func nested(_ trace: ParsedTrace) -> Int {
            var n = 0
            for (_, handlers) in Dictionary(grouping: trace.handlers, by: \.tid) {
                var end = -Double.infinity
                for h in handlers.sorted(by: { $0.pickedUp < $1.pickedUp }) {
                    if h.pickedUp < end { n += 1 }
                    end = max(end, h.pickedUp + h.duration)
                }
            }
            return n
        }

        @Test("uring: a send posted while the engine thread idles completes at once, and skip-on-success runs its handler on the posting thread; every byte echoes")
        func uringIdleSends() throws {
            try requireEngine(.uring)
            for skip in [false, true] {
                try withServer(.uring, mode: .port, configure: {
                    $0.hazards.skipOnSuccess = skip
                    $0.engineJoinsPort = false
                }) { server in
                    // One message at a time: the engine thread sleeps between them.
                    let c = try TCPClient(port: server.address.port)
                    for i in 0..<200 {
                        let message = randomBytes(64, seed: UInt64(900 + i))
                        try c.send(message)
                        #expect(try c.receive(64) == message)
                    }
                    if skip {
                        #expect(server.inlineRuns > 0, "no send completed at once ran inline")
                        // The thread rows say who ran them: the posting threads, together all of them.
                        let rows = server.snapshot(sessions: false).threads
                        #expect(rows.reduce(0) { $0 + $1.inlineRuns } == server.inlineRuns, "\(rows.map { ($0.name, $0.inlineRuns) })")
                        #expect(rows.allSatisfy { $0.inlineRuns == 0 || $0.role == .portWorker || $0.role == .portVisits })
                    } else {
                        #expect(server.inlineRuns == 0)
                    }
                }
            }
        }

        @Test("a request that completes at once runs inside the handler that posted it (uring: a send posted while the engine idles); nothing lost",
              arguments: EngineKind.allCases)
        func inlineOnPostingThread(engine: EngineKind) throws {
            // io_uring completes a send at once only while its engine thread
            // idles, which this load may never let it: `uringIdleSends` checks it there.
            for skip in engine == .epoll ? [false, true] : [false] {
                let trace = try tracedRun(engine, .port, configure: {
                    $0.hazards.skipOnSuccess = skip
                    $0.engineJoinsPort = false
                }) { server in
                    let clients = try (0..<4).map { _ in try TCPClient(port: server.address.port) }
                    try exchange(clients, clients.indices.map { randomBytes(200_000, seed: UInt64(40 + $0)) })
                }
                let n = Self.nested(trace)
                if skip {
                    #expect(n > 0, "no handler ran inside the one that posted it")
                } else {
                    #expect(n == 0, "\(n) handlers ran nested (skip-on-success \(skip), \(engine))")
                }
            }
        }
    }
}
