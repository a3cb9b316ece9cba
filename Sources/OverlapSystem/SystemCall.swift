import CLinux
import Glibc
import SystemPackage

extension Errno {
    /// `errno` of the calling thread, as the last failed call left it.
    @inlinable
    public static var last: Errno { Errno(rawValue: overlap_errno()) }
}

/// The one way into a system call that returns -1 and sets `errno` on
/// failure (libc's convention): retried here, and only here, when a signal
/// interrupted it (EINTR); any other failure comes back as its `Errno`.
///
/// Any thread. Inlined into the caller's module (`@inlinable`): on the
/// per-completion path it costs a compare and a branch beyond the call
/// itself. (Called across modules without it, each call instantiated
/// `Result<R, Errno>`'s metadata at run time: about 480 instructions.)
@inlinable @inline(__always)
public func systemCall<R: FixedWidthInteger>(_ call: () -> R) -> Result<R, Errno> {
    while true {
        let r = call()
        if r != -1 { return .success(r) }
        let e = Errno.last
        if e != .interrupted { return .failure(e) }
    }
}

/// Writes all of `bytes` to `fd` (retrying short writes and EINTR). Returns
/// the bytes written: fewer than asked when the descriptor failed (its `Errno`
/// in `failure`).
@discardableResult
public func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> (written: Int, failure: Errno?) {
    var done = 0
    while done < bytes.count {
        switch systemCall({ Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done) }) {
        case .success(let n) where n > 0: done += n
        case .success: return (done, nil)
        case .failure(let e): return (done, e)
        }
    }
    return (done, nil)
}

/// `writeAll` of a string's UTF-8 bytes.
@discardableResult
public func writeAll(_ fd: Int32, _ text: String) -> (written: Int, failure: Errno?) {
    var t = text
    return t.withUTF8 { writeAll(fd, UnsafeRawBufferPointer($0)) }
}
