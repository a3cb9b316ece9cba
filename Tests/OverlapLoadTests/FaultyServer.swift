import Glibc
@testable import OverlapCore
import OverlapSystem
import Synchronization

/// A deliberately broken echo server for the load generator's tests: it reads
/// whole messages of `size` bytes and echoes them, except for one fault.
final class FaultyServer: @unchecked Sendable {
    enum Fault: Sendable {
        case none
        /// Flips one byte of every `n`th message.
        case corruptEvery(Int)
        /// Never echoes message `n` (0-based).
        case drop(Int)
        /// Echoes message `n + 1` before message `n`.
        case swap(Int)
        /// Echoes message `n` twice.
        case duplicate(Int)
        /// Closes the connection after echoing `n` messages.
        case closeAfter(Int)
        /// Resets the connection (RST) after echoing `n` messages.
        case resetAfter(Int)
        /// Stops reading and echoing for `seconds` after echoing `n`
        /// messages, then echoes everything that came in meanwhile: a server
        /// that stalls (a GC pause, a SIGSTOP) but loses nothing.
        case pauseAfter(Int, seconds: Double)
    }

    let port: Int
    private let listenFd: Int32
    private let size: Int
    private let fault: Fault
    private let stopping = Atomic<Bool>(false)
    private var acceptThread: OSThread?
    private let lock = Mutex<[Int32]>([])

    init(size: Int, fault: Fault) {
        self.size = size
        self.fault = fault
        let lfd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        listenFd = lfd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = bind(lfd, $0, len) } }
        listen(lfd, 64)
        withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(lfd, $0, &len) }
        }
        port = Int(UInt16(bigEndian: addr.sin_port))
        acceptThread = OSThread(name: "faulty-accept") { [self] in acceptLoop() }
    }

    func stop() {
        stopping.store(true, ordering: .relaxed)
        shutdown(listenFd, Int32(SHUT_RDWR))
        for fd in lock.withLock({ $0 }) { shutdown(fd, Int32(SHUT_RDWR)) }
        acceptThread?.join()
        close(listenFd)
    }

    private func acceptLoop() {
        var conns: [OSThread] = []
        while !stopping.load(ordering: .relaxed) {
            let fd = accept(listenFd, nil, nil)
            if fd < 0 { break }
            lock.withLock { $0.append(fd) }
            conns.append(OSThread(name: "faulty-conn") { [self] in serve(fd) })
        }
        for t in conns { t.join() }
    }

    private func readFull(_ fd: Int32, _ buf: inout [UInt8]) -> Bool {
        var got = 0
        while got < buf.count {
            let want = buf.count - got
            guard case .success(let n) = systemCall({ buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, want, 0) } }),
                  n > 0 else { return false }
            got += n
        }
        return true
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            guard case .success(let n) = systemCall({ bytes.withUnsafeBytes { send(fd, $0.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) } }),
                  n > 0 else { return }
            off += n
        }
    }

    private func serve(_ fd: Int32) {
        var msg = [UInt8](repeating: 0, count: size)
        var held: [UInt8]?
        var count = 0
        defer { close(fd) }
        while readFull(fd, &msg) {
            defer { count += 1 }
            switch fault {
            case .none: writeAll(fd, msg)
            case .corruptEvery(let n):
                if count % n == n - 1 { msg[size / 2] ^= 0xFF }
                writeAll(fd, msg)
            case .drop(let n):
                if count != n { writeAll(fd, msg) }
            case .swap(let n):
                if count == n {
                    held = msg
                } else {
                    writeAll(fd, msg)
                    if let h = held {
                        writeAll(fd, h)
                        held = nil
                    }
                }
            case .duplicate(let n):
                writeAll(fd, msg)
                if count == n { writeAll(fd, msg) }
            case .closeAfter(let n):
                if count == n {
                    // End of stream first, then drain: closing with unread data would send a reset.
                    shutdown(fd, Int32(SHUT_WR))
                    while readFull(fd, &msg) {}
                    return
                }
                writeAll(fd, msg)
            case .resetAfter(let n):
                if count == n {
                    var l = linger(l_onoff: 1, l_linger: 0)
                    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
                    return
                }
                writeAll(fd, msg)
            case .pauseAfter(let n, let seconds):
                if count == n { usleep(UInt32(seconds * 1e6)) }
                writeAll(fd, msg)
            }
        }
    }
}
