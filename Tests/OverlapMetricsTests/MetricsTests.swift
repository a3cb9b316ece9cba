import Glibc
import Synchronization
@testable import OverlapCore
@testable import OverlapMetrics
import OverlapModel
import OverlapThreads
import Testing

/// A raw HTTP exchange: sends `request` as is, returns the whole response
/// (empty if the server closed without answering).
func http(_ port: Int, _ request: [UInt8]) -> String {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = UInt16(port).bigEndian
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let ok = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard ok == 0 else { return "" }
    var tv = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    var sent = 0
    while sent < request.count {
        let w = request.withUnsafeBytes { send(fd, $0.baseAddress! + sent, request.count - sent, Int32(MSG_NOSIGNAL)) }
        if w < 0 && errno == EINTR { continue }
        if w <= 0 { break }
        sent += w
    }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = recv(fd, &buf, buf.count, 0)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        out += buf[0..<n]
    }
    return String(decoding: out, as: UTF8.self)
}

/// One GET on a connection of its own (`Connection: close`: the server ends it after the answer).
func get(_ port: Int, _ path: String) -> String {
    http(port, Array("GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
}

/// The value of one series in an exposition, e.g. `overlap_sessions` or
/// `overlap_mode{mode="port"}`.
func value(_ text: String, _ series: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.dropFirst(series.count + 1))
    }
    return nil
}

/// Blocking loopback client for known traffic.
final class Peer {
    let fd: Int32
    init(port: Int) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }
    deinit { close(fd) }
    func echo(_ n: Int) -> Bool {
        let msg = [UInt8](repeating: 7, count: n)
        var sent = 0
        while sent < n {
            let w = msg.withUnsafeBytes { send(fd, $0.baseAddress! + sent, n - sent, 0) }
            if w < 0 && errno == EINTR { continue }
            if w <= 0 { return false }
            sent += w
        }
        var got = 0
        var buf = [UInt8](repeating: 0, count: n)
        while got < n {
            let r = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, n - got, 0) }
            if r < 0 && errno == EINTR { continue }
            if r <= 0 { return false }
            got += r
        }
        return buf == msg
    }
}

func waitFor(_ seconds: Double = 5, _ cond: () -> Bool) -> Bool {
    var waited = 0.0
    while waited < seconds {
        if cond() { return true }
        usleep(10_000)
        waited += 0.01
    }
    return cond()
}

@Suite(.serialized)
struct MetricsTests {
    /// An echo server with its metrics endpoint on a free port; `idle` and
    /// `request` replace the endpoint's timeouts.
    func withMetrics(idle: Duration = .seconds(MetricsHTTPServer.idleTimeoutSeconds),
                     request: Duration = .seconds(MetricsHTTPServer.requestTimeoutSeconds),
                     _ body: (EchoServer, Int) throws -> Void) throws {
        var config = ServerConfig()
        config.port = 0
        config.threads = 2
        config.concurrency = 2
        let server = try EchoServer(config: config)
        let metrics = try MetricsHTTPServer(host: "127.0.0.1", port: 0, exposition: MetricsExposition(control: server),
                                            idleTimeout: idle, requestTimeout: request)
        try server.start()
        defer {
            metrics.stop()
            server.stop()
        }
        try body(server, metrics.port)
    }

    @Test("each metric matches the snapshot and the traffic")
    func figures() throws {
        try withMetrics { server, port in
            let peers = (0..<5).map { _ in Peer(port: server.address.port) }
            for p in peers { #expect(p.echo(1000)) }
            #expect(waitFor { server.snapshot(sessions: false).pending[.recv, .port] == 5 })
            var text = get(port, "/metrics")
            #expect(text.hasPrefix("HTTP/1.1 200"))
            #expect(text.contains("Content-Type: text/plain; version=0.0.4"))
            #expect(value(text, "overlap_sessions") == 5)
            #expect(value(text, #"overlap_pending_operations{op="recv",mode="port"}"#) == 5)
            #expect(value(text, #"overlap_pending_operations{op="accept",mode="port"}"#) == 1)
            #expect(value(text, #"overlap_pending_operations{op="recv",mode="event"}"#) == 0)
            #expect(value(text, "overlap_bytes_received_total") == 5000)
            #expect(value(text, "overlap_bytes_sent_total") == 5000)
            #expect(value(text, "overlap_sessions_accepted_total") == 5)
            #expect(value(text, #"overlap_mode{mode="port"}"#) == 1)
            #expect(value(text, #"overlap_mode{mode="event"}"#) == 0)
            #expect(value(text, "overlap_mode_switches_total") == 0)
            #expect(value(text, #"overlap_completion_queue_depth{mode="port"}"#) == 0)
            #expect(value(text, "overlap_ring_overflow_total") == 0)
            let completions = text.split(separator: "\n").filter { $0.hasPrefix("overlap_completions_total{thread=") }
            #expect(completions.compactMap { Double($0.split(separator: " ").last!) }.reduce(0, +) >= 10)
            #expect(text.contains(#"overlap_thread_busy_ratio{thread="port-0",role="port_worker"}"#))

            try server.switchMode(to: .event)
            for p in peers { #expect(p.echo(10)) }
            // The echo reaches the peer before the session posts its next recv: wait for all five.
            #expect(waitFor { server.snapshot(sessions: false).pending[.recv, .event] == 5 })
            text = get(port, "/metrics")
            #expect(value(text, "overlap_mode_switches_total") == 1)
            #expect(value(text, #"overlap_mode{mode="event"}"#) == 1)
            #expect(value(text, #"overlap_pending_operations{op="recv",mode="event"}"#) == 5)
            #expect(value(text, "overlap_bytes_received_total") == 5050)
        }
    }
}
