import Glibc
import Synchronization
@testable import OverlapCore
@testable import OverlapMetrics
import OverlapModel
import OverlapThreads
import Testing

/// Seconds on the monotonic clock.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// A blocking TCP connection to 127.0.0.1:`port`, or -1.
func connectLoopback(_ port: Int) -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = UInt16(port).bigEndian
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let rc = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    if rc != 0 {
        close(fd)
        return -1
    }
    return fd
}

func sendAll(_ fd: Int32, _ text: String) -> Bool {
    let bytes = Array(text.utf8)
    var sent = 0
    while sent < bytes.count {
        let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return false }
        sent += n
    }
    return true
}

/// Reads until `text` has arrived whole or `seconds` pass; what came, or nil on a timeout or close first.
func readUntil(_ fd: Int32, contains text: String, seconds: Double = 5) -> String? {
    var got: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    let end = now() + seconds
    while now() < end {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&p, 1, Int32(max(1, (end - now()) * 1000)))
        if ready < 0 && errno == EINTR { continue }
        if ready <= 0 { break }
        let n = recv(fd, &buf, buf.count, 0)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return nil }
        got += buf[0..<n]
        let s = String(decoding: got, as: UTF8.self)
        if s.contains(text) { return s }
    }
    return nil
}

/// Waits (with `poll`, up to `deadline` on the monotonic clock) until the
/// server ends each connection: an end of stream or a reset. Returns, per
/// connection, when that was seen, or nil if it was still open at the
/// deadline (or sent something, which no test here expects).
func closeTimes(_ fds: [Int32], deadline: Double) -> [Double?] {
    var at = [Double?](repeating: nil, count: fds.count)
    var open = Set(fds.indices)
    var sink = [UInt8](repeating: 0, count: 4096)
    while !open.isEmpty && now() < deadline {
        var pfds = open.sorted().map { pollfd(fd: fds[$0], events: Int16(POLLIN), revents: 0) }  // an end of stream reads as input; a reset is always reported
        let ready = poll(&pfds, nfds_t(pfds.count), Int32(max(1, min(100, (deadline - now()) * 1000))))
        if ready < 0 && errno == EINTR { continue }
        for (k, i) in open.sorted().enumerated() where pfds[k].revents != 0 {
            let n = recv(fds[i], &sink, sink.count, Int32(MSG_DONTWAIT))
            if n > 0 { open.remove(i); continue }  // unexpected data: left nil
            if n < 0 && (errno == EAGAIN || errno == EINTR) { continue }
            at[i] = now()
            open.remove(i)
        }
    }
    return at
}

/// Names of this process's threads (`/proc/self/task/*/comm`).
func threadNames() -> [String] {
    guard let dir = opendir("/proc/self/task") else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let tid = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard tid.first?.isNumber == true, let f = fopen("/proc/self/task/\(tid)/comm", "r") else { continue }
        var line = [CChar](repeating: 0, count: 64)
        if fgets(&line, 64, f) != nil {
            names.append(String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                .trimmingSuffix("\n"))
        }
        fclose(f)
    }
    return names
}

/// The threads of MetricsHTTPServer event loop groups (SwiftNIO names them `NIO-ELT-<group>-#<loop>`).
func eventLoopThreads() -> Int { threadNames().filter { $0.hasPrefix("NIO-ELT-") }.count }

extension String {
    func trimmingSuffix(_ s: String) -> String { hasSuffix(s) ? String(dropLast(s.count)) : self }
}

extension MetricsTests {
    @Test("64 idle and 16 trickling connections: a scrape still answers within 1 s, and the server closes all 80 at its idle timeout")
    func junkConnections() throws {
        try withMetrics { server, port in
            let peer = Peer(port: server.address.port)
            let opened = now()
            let idle = (0..<64).map { _ in connectLoopback(port) }
            let tricklers = (0..<16).map { _ in connectLoopback(port) }
            #expect(!idle.contains(-1) && !tricklers.contains(-1))
            let request = Array("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
            let sentBytes = Atomic<Int>(0)
            let stop = Atomic<Bool>(false)
            // One byte a second on each trickler, until told to stop (or the head is all sent, 35 s).
            let trickler = OSThread(name: "trickler") {
                for i in request.indices {
                    var b = request[i]
                    for fd in tricklers { _ = send(fd, &b, 1, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
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
                for fd in idle + tricklers where fd >= 0 { close(fd) }
            }
            // Scrape while the tricklers are part-way through a head.
            #expect(waitFor { sentBytes.load(ordering: .acquiring) >= 2 })
            let t0 = now()
            let answer = get(port, "/metrics")
            let took = now() - t0
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
            let fd = connectLoopback(port)
            defer { close(fd) }
            let opened = now()
            #expect(sendAll(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"))
            #expect(readUntil(fd, contains: "\r\n\r\nok\n")?.hasPrefix("HTTP/1.1 200") == true)
            var closedAt: Double?
            while closedAt == nil && now() - opened < 4.5 {
                _ = sendAll(fd, "x")
                closedAt = closeTimes([fd], deadline: now() + 0.25)[0]
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
            let peer = Peer(port: server.address.port)
            let huge = "GET /metrics HTTP/1.1\r\nHost: x\r\nX: " + String(repeating: "a", count: 10_000) + "\r\n\r\n"
            #expect(http(port, Array(huge.utf8)).hasPrefix("HTTP/1.1 431"))
            let longURL = "GET /" + String(repeating: "a", count: MetricsHTTPServer.maxHeadBytes) + " HTTP/1.1\r\n\r\n"
            #expect(http(port, Array(longURL.utf8)).hasPrefix("HTTP/1.1 431"))
            let declared = http(port, Array("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n".utf8))
            #expect(declared.hasPrefix("HTTP/1.1 413") && declared.contains("Connection: close"))
            #expect(http(port, Array("garbage\r\n\r\n".utf8)).hasPrefix("HTTP/1.1 400"))
            #expect(peer.echo(100))

            // A chunked body past the bound: answered (no route reads a body), then closed at once.
            let fd = connectLoopback(port)
            defer { close(fd) }
            let t0 = now()
            #expect(sendAll(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"))
            let chunk = String(repeating: "b", count: 4096)
            for _ in 0..<(MetricsHTTPServer.maxBodyBytes / 4096 + 2) {
                _ = sendAll(fd, "1000\r\n" + chunk + "\r\n")
            }
            #expect(readUntil(fd, contains: "\r\n\r\nok\n")?.hasPrefix("HTTP/1.1 200") == true)
            let closed = closeTimes([fd], deadline: t0 + 2)[0]
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
        let fds = (0..<10).map { _ in connectLoopback(metrics.port) }
        defer { for fd in fds where fd >= 0 { close(fd) } }
        #expect(sendAll(fds[0], "GET /metr"))  // part of a head
        #expect(sendAll(fds[1], "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"))  // in a body
        #expect(readUntil(fds[1], contains: "ok\n") != nil)
        #expect(get(metrics.port, "/metrics").hasPrefix("HTTP/1.1 200"))
        let t0 = now()
        metrics.stop()
        let took = now() - t0
        #expect(took < 1, "stop took \(took) s")
        #expect(closeTimes(fds, deadline: now() + 1).allSatisfy { $0 != nil })
        #expect(eventLoopThreads() == 0)
        #expect(connectLoopback(metrics.port) == -1, "still listening after stop")
        metrics.stop()  // twice is fine
    }
}
