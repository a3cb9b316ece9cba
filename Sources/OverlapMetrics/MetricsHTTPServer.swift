import Glibc
import OverlapThreads
import Synchronization

/// Why the metrics endpoint could not start.
public struct MetricsServerError: Error, CustomStringConvertible {
    public let description: String
}

/// A small HTTP/1.1 server for `/metrics`: `GET /metrics` (Prometheus text),
/// `GET /` (a short page), 404 for other paths, 405 for other methods, 400
/// for a malformed request, 431 for an oversized one. One short-lived thread
/// per scrape (at most `maxConcurrent` at once, more are closed at once); a
/// request must arrive whole within `readTimeoutSeconds` and `maxRequestBytes`.
///
/// Hand-written rather than SwiftNIO: a scraper sends one small request a
/// few times a minute, and a blocking thread per request is the smallest
/// thing that is robust here (bounded size, bounded time, bounded threads)
/// without pulling an event loop into an otherwise thread-per-role server.
public final class MetricsHTTPServer: @unchecked Sendable {
    public let port: Int
    private let listenFd: Int32
    private let exposition: MetricsExposition
    private let active = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private var acceptThread: OSThread?
    public let maxConcurrent = 16
    public let maxRequestBytes = 8192
    public let readTimeoutSeconds = 2

    public init(host: String, port: Int, exposition: MetricsExposition) throws(MetricsServerError) {
        self.exposition = exposition
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &res) == 0, let ai = res else {
            throw MetricsServerError(description: "--metrics-port: '\(host)' is not a numeric address")
        }
        defer { freeaddrinfo(res) }
        let fd = socket(ai.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw MetricsServerError(description: "metrics socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if bind(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) != 0 || listen(fd, 64) != 0 {
            let e = errno
            close(fd)
            throw MetricsServerError(description: e == EADDRINUSE
                ? "metrics port \(port) is already in use (--metrics-port)"
                : "cannot listen on metrics port \(port): \(String(cString: strerror(e)))")
        }
        var addr = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &len) } }
        self.port = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
        listenFd = fd
    }

    public func start() {
        acceptThread = OSThread(name: "metrics-accept") { [self] in acceptLoop() }
    }

    /// Stops accepting and waits for the accept thread (scrapes in progress finish on their own).
    public func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        shutdown(listenFd, Int32(SHUT_RDWR))
        acceptThread?.join()
        close(listenFd)
        while active.load(ordering: .acquiring) > 0 { usleep(1000) }
    }

    private func acceptLoop() {
        while !stopping.load(ordering: .acquiring) {
            let fd = accept(listenFd, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if errno == EMFILE || errno == ENFILE { usleep(100_000); continue }
                return
            }
            if active.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue > maxConcurrent {
                active.wrappingSubtract(1, ordering: .releasing)
                close(fd)  // too many scrapes at once: this one is dropped
                continue
            }
            let t = OSThread(name: "metrics-scrape") { [self] in
                serve(fd)
                closeGracefully(fd)
                active.wrappingSubtract(1, ordering: .releasing)
            }
            t.detach()
        }
    }

    /// Reads one request (bounded in size and time) and answers it.
    private func serve(_ fd: Int32) {
        var tv = timeval(tv_sec: readTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var buf = [UInt8](repeating: 0, count: maxRequestBytes)
        var got = 0
        let deadline = time(nil) + readTimeoutSeconds
        while true {
            if let end = headerEnd(buf, got) {
                _ = end
                break
            }
            if got == maxRequestBytes {
                respond(fd, 431, "Request Header Fields Too Large", "text/plain", "request too large\n")
                return
            }
            if time(nil) > deadline { return }  // too slow: dropped
            let want = maxRequestBytes - got
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, want, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }  // closed, reset or timed out before a whole request
            got += n
        }
        let head = String(decoding: buf[0..<got], as: UTF8.self)
        let requestLine = head.split(separator: "\r\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1."), parts[1].hasPrefix("/") else {
            respond(fd, 400, "Bad Request", "text/plain", "malformed request\n")
            return
        }
        let method = parts[0]
        let path = parts[1].split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/"
        guard method == "GET" || method == "HEAD" else {
            respond(fd, 405, "Method Not Allowed", "text/plain", "only GET\n", extra: "Allow: GET, HEAD\r\n")
            return
        }
        let headOnly = method == "HEAD"
        switch path {
        case "/metrics":
            respond(fd, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", exposition.render(), headOnly: headOnly)
        case "/":
            respond(fd, 200, "OK", "text/html; charset=utf-8",
                    "<html><head><title>overlap</title></head><body><h1>overlap</h1>"
                        + "<p>An overlapped-I/O echo server. Metrics: <a href=\"/metrics\">/metrics</a></p></body></html>\n",
                    headOnly: headOnly)
        default:
            respond(fd, 404, "Not Found", "text/plain", "not found; try /metrics\n", headOnly: headOnly)
        }
    }

    /// Closes after the client has had the answer: closing with unread input
    /// would send a reset that can destroy the response before it is read.
    private func closeGracefully(_ fd: Int32) {
        shutdown(fd, Int32(SHUT_WR))
        var sink = [UInt8](repeating: 0, count: 4096)
        var drained = 0
        let deadline = time(nil) + readTimeoutSeconds
        while drained < 1 << 20 && time(nil) <= deadline {
            let n = recv(fd, &sink, sink.count, 0)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            drained += n
        }
        close(fd)
    }

    private func headerEnd(_ buf: [UInt8], _ count: Int) -> Int? {
        guard count >= 4 else { return nil }
        for i in 0...(count - 4) where buf[i] == 13 && buf[i + 1] == 10 && buf[i + 2] == 13 && buf[i + 3] == 10 {
            return i + 4
        }
        return nil
    }

    private func respond(_ fd: Int32, _ code: Int, _ reason: String, _ type: String, _ body: String,
                         extra: String = "", headOnly: Bool = false) {
        let bytes = Array(body.utf8)
        var out = Array("HTTP/1.1 \(code) \(reason)\r\nContent-Type: \(type)\r\nContent-Length: \(bytes.count)\r\n\(extra)Connection: close\r\n\r\n".utf8)
        if !headOnly { out += bytes }
        var off = 0
        while off < out.count {
            let n = out.withUnsafeBytes { send(fd, $0.baseAddress! + off, out.count - off, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            off += n
        }
    }
}
