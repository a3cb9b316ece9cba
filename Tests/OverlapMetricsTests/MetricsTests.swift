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
    func withMetrics(refreshMs: Int = 1000, sampleEvery: Int = ServerConfig.defaultSampleEvery,
                     idle: Duration = .seconds(MetricsHTTPServer.idleTimeoutSeconds),
                     request: Duration = .seconds(MetricsHTTPServer.requestTimeoutSeconds),
                     _ body: (EchoServer, Int) throws -> Void) throws {
        var config = ServerConfig()
        config.sampleEvery = sampleEvery
        config.port = 0
        config.threads = 2
        config.concurrency = 2
        config.refreshMs = refreshMs
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
            #expect(waitFor { server.latestSample().sequence >= 1 }, "a sample with a window")
            text = get(port, "/metrics")
            #expect(text.contains(#"overlap_thread_busy_ratio{thread="port-0",role="port_worker"}"#))
            #expect(text.contains(#"overlap_thread_cpu_seconds_total{thread="port-0",role="port_worker"}"#))
            #expect((0.5...3).contains(value(text, "overlap_sample_window_seconds") ?? 0), "the 1 s sampling window")
            #expect(value(text, "overlap_receives_total") == 5)

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

    @Test("latency histograms: the contract names and labels, buckets that add up, counts that grow with sampled traffic")
    func latencyHistograms() throws {
        try withMetrics(refreshMs: 100, sampleEvery: 1) { server, port in
            func count(_ text: String, _ series: String) -> Double { value(text, series) ?? -1 }
            let peer = Peer(port: server.address.port)
            for _ in 0..<10 { #expect(peer.echo(100)) }
            // Ten recvs and ten sends, all sampled, reach the next sample.
            let notify = #"overlap_notify_delay_seconds_count{mode="port"}"#
            #expect(waitFor { count(get(port, "/metrics"), notify) >= 20 })
            let text = get(port, "/metrics")
            #expect(text.contains("# TYPE overlap_notify_delay_seconds histogram"))
            #expect(text.contains("# TYPE overlap_handler_duration_seconds histogram"))
            #expect(text.contains("# TYPE overlap_kernel_duration_seconds histogram"))
            for mode in ["event", "callback", "port"] {
                #expect(value(text, #"overlap_handler_duration_seconds_count{mode="\#(mode)"}"#) != nil)
            }
            #expect(count(text, #"overlap_kernel_duration_seconds_count{op="recv"}"#) >= 10)
            #expect(count(text, #"overlap_kernel_duration_seconds_count{op="send"}"#) >= 10)
            // Cumulative buckets: non-decreasing, +Inf equal to the count, 1 us to 1 s.
            let buckets = text.split(separator: "\n").filter { $0.hasPrefix(#"overlap_notify_delay_seconds_bucket{mode="port""#) }
            let values = buckets.compactMap { Double($0.split(separator: " ").last!) }
            #expect(buckets.count == 20 && buckets.first!.contains(#"le="1e-06""#) && buckets.last!.contains(#"le="+Inf""#))
            #expect(zip(values, values.dropFirst()).allSatisfy { $0 <= $1 })
            #expect(values.last == count(text, notify))
            #expect(count(text, #"overlap_notify_delay_seconds_sum{mode="port"}"#) > 0)
            let before = count(text, notify)
            for _ in 0..<5 { #expect(peer.echo(100)) }
            #expect(waitFor { count(get(port, "/metrics"), notify) >= before + 10 }, "the count grows with traffic")
        }
    }

    @Test("two scrapers at different intervals read the same busy ratios: the server's window, not theirs")
    func scrapersShareTheWindow() throws {
        try withMetrics(refreshMs: 500) { server, port in
            // Steady load: one connection echoing back to back for the whole test.
            let stop = Atomic<Bool>(false)
            let echoPort = server.address.port
            let load = OSThread(name: "steady-load") {
                let peer = Peer(port: echoPort)
                while !stop.load(ordering: .relaxed) && peer.echo(64) {}
            }
            defer {
                stop.store(true, ordering: .relaxed)
                load.join()
            }
            #expect(waitFor { server.latestSample().sequence >= 2 })
            func ratios(_ text: String) -> [String: Double] {
                var out: [String: Double] = [:]
                for line in text.split(separator: "\n") where line.hasPrefix("overlap_thread_busy_ratio{") {
                    let parts = line.split(separator: " ")
                    out[String(parts[0])] = Double(parts[1])
                }
                return out
            }
            // Scraper A, then B a few ms later, at spacings unrelated to the
            // sampler's. Per-scrape windows would give B a window of a few ms.
            var compared = 0
            for round in 0..<16 {
                let before = server.latestSample().sequence
                let a = ratios(get(port, "/metrics"))
                usleep(UInt32(2_000 + round * 700))
                let b = ratios(get(port, "/metrics"))
                // A sample taken between the two scrapes makes them read different windows.
                guard server.latestSample().sequence == before else { continue }
                compared += 1
                #expect(!a.isEmpty && a.keys.sorted() == b.keys.sorted())
                for (series, ratio) in a {
                    #expect(abs(ratio - (b[series] ?? -1)) <= 0.05, "\(series): \(ratio) then \(b[series] ?? -1)")
                }
                usleep(UInt32(30_000 + round * 11_000))
            }
            #expect(compared >= 8, "only \(compared) pairs of scrapes fell inside one sampling window")
        }
    }
}
