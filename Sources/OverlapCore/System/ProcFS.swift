import Glibc
import OverlapSystem

/// The first line of a small file (procfs), or nil.
func readSmallFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { return nil }
    defer { close(fd) }
    var bytes = [UInt8](repeating: 0, count: 256)
    guard case .success(let n) = systemCall({ read(fd, &bytes, bytes.count) }), n > 0 else { return nil }
    let text = String(decoding: bytes[0..<n], as: UTF8.self)
    return text.split(separator: "\n").first.map(String.init) ?? ""
}
