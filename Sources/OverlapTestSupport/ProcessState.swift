import Dispatch
import Glibc

/// libdispatch opens its event loop's descriptors (an epoll, an eventfd, a
/// timerfd per clock) the first time the process needs a timer, and keeps
/// them for the life of the process: a test that first sleeps in a Task (a
/// library that does, such as the metrics endpoint's shutdown) would
/// otherwise see them as a leak. Opening them up front, once, keeps
/// `withServer`'s descriptor check exact.
///
/// Each wait is bounded: a `Task` needs a free thread of Swift's
/// cooperative pool, and under `swift test` without `--no-parallel` every
/// one of them may be a test blocked here (then the check may report
/// libdispatch's descriptors, as parallel runs break descriptor counts
/// anyway: `make test` runs serially). Never a hang.
private let runtimeTimersOpened: Void = {
    let slept = DispatchSemaphore(value: 0)
    Task {
        try? await Task.sleep(for: .milliseconds(1), clock: .continuous)
        try? await Task.sleep(for: .milliseconds(1), clock: .suspending)
        slept.signal()
    }
    _ = slept.wait(timeout: .now() + .seconds(2))
    // A queue of its own targets an overcommitting pool: a thread is always found for it.
    let fired = DispatchSemaphore(value: 0)
    DispatchQueue(label: "overlap-test-timers").asyncAfter(wallDeadline: .now() + .milliseconds(1)) { fired.signal() }
    _ = fired.wait(timeout: .now() + .seconds(2))
}()

/// Makes libdispatch open the descriptors it keeps for the process's life (once).
public func openRuntimeTimers() { runtimeTimersOpened }

/// Open descriptors of this process.
public func openDescriptorCount() -> Int {
    guard let dir = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(dir) }
    var n = 0
    while readdir(dir) != nil { n += 1 }
    return n - 3  // ".", "..", and the directory's own descriptor
}

/// This process's open descriptors and what each refers to
/// (`/proc/self/fd/N`'s link: "socket:[inode]", a path, "anon_inode:[eventfd]").
public func openDescriptors() -> [Int32: String] {
    guard let dir = opendir("/proc/self/fd") else { return [:] }
    defer { closedir(dir) }
    let own = dirfd(dir)
    var found: [Int32: String] = [:]
    while let e = readdir(dir) {
        let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard let n = Int32(name), n != own else { continue }
        var link = [CChar](repeating: 0, count: 256)
        let len = readlink("/proc/self/fd/\(n)", &link, link.count - 1)
        found[n] = len > 0 ? String(decoding: link.prefix(len).map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
    }
    return found
}

/// The highest descriptor number open in this process.
public func highestOpenDescriptor() -> Int32 {
    guard let dir = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(dir) }
    var high: Int32 = -1
    while let e = readdir(dir) {
        let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if let n = Int32(name) { high = max(high, n) }
    }
    return high
}

/// Names of this process's threads (`/proc/self/task/*/comm`).
public func threadNames() -> [String] {
    guard let dir = opendir("/proc/self/task") else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let tid = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard tid.first?.isNumber == true, let f = fopen("/proc/self/task/\(tid)/comm", "r") else { continue }
        var line = [CChar](repeating: 0, count: 64)
        if fgets(&line, 64, f) != nil {
            var name = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if name.hasSuffix("\n") { name.removeLast() }
            names.append(name)
        }
        fclose(f)
    }
    return names
}

/// Times this process's threads whose name passes `select` went to sleep on
/// their own (`voluntary_ctxt_switches` in `/proc/self/task/*/status`):
/// each is one wake-up later. Threads that exited are not counted.
public func voluntarySwitches(ofThreadsNamed select: (String) -> Bool) -> UInt64 {
    guard let dir = opendir("/proc/self/task") else { return 0 }
    defer { closedir(dir) }
    var total: UInt64 = 0
    while let entry = readdir(dir) {
        let tid = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard tid.first?.isNumber == true, let f = fopen("/proc/self/task/\(tid)/status", "r") else { continue }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 256)
        var name = ""
        while fgets(&line, 256, f) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("Name:") {
                name = String(text.dropFirst(5).filter { !$0.isWhitespace })  // thread names have no spaces here
            } else if text.hasPrefix("voluntary_ctxt_switches:"), select(name) {
                total += UInt64(String(text.dropFirst(24).filter { !$0.isWhitespace })) ?? 0
            }
        }
    }
    return total
}

/// Deterministic pseudo-random bytes (xorshift), so a failure can be replayed.
public func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
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
