import Glibc

/// Number of online cores: the default for `--threads` and `--concurrency`.
public func onlineCores() -> Int {
    let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
    return n > 0 ? n : 1
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
