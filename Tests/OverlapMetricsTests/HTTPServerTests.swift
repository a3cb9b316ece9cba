import Glibc
@testable import OverlapCore
@testable import OverlapMetrics
import OverlapModel
import OverlapSystem
import OverlapTestSupport
import Synchronization
import Testing

/// The threads of MetricsHTTPServer event loop groups (SwiftNIO names them `NIO-ELT-<group>-#<loop>`).
func eventLoopThreads() -> Int { threadNames().filter { $0.hasPrefix("NIO-ELT-") }.count }

extension MetricsTests {
    @Test("64 idle and 16 trickling connections: a scrape still answers within 1 s, and the server closes all 80 at its idle timeout")
    func junkConnections() throws {
        try withMetrics { server, port in
            let peer = try TCPClient(port: server.address.port)
            let opened = monotonicSeconds()
            let idle = try (0..<64).map { _ in try TCPClient(port: port) }
            let tricklers = try (0..<16).map { _ in try TCPClient(port: port) }
            let request = Array("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
            let sentBytes = Atomic<Int>(0)
            let stop = Atomic<Bool>(false)
            // One byte a second on each trickler, until told to stop (or the head is all sent, 35 s).
            let trickler = OSThread(name: "trickler") {
                for i in request.indices {
                    var b = request[i]
                    for c in tricklers { _ = send(c.fd, &b, 1, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
                    sentBytes.store(i + 1, ordering: .releasing)
                    for _ in 0..<20 {
                        if stop.load(ordering: .acquiring) { return }
                        usleep(50_000)
                    }
                }
            }
            defer {
                stop.store(true, ordering: .releasing)
                trickler.join()
            }
            // Scrape while the tricklers are part-way through a head.
            #expect(waitUntil(5) { sentBytes.load(ordering: .acquiring) >= 2 })
            let t0 = monotonicSeconds()
            let answer = get(port, "/metrics")
            let took = monotonicSeconds() - t0
            #expect(answer.hasPrefix("HTTP/1.1 200"))
            #expect(answer.contains("overlap_sessions 1"))
            #expect(took < 1, "the scrape took \(took) s")
            #expect(peer.echo(100))

            // All 80 closed by the server: not before the idle timeout, and within it (plus scheduling slack).
            let idleTimeout = Double(MetricsHTTPServer.idleTimeoutSeconds)
            let closed = closeTimes(idle + tricklers, deadline: opened + idleTimeout + 2)
            let lives = closed.map { $0.map { $0 - opened } }
            #expect(lives.allSatisfy { $0 != nil }, "still open: \(lives.filter { $0 == nil }.count) of 80")
            let known = lives.compactMap { $0 }
            #expect(known.allSatisfy { $0 >= idleTimeout - 0.5 }, "closed early: \(known.min() ?? 0) s")
            print("junk connections: scrape answered in \(took) s; all 80 closed \(known.min() ?? 0)-\(known.max() ?? 0) s after opening (idle timeout \(idleTimeout) s)")
            #expect(peer.echo(100))
        }
    }

    @Test("a body trickled faster than the idle timeout is cut at the request deadline")
    func bodyTrickleHitsDeadline() throws {
        // Idle timeout 5 s, request deadline 1.5 s: only the deadline can close this one in time,
        // since every body byte resets Hummingbird's idle timer.
        try withMetrics(idle: .seconds(5), request: .milliseconds(1500)) { _, port in
            let c = try TCPClient(port: port)
            let opened = monotonicSeconds()
            #expect(c.send("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"))
            #expect(c.readUntil(contains: "\r\n\r\nok\n")?.hasPrefix("HTTP/1.1 200") == true)
            var closedAt: Double?
            while closedAt == nil && monotonicSeconds() - opened < 4.5 {
                _ = c.send("x")
                closedAt = closeTimes([c], deadline: monotonicSeconds() + 0.25)[0]
            }
            let life = closedAt.map { $0 - opened }
            #expect(life != nil, "a trickled body kept the connection open past 4.5 s")
            #expect(life.map { $0 >= 1.3 && $0 < 3 } == true, "closed after \(life ?? -1) s, deadline 1.5 s")
        }
    }

    @Test("routes: GET and HEAD /metrics, /, /healthz, 404, 405 with Allow, keep-alive, pipelining, scrapers at once")
    func routes() throws {
        try withMetrics { _, port in
            let home = get(port, "/")
            #expect(home.hasPrefix("HTTP/1.1 200") && home.contains("text/html") && home.contains("/metrics"))
            let health = get(port, "/healthz")
            #expect(health.hasPrefix("HTTP/1.1 200") && health.hasSuffix("\r\n\r\nok\n"))
            let head = http(port, Array("HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
            #expect(head.hasPrefix("HTTP/1.1 200"))
            #expect(head.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8"))
            #expect(head.hasSuffix("\r\n\r\n"), "HEAD carried a body")
            let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
            #expect((length.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0) > 100)
            #expect(get(port, "/metrics?x=1").hasPrefix("HTTP/1.1 200"))
            #expect(get(port, "/nope").hasPrefix("HTTP/1.1 404"))
            for method in ["POST", "PUT", "DELETE"] {
                let r = http(port, Array("\(method) /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
                #expect(r.hasPrefix("HTTP/1.1 405") && r.contains("Allow: GET, HEAD"), "\(method): \(r.prefix(80))")
            }
            // Two pipelined requests on one connection: both answered, in order.
            let two = http(port, Array(("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").utf8))
            #expect(two.hasPrefix("HTTP/1.1 200") && two.contains("ok\nHTTP/1.1 404"))
            // Several scrapers at once all get an answer.
            let answers = Atomic<Int>(0)
            let scrapers = (0..<6).map { i in
                OSThread(name: "scraper-\(i)") {
                    if get(port, "/metrics").hasPrefix("HTTP/1.1 200") { answers.wrappingAdd(1, ordering: .relaxed) }
                }
            }
            for t in scrapers { t.join() }
            #expect(answers.load(ordering: .relaxed) == 6)
        }
    }

    @Test("bounded requests: an oversized head gets 431, a declared big body 413, a long body a close, garbage 400")
    func boundedRequests() throws {
        try withMetrics { server, port in
            let peer = try TCPClient(port: server.address.port)
            let huge = "GET /metrics HTTP/1.1\r\nHost: x\r\nX: " + String(repeating: "a", count: 10_000) + "\r\n\r\n"
            #expect(http(port, Array(huge.utf8)).hasPrefix("HTTP/1.1 431"))
            let longURL = "GET /" + String(repeating: "a", count: MetricsHTTPServer.maxHeadBytes) + " HTTP/1.1\r\n\r\n"
            #expect(http(port, Array(longURL.utf8)).hasPrefix("HTTP/1.1 431"))
            let declared = http(port, Array("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n".utf8))
            #expect(declared.hasPrefix("HTTP/1.1 413") && declared.contains("Connection: close"))
            #expect(http(port, Array("garbage\r\n\r\n".utf8)).hasPrefix("HTTP/1.1 400"))
            #expect(peer.echo(100))

            // A chunked body past the bound: answered (no route reads a body), then closed at once.
            let c = try TCPClient(port: port)
            let t0 = monotonicSeconds()
            #expect(c.send("GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"))
            let chunk = String(repeating: "b", count: 4096)
            for _ in 0..<(MetricsHTTPServer.maxBodyBytes / 4096 + 2) {
                _ = c.send("1000\r\n" + chunk + "\r\n")
            }
            #expect(c.readUntil(contains: "\r\n\r\nok\n")?.hasPrefix("HTTP/1.1 200") == true)
            let closed = closeTimes([c], deadline: t0 + 2)[0]
            #expect(closed != nil, "a body past \(MetricsHTTPServer.maxBodyBytes) bytes did not close the connection")
            #expect(peer.echo(100))
        }
    }

    @Test("port in use, port 0, a name for a host: errors name the flag, port 0 reports the real port")
    func bindErrors() throws {
        var config = ServerConfig()
        config.port = 0
        let server = try EchoServer(config: config)
        let exposition = MetricsExposition(control: server)
        // Hold a port: bind it, listen.
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in
                bind(holder, p, len) == 0 && listen(holder, 4) == 0 && getsockname(holder, p, &len) == 0
            }
        }
        let held = Int(UInt16(bigEndian: addr.sin_port))
        #expect(held > 0)
        let inUse = #expect(throws: MetricsServerError.self) {
            _ = try MetricsHTTPServer(host: "127.0.0.1", port: held, exposition: exposition)
        }
        #expect(inUse?.description == "metrics port \(held) is already in use (--metrics-port)")
        let name = #expect(throws: MetricsServerError.self) {
            _ = try MetricsHTTPServer(host: "localhost", port: 0, exposition: exposition)
        }
        #expect(name?.description.contains("--metrics-host 'localhost'") == true)
        #expect(eventLoopThreads() == 0, "a failed start left its event loop thread")

        let metrics = try MetricsHTTPServer(host: "127.0.0.1", port: 0, exposition: exposition)
        #expect(metrics.port > 0)
        #expect(get(metrics.port, "/healthz").hasSuffix("\r\n\r\nok\n"))
        metrics.stop()
    }

    @Test("stop closes every connection and joins its one thread, promptly")
    func stopIsPrompt() throws {
        var config = ServerConfig()
        config.port = 0
        let server = try EchoServer(config: config)
        let metrics = try MetricsHTTPServer(host: "127.0.0.1", port: 0, exposition: MetricsExposition(control: server))
        #expect(eventLoopThreads() == 1)
        let clients = try (0..<10).map { _ in try TCPClient(port: metrics.port) }
        #expect(clients[0].send("GET /metr"))  // part of a head
        #expect(clients[1].send("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"))  // in a body
        #expect(clients[1].readUntil(contains: "ok\n") != nil)
        #expect(get(metrics.port, "/metrics").hasPrefix("HTTP/1.1 200"))
        let t0 = monotonicSeconds()
        metrics.stop()
        let took = monotonicSeconds() - t0
        #expect(took < 1, "stop took \(took) s")
        #expect(closeTimes(clients, deadline: monotonicSeconds() + 1).allSatisfy { $0 != nil })
        #expect(eventLoopThreads() == 0)
        #expect((try? TCPClient(port: metrics.port)) == nil, "still listening after stop")
        metrics.stop()  // twice is fine
    }
}
