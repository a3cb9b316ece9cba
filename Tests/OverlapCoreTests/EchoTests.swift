import Glibc
@testable import OverlapCore
import OverlapModel
import OverlapSystem
import OverlapTestSupport
import Synchronization
import Testing

extension CoreTests {
    /// The echo server over real loopback sockets, on both engines. Serialized:
    /// the tests count this process's descriptors.
    @Suite(.serialized)
    struct EchoTests {
        @Test("byte-exact echo of random payloads", arguments: engineModes)
        func payloads(engine: EngineKind, mode: NotificationMode) throws {
            try withServer(engine, mode: mode) { server in
                for (i, size) in [0, 1, 4096, 65536, 1 << 20].enumerated() {
                    let client = try TCPClient(port: server.address.port)
                    let payload = randomBytes(size, seed: UInt64(i + 1))
                    try exchange([client], [payload])
                    client.shutdownWrite()
                    #expect(client.readsEOF(), "\(size) B: expected end of stream after the echo")
                }
                #expect(waitUntil { server.snapshot(sessions: false).sessions == 0 })
                let s = server.snapshot(sessions: false)
                let total: UInt64 = 1 + 4096 + 65536 + 1_048_576
                #expect(s.bytesReceived == total && s.bytesSent == total)
                #expect(s.closed(by: .peerClosed) == 5)
            }
        }

        @Test("200 concurrent connections with pipelined messages", arguments: engineModes)
        func concurrent(engine: EngineKind, mode: NotificationMode) throws {
            try withServer(engine, mode: mode) { server in
                let clients = try (0..<200).map { _ in try TCPClient(port: server.address.port) }
                // 50 messages of 100 bytes per connection, all written before any echo is read.
                let payloads = (0..<200).map { randomBytes(50 * 100, seed: UInt64(1000 + $0)) }
                try exchange(clients, payloads)
                #expect(waitUntil { server.snapshot(sessions: false).sessions == 200 })
                let s = server.snapshot(sessions: false)
                #expect(s.bytesReceived == 200 * 5000 && s.bytesSent == 200 * 5000)
                #expect(s.accepted == 200)
            }
        }

        @Test("peers that never read pin at most one buffer each; others wait for one, nothing is lost",
              arguments: EngineKind.allCases)
        func bufferExhaustion(engine: EngineKind) throws {
            try withServer(engine, configure: { $0.bufferCount = 4 }) { server in
                // Four peers write and never read: each session's echo send stays
                // pending and holds its buffer, and the server stops reading them.
                let stuck = try (0..<4).map { _ in try TCPClient(port: server.address.port) }
                var sent: [[UInt8]] = []
                for (i, c) in stuck.enumerated() { sent.append(c.sendUntilBlocked(seed: UInt64(70 + i))) }
                #expect(waitUntil { server.engine.buffers.lent == 4 })
                #expect(sent.allSatisfy { $0.count < 64 << 20 }, "the server must push back, not buffer")

                // A fifth peer finds no buffer: its session waits for one.
                let late = try TCPClient(port: server.address.port)
                let message = randomBytes(1000, seed: 99)
                try late.send(message)
                #expect(waitUntil {
                    server.snapshot(sessions: true).sessionRows.contains { $0.state == .waitingForBuffer }
                })
                #expect(server.snapshot(sessions: false).bufferWaits > 0)

                // The stuck peers read at last: every byte comes back in order, and the late one is served.
                for (i, c) in stuck.enumerated() { #expect(try c.receive(sent[i].count) == sent[i]) }
                #expect(try late.receive(1000) == message)
                #expect(waitUntil { server.engine.buffers.lent == 0 && server.bufferWaits.count == 0 })
                let total = UInt64(sent.reduce(0) { $0 + $1.count } + 1000)
                let s = server.snapshot(sessions: false)
                #expect(s.bytesReceived == total && s.bytesSent == total)
            }
        }

        @Test("half-close: every byte comes back, then end of stream", arguments: engineModes)
        func halfClose(engine: EngineKind, mode: NotificationMode) throws {
            try withServer(engine, mode: mode) { server in
                let client = try TCPClient(port: server.address.port)
                let payload = randomBytes(300_000, seed: 7)
                try client.send(Array(payload[0..<1000]))
                client.shutdownWrite()  // the rest never goes; the first 1000 must all come back
                #expect(try client.receive(1000) == Array(payload[0..<1000]))
                #expect(client.readsEOF())
                #expect(waitUntil { server.snapshot(sessions: false).closed(by: .peerClosed) == 1 })
            }
        }

        @Test("a peer that resets mid-stream does not disturb the others", arguments: engineModes)
        func reset(engine: EngineKind, mode: NotificationMode) throws {
            try withServer(engine, mode: mode) { server in
                let others = try (0..<3).map { _ in try TCPClient(port: server.address.port) }
                do {
                    let victim = try TCPClient(port: server.address.port)
                    try victim.send(randomBytes(200_000, seed: 3))  // the echo is still flowing back
                    victim.armReset()
                }  // closed here with an RST
                try exchange(others, (0..<3).map { randomBytes(100_000, seed: UInt64(40 + $0)) })
                #expect(waitUntil { server.snapshot(sessions: false).sessions == 3 })
                let s = server.snapshot(sessions: false)
                #expect(s.closed == 1)
                #expect(s.closed(by: .reset) + s.closed(by: .peerClosed) + s.closed(by: .error) == 1)
            }
        }

        @Test("counters against known traffic: N idle sessions, N pending recvs", arguments: engineModes)
        func counters(engine: EngineKind, mode: NotificationMode) throws {
            try withServer(engine, mode: mode) { server in
                let n = 25
                var clients = try (0..<n).map { _ in try TCPClient(port: server.address.port) }
                #expect(waitUntil {
                    let s = server.snapshot(sessions: false)
                    return s.sessions == n && s.pending[.recv, mode] == Int64(n)
                })
                var s = server.snapshot(sessions: true)
                #expect(s.pending[.send, mode] == 0)
                // AcceptEx takes no completion routine: in callback mode the accept is announced by an event.
                let acceptMode: NotificationMode = mode == .callback ? .event : mode
                #expect(s.pending[.accept, acceptMode] == 1 && s.pending.total(op: .accept) == 1)
                if mode == .event {
                    // 25 recvs and the accept: 26 event objects, one waiter's group.
                    #expect(server.router.events.groupSizes == [n + 1])
                    #expect(s.threads.filter { $0.role == .eventWaiter(groupSize: n + 1) }.count == 1)
                }
                #expect(s.pending.total == Int64(n + 1), "only this mode's recvs and the accept are pending")
                #expect(s.sessionRows.count == n)
                #expect(s.sessionRows.allSatisfy { $0.state == .receiving && $0.bytesIn == 0 })
                #expect(s.queued == [0, 0, 0])
                #expect(server.engine.buffers.lent == 0, "idle sessions must not hold buffers")

                // Known traffic: 10 messages of 333 bytes on each connection.
                for (i, c) in clients.enumerated() {
                    for m in 0..<10 {
                        let msg = randomBytes(333, seed: UInt64(i * 100 + m + 1))
                        try c.send(msg)
                        #expect(try c.receive(333) == msg)
                    }
                }
                #expect(waitUntil { server.snapshot(sessions: false).pending[.recv, mode] == Int64(n) })
                s = server.snapshot(sessions: true)
                #expect(s.bytesReceived == UInt64(n * 3330) && s.bytesSent == UInt64(n * 3330))
                #expect(s.sessionRows.allSatisfy { $0.bytesIn == 3330 && $0.bytesOut == 3330 })
                #expect(server.engine.buffers.lent == 0)
                // The engine's own work: on io_uring every accept and recv is submitted to the
                // ring, and each send unless the posting thread completed it at once; on epoll none.
                let posted = server.registry.requestCounts.posted
                func submitted() -> UInt64 {
                    server.snapshot(sessions: false).threads.filter { $0.role == .engine }.reduce(0) { $0 + $1.submitted }
                }
                if engine == .uring {
                    let ringOnly = UInt64(posted.total(op: .recv) + posted.total(op: .accept))
                    #expect(ringOnly >= UInt64(n * 11 + n + 1), "\(n) sessions: 11 recvs each and the accepts")
                    #expect(waitUntil(5) { submitted() >= ringOnly }, "submitted \(submitted()), posted \(posted)")
                    #expect(submitted() <= UInt64(posted.total), "submitted \(submitted()), posted \(posted)")
                } else {
                    #expect(submitted() == 0)
                }

                clients.removeAll()  // close them all
                #expect(waitUntil {
                    let s = server.snapshot(sessions: false)
                    return s.sessions == 0 && s.pending[.recv, mode] == 0
                })
                s = server.snapshot(sessions: false)
                #expect(s.accepted == UInt64(n) && s.closed == UInt64(n) && s.closed(by: .peerClosed) == UInt64(n))
                #expect(s.pending.total == 1, "only the accept stays pending")
            }
        }

        @Test("under load the panel's figures add up: pending plus queued never exceeds one request per session and the accept",
              arguments: engineModes)
        func figuresAddUpUnderLoad(engine: EngineKind, mode: NotificationMode) throws {
            try withServer(engine, mode: mode) { server in
                let n = 8
                let clients = try (0..<n).map { _ in try TCPClient(port: server.address.port) }
                #expect(waitUntil { server.snapshot(sessions: false).sessions == n })
                let failures = Locked<[String]>([])
                let stop = Atomic<Bool>(false)
                // Each client keeps one 64-byte message in flight: each session always has one request
                // pending or queued, and the snapshots race a steady stream of posts.
                let drivers = clients.enumerated().map { i, c in
                    OSThread(name: "test-client-\(i)") {
                        var m: UInt64 = 0
                        while !stop.load(ordering: .relaxed) && m < 200_000 {
                            m += 1
                            let msg = randomBytes(64, seed: UInt64(i) << 32 | m)
                            do {
                                try c.send(msg)
                                if try c.receive(64) != msg { throw TestError("echo \(m) on client \(i) differs") }
                            } catch {
                                failures.withLock { $0.append("\(error)") }
                                return
                            }
                        }
                    }
                }
                var snapshots = 0
                var over: [String] = []
                let end = monotonicSeconds() + 1.0
                while monotonicSeconds() < end {
                    let s = server.snapshot(sessions: false)
                    snapshots += 1
                    let inFlight = s.pending.total + s.queued.reduce(0, +)
                    if inFlight > Int64(s.sessions) + 1 {
                        over.append("pending \(s.pending.total) + queued \(s.queued) > \(s.sessions) sessions + 1 accept")
                    }
                }
                stop.store(true, ordering: .relaxed)
                for d in drivers { d.join() }
                #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
                #expect(snapshots > 100)
                #expect(over.count == 0, "\(over.count) of \(snapshots) snapshots: \(over.prefix(3))")
                #expect(server.snapshot(sessions: false).receives > UInt64(n * 10), "the load ran")
            }
        }

        @Test("peer_not_reading on a headless server (no session rows sampled): a peer that never reads is counted, named and raised",
              arguments: EngineKind.allCases)
        func peerNotReadingHeadless(engine: EngineKind) throws {
            try withServer(engine, configure: {
                $0.sampleSessionRows = false  // as serve --headless
                $0.refreshMs = 100
            }) { server in
                let reader = try TCPClient(port: server.address.port)
                #expect(reader.echo(100))
                let stuck = try TCPClient(port: server.address.port)  // session 2
                let written = stuck.sendUntilBlocked(seed: 42)
                #expect(written.count > 0)
                #expect(waitUntil(8) { server.snapshot(sessions: false).peersNotReading == 1 },
                        "its send pending \(LintEngine.peerIdleNanos / 1_000_000_000) s")
                #expect(waitUntil(8) { server.latestSample().snapshot.lints.contains { $0.kind == .peerNotReading } })
                let s = server.latestSample().snapshot
                #expect(s.sessionRows.isEmpty && s.firstPeerNotReading == 2, "\(s.sessionRows.count) rows, first \(s.firstPeerNotReading)")
                #expect(reader.echo(100), "the others keep their echo")
                #expect(try stuck.receive(written.count) == written, "nothing lost")
                #expect(waitUntil(5) { server.snapshot(sessions: false).peersNotReading == 0 })
            }
        }

        @Test("--max-sessions refuses extra connections and counts them", arguments: EngineKind.allCases)
        func maxSessions(engine: EngineKind) throws {
            try withServer(engine, configure: { $0.maxSessions = 3 }) { server in
                let admitted = try (0..<3).map { _ in try TCPClient(port: server.address.port) }
                #expect(waitUntil { server.snapshot(sessions: false).sessions == 3 })
                let refused = try (0..<2).map { _ in try TCPClient(port: server.address.port) }
                #expect(waitUntil { server.snapshot(sessions: false).refused == 2 })
                for r in refused { #expect(r.readsEOF(), "a refused connection is closed at once") }
                try exchange(admitted, admitted.indices.map { randomBytes(1000, seed: UInt64($0 + 9)) })
                let s = server.snapshot(sessions: false)
                #expect(s.sessions == 3 && s.accepted == 3)
                #expect(s.events.contains { $0.message.contains("max-sessions") })
            }
        }

        @Test("out of descriptors: the connection is refused, accept does not spin, and it recovers",
              arguments: EngineKind.allCases)
        func outOfDescriptors(engine: EngineKind) throws {
            var saved = rlimit()
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved)
            var restored = false
            defer { if !restored { setrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved) } }
            // The limit is lowered before the server starts: io_uring reads
            // RLIMIT_NOFILE when an accept is submitted, not when it completes.
            try withServer(engine, configure: { _ in
                var tight = saved
                tight.rlim_cur = rlim_t(highestOpenDescriptor() + 1 + 16)  // room for the server's own descriptors
                setrlimit(Int32(RLIMIT_NOFILE.rawValue), &tight)
            }) { server in
                var fillers: [Int32] = []
                defer { for f in fillers { close(f) } }
                let starved = try TCPClient(port: server.address.port) { _ in
                    // Leave no descriptor number free below the limit: the server's accept fails with EMFILE.
                    while true {
                        let f = open("/dev/null", O_RDONLY)
                        if f < 0 { break }
                        fillers.append(f)
                    }
                }
                #expect(waitUntil { server.snapshot(sessions: false).refused == 1 })
                #expect(starved.readsEOF(), "the connection that could not be served is closed")
                let errors = server.snapshot(sessions: false).acceptErrors
                #expect(errors >= 1)
                // Nothing is queued any more: the accept may retry every 100 ms, but not
                // spin (a spinning accept fails thousands of times in this window).
                usleep(300_000)
                #expect(server.snapshot(sessions: false).acceptErrors <= errors + 5)
                #expect(server.snapshot(sessions: false).events.contains { $0.message.contains("accept") })

                setrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved)
                restored = true
                for f in fillers { close(f) }
                fillers.removeAll()
                let client = try TCPClient(port: server.address.port)
                try exchange([client], [randomBytes(5000, seed: 21)])
                #expect(server.snapshot(sessions: false).accepted == 1)
            }
        }

        @Test("a port in use is an error that names the port")
        func portInUse() throws {
            var config = ServerConfig()
            config.port = 0
            config.engine = .epoll
            let first = try EchoServer(config: config)
            config.port = first.address.port
            #expect(throws: ServerError.portInUse(first.address.port, what: "echo")) {
                _ = try EchoServer(config: config)
            }
            #expect("\(ServerError.portInUse(7777, what: "echo"))".contains("7777"))
        }

        @Test("IPv6 loopback", arguments: EngineKind.allCases)
        func ipv6(engine: EngineKind) throws {
            try withServer(engine, configure: { $0.host = "::1" }) { server in
                let client = try TCPClient(host: "::1", port: server.address.port)
                try exchange([client], [randomBytes(10_000, seed: 11)])
                #expect(server.address.description.hasPrefix("[::1]:"))
            }
        }
    }
}
