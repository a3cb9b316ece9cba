import CLinux
import Glibc

/// Monotonic nanoseconds (CLOCK_MONOTONIC), the one clock every figure uses.
@inline(__always)
public func monotonicNanos() -> UInt64 { overlap_monotonic_ns() }

/// Number of online cores: the default for `--threads` and `--concurrency`.
public func onlineCores() -> Int {
    let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
    return n > 0 ? n : 1
}

/// `errno` of the calling thread.
@inline(__always)
func lastErrno() -> Int32 { overlap_errno() }

/// `strerror` as a Swift string.
func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }

/// The first line of a small file (procfs), or nil.
func readSmallFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { return nil }
    defer { close(fd) }
    var bytes = [UInt8](repeating: 0, count: 256)
    let n = read(fd, &bytes, bytes.count)
    guard n > 0 else { return nil }
    let text = String(decoding: bytes[0..<n], as: UTF8.self)
    return text.split(separator: "\n").first.map(String.init) ?? ""
}
