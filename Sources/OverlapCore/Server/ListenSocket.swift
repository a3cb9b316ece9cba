import CLinux
import Glibc
import OverlapSystem
import SystemPackage

/// Opens a non-blocking listening TCP socket on `address`.
func openListener(_ address: SocketAddress, backlog: Int32 = 4096) throws(ServerError) -> Int32 {
    let fd = socket(address.family, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
    if fd < 0 { throw .system("socket", Errno.last) }
    var one: Int32 = 1
    _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    let rc = address.withSockaddr { bind(fd, $0, $1) }
    if rc != 0 {
        let e = Errno.last
        close(fd)
        if e == .addressInUse { throw .portInUse(address.port, what: "echo") }
        throw .bind(address.description, e)
    }
    if listen(fd, backlog) != 0 {
        let e = Errno.last
        close(fd)
        throw .system("listen on \(address)", e)
    }
    return fd
}

/// Disables Nagle's algorithm: an echo must leave at once, not wait for more bytes.
func setNoDelay(_ fd: Int32) {
    var one: Int32 = 1
    _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
}
