import Glibc

/// This process's resident memory in bytes (`/proc/self/statm`), 0 if unreadable.
public func residentBytes() -> Int {
    let fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return 0 }
    defer { close(fd) }
    var buf = [UInt8](repeating: 0, count: 128)
    guard case .success(let n) = systemCall({ read(fd, &buf, buf.count) }), n > 0 else { return 0 }
    // "size resident shared ...", in pages.
    let fields = String(decoding: buf[0..<n], as: UTF8.self).split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}
