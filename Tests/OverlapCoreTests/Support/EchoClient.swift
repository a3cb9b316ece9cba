@testable import OverlapCore
import Glibc

/// A plain blocking TCP client for loopback tests, with send and receive
/// timeouts so a test can fail but never hang.
final class TestClient: Sendable {
    let fd: Int32

    /// `beforeConnect` runs once the socket exists, before it connects.
    init(port: Int, host: String = "127.0.0.1", timeoutSeconds: Int = 10, beforeConnect: () -> Void = {}) throws {
        guard let address = SocketAddress(host: host, port: port) else { throw TestError("bad host \(host)") }
        fd = socket(address.family, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestError("socket: errno \(errno)") }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        beforeConnect()
        var rc = address.withSockaddr { connect(fd, $0, $1) }
        if rc != 0 && errno == EINTR {
            // Interrupted by a signal, the connect goes on in the background: wait for its outcome.
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            var soError: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            if poll(&p, 1, Int32(timeoutSeconds * 1000)) == 1,
               getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len) == 0, soError == 0 {
                rc = 0
            } else {
                errno = soError != 0 ? soError : ETIMEDOUT
            }
        }
        if rc != 0 {
            let e = errno
            close(fd)
            throw TestError("connect to \(host):\(port): errno \(e)")
        }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw TestError("send: errno \(errno)") }
            off += n
        }
    }

    /// Writes random bytes without reading until the connection stops taking
    /// them for 200 ms (both directions' buffers are full), and returns what
    /// was written. Bounded at 64 MiB.
    func sendUntilBlocked(seed: UInt64) -> [UInt8] {
        let chunk = randomBytes(65536, seed: seed)
        var written: [UInt8] = []
        var idleSince = monotonicMillis()
        while written.count < 64 << 20 && monotonicMillis() - idleSince < 200 {
            let n = chunk.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            if n > 0 {
                written.append(contentsOf: chunk[0..<n])
                idleSince = monotonicMillis()
            } else {
                usleep(5000)
            }
        }
        return written
    }

    /// Reads exactly `count` bytes (throws on EOF, error or timeout).
    func receive(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var off = 0
        while off < count {
            let n = out[off...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n == 0 { throw TestError("EOF after \(off) of \(count) bytes") }
            if n < 0 { throw TestError("recv after \(off) of \(count) bytes: errno \(errno)") }
            off += n
        }
        return out
    }

    /// True if the next read sees end of stream (nothing more was sent).
    func readsEOF() -> Bool {
        var b: UInt8 = 0
        while true {
            let n = recv(fd, &b, 1, 0)
            if n < 0 && errno == EINTR { continue }
            return n == 0
        }
    }

    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Makes the coming close send an RST instead of a FIN (SO_LINGER, zero timeout).
    func armReset() {
        var l = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
    }
}

struct TestError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Streams each payload to its connection while reading the echo back,
/// interleaved with poll so neither side can block the other, and checks
/// every byte as it arrives.
func exchange(_ clients: [TestClient], _ payloads: [[UInt8]], timeoutSeconds: Double = 30) throws {
    var sent = [Int](repeating: 0, count: clients.count)
    var got = [Int](repeating: 0, count: clients.count)
    var buf = [UInt8](repeating: 0, count: 65536)
    let deadline = Double(monotonicMillis()) + timeoutSeconds * 1000
    while zip(got, payloads).contains(where: { $0 < $1.count }) {
        guard Double(monotonicMillis()) < deadline else { throw TestError("timed out waiting for echoes") }
        var fds = clients.indices.map { i in
            var ev: Int16 = 0
            if got[i] < payloads[i].count { ev |= Int16(POLLIN) }
            if sent[i] < payloads[i].count { ev |= Int16(POLLOUT) }
            return pollfd(fd: clients[i].fd, events: ev, revents: 0)
        }
        if poll(&fds, nfds_t(fds.count), 100) <= 0 { continue }
        for i in clients.indices {
            let re = fds[i].revents
            if re & Int16(POLLOUT) != 0 {
                let chunk = min(payloads[i].count - sent[i], 256 * 1024)
                let w = payloads[i][sent[i]...].withUnsafeBytes {
                    send(clients[i].fd, $0.baseAddress, chunk, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                }
                if w > 0 { sent[i] += w } else if errno != EAGAIN && errno != EINTR { throw TestError("send: errno \(errno)") }
            }
            if re & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                let r = recv(clients[i].fd, &buf, buf.count, Int32(MSG_DONTWAIT))
                if r == 0 { throw TestError("connection \(i) closed after \(got[i]) bytes") }
                if r < 0 {
                    if errno == EAGAIN || errno == EINTR { continue }
                    throw TestError("recv on connection \(i): errno \(errno)")
                }
                guard got[i] + r <= payloads[i].count,
                      buf[0..<r].elementsEqual(payloads[i][got[i]..<(got[i] + r)])
                else { throw TestError("connection \(i): echo differs from what was sent near byte \(got[i])") }
                got[i] += r
            }
        }
    }
}
