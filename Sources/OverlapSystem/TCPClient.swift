import CLinux
import Glibc
import SystemPackage

/// Why a TCP client call failed, worded for the user.
public struct TCPClientError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A blocking TCP client with send and receive timeouts, so that a caller
/// can fail but never hang: the one client the soak, the tests and the load
/// generator's connect share. One thread at a time per client.
public final class TCPClient: Sendable {
    public let fd: Int32

    /// Connects to a numeric `host` and `port`; `beforeConnect` runs once the
    /// socket exists (to set options). Throws with the address and the reason.
    public init(host: String = "127.0.0.1", port: Int, timeoutSeconds: Int = 10, noDelay: Bool = true,
                beforeConnect: (Int32) -> Void = { _ in }) throws(TCPClientError) {
        fd = try Self.connect(host: host, port: port, nonBlocking: false, noDelay: noDelay,
                              timeoutSeconds: timeoutSeconds, beforeConnect: beforeConnect).get()
    }

    deinit { close(fd) }

    /// A connected socket (blocking, with `timeoutSeconds` send and receive
    /// timeouts; or non-blocking), or why not. A connect interrupted by a
    /// signal goes on in the background: its outcome is waited for.
    public static func connect(host: String, port: Int, nonBlocking: Bool, noDelay: Bool = true,
                               timeoutSeconds: Int = 10,
                               beforeConnect: (Int32) -> Void = { _ in }) -> Result<Int32, TCPClientError> {
        guard let address = SocketAddress(host: host, port: port) else {
            return .failure(TCPClientError("'\(host)' is not a numeric IPv4 or IPv6 address"))
        }
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(TCPClientError("socket: \(Errno.last)")) }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        if noDelay {
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        beforeConnect(fd)
        var failure: Errno?
        if address.withSockaddr({ Glibc.connect(fd, $0, $1) }) != 0 {
            failure = Errno.last
            if failure == .interrupted {
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                var soError: Int32 = 0
                var len = socklen_t(MemoryLayout<Int32>.size)
                if case .success(1) = systemCall({ poll(&p, 1, Int32(timeoutSeconds * 1000)) }),
                   getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len) == 0 {
                    failure = soError == 0 ? nil : Errno(rawValue: soError)
                } else {
                    failure = .timedOut
                }
            }
        }
        if let failure {
            close(fd)
            return .failure(TCPClientError("connect to \(address): \(failure)"))
        }
        if nonBlocking { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        return .success(fd)
    }

    /// Sends every byte (blocking), or throws: reset, timeout, closed.
    public func send(_ bytes: [UInt8]) throws(TCPClientError) {
        var off = 0
        while off < bytes.count {
            let r = systemCall { bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, $0.count - off, Int32(MSG_NOSIGNAL)) } }
            switch r {
            case .success(let n) where n > 0: off += n
            case .success: throw TCPClientError("send: the connection took nothing")
            case .failure(let e): throw TCPClientError("send after \(off) of \(bytes.count) bytes: \(e)")
            }
        }
    }

    /// Reads exactly `count` bytes, or throws on end of stream, error or timeout.
    public func receive(_ count: Int) throws(TCPClientError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var off = 0
        while off < count {
            let r = systemCall { out.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + off, count - off, 0) } }
            switch r {
            case .success(0): throw TCPClientError("end of stream after \(off) of \(count) bytes")
            case .success(let n): off += n
            case .failure(let e): throw TCPClientError("recv after \(off) of \(count) bytes: \(e)")
            }
        }
        return out
    }

    /// Reads until the peer closes, an error, the receive timeout or `limit`
    /// bytes, and returns what came.
    public func receiveUntilClosed(limit: Int = 16 << 20) -> [UInt8] {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while out.count < limit {
            guard case .success(let n) = systemCall({ recv(fd, &buf, buf.count, 0) }), n > 0 else { break }
            out += buf[0..<n]
        }
        return out
    }

    /// True if the next read sees end of stream (nothing more was sent).
    public func readsEOF() -> Bool {
        var b: UInt8 = 0
        if case .success(0) = systemCall({ recv(fd, &b, 1, 0) }) { return true }
        return false
    }

    /// Closes the sending side (the peer reads end of stream).
    public func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Makes the coming close send a reset instead of a FIN (SO_LINGER 0).
    public func armReset() {
        var l = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
    }
}
