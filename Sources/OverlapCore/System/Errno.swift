import CLinux
import Glibc

/// `errno` of the calling thread.
@inline(__always)
func lastErrno() -> Int32 { overlap_errno() }

/// `strerror` as a Swift string.
func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }
