import ArgumentParser
import Foundation
import Glibc
import OverlapCore
import OverlapLoad
import OverlapModel
import Synchronization

/// `overlap soak`: a bounded stress of one in-process server. Verified
/// pipelined traffic, connection churn (clean closes, half-closes, resets),
/// slow readers and mode switches all at once; then every session must be
/// gone, every request delivered, no byte wrong, and memory back near where
/// it started. scripts/soak.sh runs it on both engines.
struct Soak: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stress one in-process server (churn, verified traffic, slow readers, mode switches) and check it recovers.",
        discussion: """
        Examples:
          overlap soak --engine uring --duration 120
          scripts/soak.sh            both engines, 2 minutes each
        """)

    @Option(help: "Engine: uring or epoll.") var engine = EngineChoice.auto
    @Option(help: "Seconds of stress.") var duration: Double = 120
    @Option(help: "Milliseconds between mode switches.") var switchMs = 300

    func validate() throws {
        guard duration >= 1 && duration <= 3600 else { throw ValidationError("--duration must be 1-3600 seconds, not \(duration)") }
        guard (10...60_000).contains(switchMs) else { throw ValidationError("--switch-ms must be 10-60000, not \(switchMs)") }
    }

    /// How far above the start RSS may end: heap the allocator keeps after
    /// hundreds of thousands of sessions came and went (measured: about 8 MiB).
    static let rssSlack = 16 << 20

    static func rssBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb * 1024
    }

    final class Tally: Sendable {
        let bytes = Atomic<UInt64>(0)
        let errors = Mutex<[String]>([])
        let churned = Atomic<Int>(0)
        func add(_ n: Int) { bytes.wrappingAdd(UInt64(n), ordering: .relaxed) }
        func fail(_ what: String) { errors.withLock { if $0.count < 20 { $0.append(what) } } }
    }

    func run() throws {
        _ = raiseDescriptorLimit()
        // Only warnings and errors: a mode switch every few hundred ms would drown the summary.
        bootstrapLogging(level: .warning, headless: true, file: nil)
        var config = ServerConfig()
        config.port = 0
        config.engine = engine
        let server: EchoServer
        do {
            server = try EchoServer(config: config)
            try server.start()
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        let port = server.address.port
        let rssStart = Self.rssBytes()
        let peak = Atomic<Int>(rssStart)
        let stop = Atomic<Bool>(false)
        let tally = Tally()
        printLine("overlap soak: \(server.engineKind.rawValue) engine, \(Int(duration)) s, mode switch every \(switchMs) ms; RSS at start \(Format.bytes(rssStart))")

        var threads: [Thread] = []
        func spawn(_ body: @escaping @Sendable () -> Void) {
            let t = Thread(block: body)
            t.start()
            threads.append(t)
        }
        let finished = Atomic<Int>(0)
        // Mode switches and the RSS sampler.
        spawn {
            var mode = NotificationMode.port
            while !stop.load(ordering: .relaxed) {
                mode = mode.next
                try? server.switchMode(to: mode)
                _ = peak.max(Self.rssBytes(), ordering: .relaxed)
                usleep(UInt32(switchMs) * 1000)
            }
            finished.wrappingAdd(1, ordering: .relaxed)
        }
        // Churn: short sessions that close cleanly, half-close, or reset mid-echo.
        for worker in 0..<2 {
            spawn {
                var i = 0
                while !stop.load(ordering: .relaxed) {
                    i += 1
                    Self.churnOnce(port: port, kind: (i + worker) % 3, size: 512 << (i % 5), tally: tally)
                }
                finished.wrappingAdd(1, ordering: .relaxed)
            }
        }
        // Slow readers: each sends 1 MiB and reads it back in small, slow bites.
        for r in 0..<4 {
            spawn {
                while !stop.load(ordering: .relaxed) { Self.slowReader(port: port, seed: r, tally: tally, stop: stop) }
                finished.wrappingAdd(1, ordering: .relaxed)
            }
        }
        // Verified pipelined traffic for the whole run, in the foreground.
        var load = LoadConfig()
        load.port = port
        load.connections = 32
        load.size = 1024
        load.depth = 4
        load.warmup = 0
        load.duration = duration
        load.stallSeconds = 10
        let report = LoadRunner.run(load) { p in
            let s = server.snapshot(sessions: false)
            printStatus(String(format: "[soak %3.0fs/%.0fs] %@ msg/s verified, %d sessions, mode %@, %d switches, RSS %@",
                              p.elapsedSeconds, p.totalSeconds, Format.count(p.messagesPerSecond), s.sessions,
                              s.mode.rawValue, Int(s.modeSwitches), Format.bytes(Self.rssBytes())))
        }
        stop.store(true, ordering: .relaxed)
        while finished.load(ordering: .relaxed) < threads.count { usleep(10_000) }
        for e in report.errors { tally.fail("load: \(e)") }
        tally.add(Int(report.messages) * load.size)

        // Every session must close and every request be delivered.
        var leaked = -1
        for _ in 0..<500 {
            let s = server.snapshot(sessions: false)
            if s.sessions == 0 && s.pending.total == s.pending.total(op: .accept) && s.queued.allSatisfy({ $0 == 0 }) {
                leaked = 0
                break
            }
            usleep(10_000)
        }
        let last = server.snapshot(sessions: false)
        if leaked != 0 { leaked = last.sessions }
        // Idle now: the engine gives the receive-buffer slab back once a second
        // passes with no buffer lent. RSS at the end is read then, server still up.
        _ = peak.max(Self.rssBytes(), ordering: .relaxed)
        var rssEnd = Self.rssBytes()
        for _ in 0..<40 where rssEnd > rssStart + Self.rssSlack / 2 {
            usleep(100_000)
            rssEnd = Self.rssBytes()
        }
        let clean = server.stop()
        let errors = tally.errors.withLock { $0 }
        printLine("""
        overlap soak (\(server.engineKind.rawValue)): bytes verified \(Format.bytes(tally.bytes.load(ordering: .relaxed))), \
        churned sessions \(tally.churned.load(ordering: .relaxed)), accepted \(last.accepted), mode switches \(last.modeSwitches)
          errors \(errors.count), sessions leaked \(leaked), requests left \(last.pending.total - last.pending.total(op: .accept)), \
        clean stop \(clean ? "yes" : "no")
          RSS start \(Format.bytes(rssStart)), peak \(Format.bytes(peak.load(ordering: .relaxed))), \
        end \(Format.bytes(rssEnd)) (idle, before the server stops)
        """)
        for e in errors { printLine("  error: \(e)") }
        // Memory must come back near the start.
        let rssOK = rssEnd <= rssStart + Self.rssSlack
        if !rssOK { printLine("  error: RSS did not come back near the start") }
        if !errors.isEmpty || leaked != 0 || !clean || !rssOK { throw ExitCode(1) }
    }

    /// One short session: send `size` random-ish bytes, then close cleanly
    /// (after the whole echo), half-close (echo must still arrive), or reset
    /// half-way (no check: the server must just survive it).
    static func churnOnce(port: Int, kind: Int, size: Int, tally: Tally) {
        guard case .success(let fd) = LoadRunner.connect(host: "127.0.0.1", port: port) else {
            tally.fail("churn: connect failed")
            return
        }
        defer { close(fd) }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let msg = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ size) }
        if kind == 2 {
            _ = msg.withUnsafeBytes { send(fd, $0.baseAddress, size / 2, Int32(MSG_NOSIGNAL)) }
            var l = linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
            tally.churned.wrappingAdd(1, ordering: .relaxed)
            return
        }
        var sent = 0
        while sent < size {
            let n = msg.withUnsafeBytes { send(fd, $0.baseAddress! + sent, size - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { tally.fail("churn: send failed: errno \(errno)"); return }
            sent += n
        }
        if kind == 1 { shutdown(fd, Int32(SHUT_WR)) }
        var got = [UInt8](repeating: 0, count: size)
        var have = 0
        while have < size {
            let want = size - have
            let n = got.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + have, want, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { tally.fail("churn: echo ended after \(have) of \(size) bytes (errno \(errno))"); return }
            have += n
        }
        if got != msg { tally.fail("churn: echo differs") ; return }
        if kind == 1 {
            var b: UInt8 = 0
            if recv(fd, &b, 1, 0) != 0 { tally.fail("churn: no end of stream after a half-close") ; return }
        }
        tally.add(size)
        tally.churned.wrappingAdd(1, ordering: .relaxed)
    }

    /// Sends 1 MiB while reading the echo back 16 KiB at a time with pauses:
    /// the server must push back (not buffer), and every byte must come back in order.
    static func slowReader(port: Int, seed: Int, tally: Tally, stop: borrowing Atomic<Bool>) {
        guard case .success(let fd) = LoadRunner.connect(host: "127.0.0.1", port: port) else {
            tally.fail("slow reader: connect failed")
            return
        }
        defer { close(fd) }
        let size = 1 << 20
        let msg = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ seed) }
        var sent = 0
        var got = 0
        var buf = [UInt8](repeating: 0, count: 16384)
        var idleRounds = 0
        while got < size {
            if sent < size {
                let n = msg.withUnsafeBytes { send(fd, $0.baseAddress! + sent, size - sent, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
                if n > 0 { sent += n }
            }
            let n = recv(fd, &buf, buf.count, Int32(MSG_DONTWAIT))
            if n > 0 {
                idleRounds = 0
                if !buf[0..<n].elementsEqual(msg[got..<(got + n)]) { tally.fail("slow reader: echo differs near byte \(got)"); return }
                got += n
            } else if n == 0 {
                tally.fail("slow reader: closed after \(got) bytes")
                return
            } else {
                idleRounds += 1
                if idleRounds > 5000 { tally.fail("slow reader: no echo for 10 s at byte \(got)"); return }
            }
            usleep(2000)  // slow: about 8 MB/s at best
        }
        tally.add(size)
    }
}
