import Glibc
import OverlapLoad
import Synchronization

/// What the soak's clients verified and what went wrong (any thread).
final class SoakTally: Sendable {
    let bytes = Atomic<UInt64>(0)
    let errors = Mutex<[String]>([])
    let churned = Atomic<Int>(0)
    func add(_ n: Int) { bytes.wrappingAdd(UInt64(n), ordering: .relaxed) }
    /// Keeps the first 20.
    func fail(_ what: String) { errors.withLock { if $0.count < 20 { $0.append(what) } } }
}

/// The soak's hand-written clients: short sessions that churn, and slow readers.
enum SoakClients {
    /// One short session: send `size` bytes, then close cleanly (after the
    /// whole echo), half-close (the echo must still arrive, then end of
    /// stream), or reset half-way (no check: the server must just survive it).
    static func churnOnce(port: Int, kind: Int, size: Int, tally: SoakTally) {
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
        if got != msg { tally.fail("churn: echo differs"); return }
        if kind == 1 {
            var b: UInt8 = 0
            if recv(fd, &b, 1, 0) != 0 { tally.fail("churn: no end of stream after a half-close"); return }
        }
        tally.add(size)
        tally.churned.wrappingAdd(1, ordering: .relaxed)
    }

    /// Sends 1 MiB while reading the echo back 16 KiB at a time with pauses:
    /// the server must push back (not buffer), and every byte must come back in order.
    static func slowReader(port: Int, seed: Int, tally: SoakTally) {
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
