import CLinux
import Glibc

/// An IPv4 or IPv6 address and port, parsed from text and formatted back.
public struct SocketAddress: Sendable, CustomStringConvertible {
    fileprivate var storage = sockaddr_storage()
    public let family: Int32

    /// Parses a numeric host ("127.0.0.1", "::1", "0.0.0.0"); nil if it is not one.
    public init?(host: String, port: Int) {
        var s = sockaddr_storage()
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            withUnsafeMutableBytes(of: &s) { raw in
                let p = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self)
                p.pointee.sin_family = sa_family_t(AF_INET)
                p.pointee.sin_port = in_port_t(UInt16(port).bigEndian)
                p.pointee.sin_addr = v4
            }
            family = AF_INET
        } else if inet_pton(AF_INET6, host, &v6) == 1 {
            withUnsafeMutableBytes(of: &s) { raw in
                let p = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self)
                p.pointee.sin6_family = sa_family_t(AF_INET6)
                p.pointee.sin6_port = in_port_t(UInt16(port).bigEndian)
                p.pointee.sin6_addr = v6
            }
            family = AF_INET6
        } else {
            return nil
        }
        storage = s
    }

    public init(storage: sockaddr_storage) {
        self.storage = storage
        family = Int32(storage.ss_family)
    }

    public var length: socklen_t {
        socklen_t(family == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
    }

    public var port: Int {
        withUnsafeBytes(of: storage) { raw in
            if family == AF_INET6 {
                return Int(UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port))
            }
            return Int(UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port))
        }
    }

    public var host: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        withUnsafeBytes(of: storage) { raw in
            if family == AF_INET6 {
                var a = raw.load(as: sockaddr_in6.self).sin6_addr
                _ = inet_ntop(AF_INET6, &a, &text, socklen_t(text.count))
            } else {
                var a = raw.load(as: sockaddr_in.self).sin_addr
                _ = inet_ntop(AF_INET, &a, &text, socklen_t(text.count))
            }
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public var description: String { family == AF_INET6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Calls `body` with the address as a `sockaddr` and its length (for bind, connect).
    public func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        withUnsafeBytes(of: storage) { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }

    /// The peer of a connected socket, or nil.
    public static func peer(of fd: Int32) -> SocketAddress? {
        var s = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutableBytes(of: &s) { raw in
            getpeername(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &len)
        }
        return rc == 0 ? SocketAddress(storage: s) : nil
    }

    /// The local address of a bound socket, or nil.
    public static func local(of fd: Int32) -> SocketAddress? {
        var s = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutableBytes(of: &s) { raw in
            getsockname(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &len)
        }
        return rc == 0 ? SocketAddress(storage: s) : nil
    }
}
