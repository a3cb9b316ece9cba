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

/// Raises this process's soft descriptor limit to the hard limit (a server
/// holding thousands of sessions needs one descriptor each) and returns it.
public func raiseDescriptorLimit() -> Int {
    var rl = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &rl) == 0 else { return -1 }
    if rl.rlim_cur < rl.rlim_max {
        rl.rlim_cur = rl.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &rl)
        _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &rl)
    }
    return rl.rlim_cur > UInt(Int.max) ? Int.max : Int(rl.rlim_cur)
}
