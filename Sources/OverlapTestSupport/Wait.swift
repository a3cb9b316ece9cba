import Glibc

/// Polls `condition` every 2 ms until it holds or `seconds` pass; returns
/// whether it held. Tests wait for a condition with a deadline, never sleep and hope.
public func waitUntil(_ seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = monotonicSeconds() + seconds
    while monotonicSeconds() < deadline {
        if condition() { return true }
        usleep(2000)
    }
    return condition()
}

/// Seconds on the monotonic clock.
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Milliseconds on the monotonic clock.
public func monotonicMillis() -> UInt64 { UInt64(monotonicSeconds() * 1000) }

/// An error a test throws, with its reason.
public struct TestError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
