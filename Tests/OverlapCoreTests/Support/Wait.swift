import Glibc

/// Polls `condition` every 2 ms until it holds or `seconds` pass; returns whether it held.
/// Tests wait for a condition with a deadline, never sleep and hope.
func waitUntil(_ seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Double(monotonicMillis()) + seconds * 1000
    while Double(monotonicMillis()) < deadline {
        if condition() { return true }
        usleep(2000)
    }
    return condition()
}

func monotonicMillis() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
}

/// Open descriptors of this process.
func openDescriptorCount() -> Int {
    guard let dir = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(dir) }
    var n = 0
    while readdir(dir) != nil { n += 1 }
    return n - 3  // ".", "..", and the directory's own descriptor
}

/// Deterministic pseudo-random bytes (xorshift), so a failure can be replayed.
func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var x = seed | 1
    var out = [UInt8](repeating: 0, count: count)
    for i in 0..<count {
        x ^= x << 13
        x ^= x >> 7
        x ^= x << 17
        out[i] = UInt8(truncatingIfNeeded: x)
    }
    return out
}

/// The highest descriptor number open in this process.
func highestOpenDescriptor() -> Int32 {
    guard let dir = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(dir) }
    var high: Int32 = -1
    while let e = readdir(dir) {
        let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if let n = Int32(name) { high = max(high, n) }
    }
    return high
}
