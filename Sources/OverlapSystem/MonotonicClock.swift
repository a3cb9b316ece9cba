import CLinux

/// Monotonic nanoseconds (CLOCK_MONOTONIC), the one clock every figure uses.
@inline(__always)
public func monotonicNanos() -> UInt64 { overlap_monotonic_ns() }
