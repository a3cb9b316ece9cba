import Glibc
@testable import OverlapCore
@testable import OverlapMetrics
import OverlapModel
import OverlapSystem
import OverlapTestSupport
import Synchronization
import Testing

@Suite(.serialized)
struct MetricsTests {
    /// An echo server with its metrics endpoint on a free port; `idle` and
    /// `request` replace the endpoint's timeouts.
    func withMetrics(refreshMs: Int = 1000, sampleEvery: Int = ServerConfig.defaultSampleEvery,
                     idle: Duration = .seconds(MetricsHTTPServer.idleTimeoutSeconds),
                     request: Duration = .seconds(MetricsHTTPServer.requestTimeoutSeconds),
                     mode: NotificationMode = .port, engine: EngineKind = .epoll,
                     _ body: (EchoServer, Int) throws -> Void) throws {
        // epoll unless asked: it runs everywhere (the figures test runs on both).
        try withServer(engine, mode: mode, configure: {
            $0.sampleEvery = sampleEvery
            $0.refreshMs = refreshMs
        }) { server in
            let metrics = try MetricsHTTPServer(host: "127.0.0.1", port: 0, exposition: MetricsExposition(control: server),
                                                idleTimeout: idle, requestTimeout: request)
            defer { metrics.stop() }
            try body(server, metrics.port)
        }
    }

    @Test("each metric matches the snapshot and the traffic", arguments: EngineKind.allCases)
    func figures(engine: EngineKind) throws {
        try withMetrics(engine: engine) { server, port in
            let peers = try (0..<5).map { _ in try TCPClient(port: server.address.port) }
            for p in peers { #expect(p.echo(1000)) }
            #expect(waitUntil(5) { server.snapshot(sessions: false).pending[.recv, .port] == 5 })
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
            #expect(waitUntil(5) { server.latestSample().sequence >= 1 }, "a sample with a window")
            text = get(port, "/metrics")
            #expect(text.contains(#"overlap_thread_busy_ratio{thread="port-0",role="port_worker"}"#))
            #expect(text.contains(#"overlap_thread_cpu_seconds_total{thread="port-0",role="port_worker"}"#))
            #expect((0.5...3).contains(value(text, "overlap_sample_window_seconds") ?? 0), "the 1 s sampling window")
            #expect(value(text, "overlap_receives_total") == 5)

            try server.switchMode(to: .event)
            for p in peers { #expect(p.echo(10)) }
            // The echo reaches the peer before the session posts its next recv: wait for all five.
            #expect(waitUntil(5) { server.snapshot(sessions: false).pending[.recv, .event] == 5 })
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
            let peer = try TCPClient(port: server.address.port)
            for _ in 0..<10 { #expect(peer.echo(100)) }
            // Ten recvs and ten sends, all sampled, reach the next sample.
            let notify = #"overlap_notify_delay_seconds_count{mode="port"}"#
            #expect(waitUntil(5) { count(get(port, "/metrics"), notify) >= 20 })
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
            #expect(waitUntil(5) { count(get(port, "/metrics"), notify) >= before + 10 }, "the count grows with traffic")
        }
    }

    @Test("callback mode: the pending AcceptEx counts under event; alertable waits and event wakes are counted per thread")
    func acceptExAndWaits() throws {
        try withMetrics(mode: .callback) { server, port in
            let peers = try (0..<2).map { _ in try TCPClient(port: server.address.port) }
            for p in peers { #expect(p.echo(100)) }
            #expect(waitUntil(5) { server.snapshot(sessions: false).pending.total(op: .recv) == 2 })
            var text = get(port, "/metrics")
            #expect(value(text, #"overlap_pending_operations{op="accept",mode="event"}"#) == 1)
            #expect(value(text, #"overlap_pending_operations{op="accept",mode="callback"}"#) == 0)
            // apc-0 handled the two accepts and its sessions' routines, in alertable waits.
            #expect((value(text, #"overlap_alertable_waits_total{thread="apc-0"}"#) ?? 0) >= 2)
            try server.switchMode(to: .event)
            for p in peers { #expect(p.echo(100)) }
            #expect(waitUntil(5) { server.snapshot(sessions: false).pending[.recv, .event] == 2 })
            text = get(port, "/metrics")
            #expect((value(text, #"overlap_event_wakes_total{thread="event-0"}"#) ?? 0) >= 1)
        }
    }

    @Test("two scrapers at different intervals read the same busy ratios: the server's window, not theirs")
    func scrapersShareTheWindow() throws {
        try withMetrics(refreshMs: 500) { server, port in
            // Steady load: one connection echoing back to back for the whole test.
            let stop = Atomic<Bool>(false)
            let echoPort = server.address.port
            let load = OSThread(name: "steady-load") {
                guard let peer = try? TCPClient(port: echoPort) else { return }
                while !stop.load(ordering: .relaxed) && peer.echo(64) {}
            }
            defer {
                stop.store(true, ordering: .relaxed)
                load.join()
            }
            #expect(waitUntil(5) { server.latestSample().sequence >= 2 })
            @Sendable func ratios(_ text: String) -> [String: Double] {
                var out: [String: Double] = [:]
                for line in text.split(separator: "\n") where line.hasPrefix("overlap_thread_busy_ratio{") {
                    let parts = line.split(separator: " ")
                    out[String(parts[0])] = Double(parts[1])
                }
                return out
            }
            // Scraper A, then B a few ms later, at spacings unrelated to the
            // sampler's. Per-scrape windows would give B a window of a few ms.
            var pairs = 0
            for round in 0..<16 {
                let before = server.latestSample().sequence
                let a = ratios(get(port, "/metrics"))
                usleep(UInt32(2_000 + round * 700))
                let b = ratios(get(port, "/metrics"))
                // A sample taken between the two scrapes makes them read different windows.
                guard server.latestSample().sequence == before else { continue }
                pairs += 1
                #expect(!a.isEmpty && a.keys.sorted() == b.keys.sorted())
                for (series, ratio) in a {
                    #expect(abs(ratio - (b[series] ?? -1)) <= 0.05, "\(series): \(ratio) then \(b[series] ?? -1)")
                }
                usleep(UInt32(30_000 + round * 11_000))
            }
            #expect(pairs >= 8, "only \(pairs) pairs of scrapes fell inside one sampling window")
            // Two scrapers at once, every 0.3 s and every 1.1 s, neither on the
            // sampler's 0.5 s grid. Each scrape is tagged with the sample it
            // read (the same before and after it, or it is dropped); per-scraper
            // windows (since that scraper's last scrape) would read 0.3 s and
            // 1.1 s of different work.
            struct Scrape: Sendable {
                let sample: UInt64
                let ratios: [String: Double]
            }
            @Sendable func scrapes(every micros: UInt32, for seconds: Double) -> [Scrape] {
                var out: [Scrape] = []
                let until = monotonicNanos() + UInt64(seconds * 1e9)
                while monotonicNanos() < until {
                    let before = server.latestSample().sequence
                    let r = ratios(get(port, "/metrics"))
                    if server.latestSample().sequence == before { out.append(Scrape(sample: before, ratios: r)) }
                    usleep(micros)
                }
                return out
            }
            let fast = Locked<[Scrape]>([])
            let a = OSThread(name: "scraper-a") { fast.withLock { $0 = scrapes(every: 300_000, for: 3.6) } }
            let slow = scrapes(every: 1_100_000, for: 3.6)
            a.join()
            var compared = 0
            for b in slow {
                guard let a = fast.withLock({ $0 }).first(where: { $0.sample == b.sample }) else { continue }
                compared += 1
                #expect(!a.ratios.isEmpty && a.ratios.keys.sorted() == b.ratios.keys.sorted())
                for (series, ratio) in a.ratios {
                    #expect(abs(ratio - (b.ratios[series] ?? -1)) <= 0.05, "\(series): \(ratio) and \(b.ratios[series] ?? -1)")
                }
            }
            #expect(compared >= 2, "only \(compared) of \(slow.count) slow scrapes shared a sampling window with a fast one")
        }
    }
}
