import Glibc
import OverlapModel
import OverlapSystem
import Synchronization
import SystemPackage

/// Why a trace capture could not start.
public struct TraceError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

/// A trace capture: every sampled request while it runs, streamed to a
/// Chrome trace-event JSON file (`TraceEvents`) by its own writer thread
/// every 100 ms, so memory stays bounded and the I/O threads never write.
///
/// Threads that wait for completions also add their waits while a capture
/// runs (a port worker in GetQueuedCompletionStatus, an APC thread in its
/// alertable wait, an event waiter in WSAWaitForMultipleEvents), so the file
/// shows which idle thread was woken.
///
/// Bounded three ways: `seconds` of capture, `maxBytes` of file, and at most
/// `maxPending` requests waiting for the writer (beyond that they are
/// dropped and counted). It says why it stopped (`status`).
///
/// Cost: the handler thread of a sampled request checks `isActive` (one
/// relaxed load, sampled requests only) and, while a capture runs, appends
/// the stamps under the recorder's lock.
final class TraceRecorder: Sendable {
    static let maxBytes: UInt64 = 256 << 20
    static let maxPending = 200_000
    /// Microseconds are counted from here (the server's start).
    let origin: UInt64
    private let active = Atomic<Bool>(false)
    private let wakeup = Wakeup()

    struct Wait {
        let name: StaticString
        let thread: Int
        let start: UInt64
        let end: UInt64
    }

    private struct State {
        var pending: [LatencyStamps] = []
        var waits: [Wait] = []
        var instants: [(String, UInt64)] = []
        var path = ""
        var fd: Int32 = -1
        var deadline: UInt64 = 0
        var seconds = 0.0
        var bytes: UInt64 = 0
        var requests: UInt64 = 0
        var dropped: UInt64 = 0
        var nextID: UInt64 = 1
        var lanes = Set<Int>()
        var stopReason: Phrasing?
        var stopRequested: Phrasing?
        var everStarted = false
        /// A `start` is opening its file.
        var starting = false
        var writer: OSThread?
        var threadNames: (@Sendable () -> [Int: String])?
        var stopped: (@Sendable (TraceStatus) -> Void)?
    }
    private let state = Locked(State())

    /// - Parameter origin: monotonic ns the timestamps count from.
    init(origin: UInt64) {
        self.origin = origin
    }

    /// True while a capture runs (any thread; relaxed).
    @inline(__always)
    var isActive: Bool { active.load(ordering: .relaxed) }

    /// Adds one sampled request (its handler's thread, after it returned).
    func add(_ stamps: LatencyStamps) {
        state.withLock { s in
            guard active.load(ordering: .relaxed) else { return }
            if s.pending.count >= Self.maxPending {
                s.dropped += 1
            } else {
                s.pending.append(stamps)
            }
        }
    }

    /// Adds a thread's wait (`name`: the Windows call it stands for) from
    /// `start` until now: how long it sat idle before its next batch.
    func addWait(_ name: StaticString, thread: Int, from start: UInt64) {
        let now = monotonicNanos()
        state.withLock { s in
            guard active.load(ordering: .relaxed), s.waits.count < Self.maxPending else { return }
            s.waits.append(Wait(name: name, thread: thread, start: start, end: now))
        }
    }

    /// Marks a moment on every lane (a mode switch).
    func instant(_ name: String) {
        let now = monotonicNanos()
        state.withLock { s in
            if active.load(ordering: .relaxed) { s.instants.append((name, now)) }
        }
    }

    /// Starts a capture into `path` for `seconds`; `threadNames` names the
    /// lanes when it ends (threads by id, live and retired). Throws, naming
    /// the file, if it cannot be created, or if a capture already runs.
    /// `stopped` runs on the writer thread once the file is complete.
    func start(path: String, seconds: Double, threadNames: @escaping @Sendable () -> [Int: String],
               stopped: @escaping @Sendable (TraceStatus) -> Void = { _ in }) throws(TraceError) {
        // Reserve the recorder first: a second start must not truncate the running capture's file.
        let running: String? = state.withLock { s in
            if active.load(ordering: .relaxed) || s.starting { return s.starting ? path : s.path }
            s.starting = true
            return nil
        }
        if let running { throw TraceError(description: "a trace is already being written to \(running)") }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 {
            let e = Errno.last
            state.withLock { $0.starting = false }
            throw TraceError(description: "cannot write the trace file \(path): \(e)")
        }
        let head = writeAll(fd, TraceEvents.header + TraceEvents.processName("overlap")).written
        let previous: OSThread? = state.withLock { s in
            let previous = s.writer
            s = State()
            s.everStarted = true
            s.path = path
            s.fd = fd
            s.bytes = UInt64(head)
            s.seconds = seconds
            s.threadNames = threadNames
            s.stopped = stopped
            s.deadline = monotonicNanos() &+ UInt64(seconds * 1e9)
            s.instants.append(("trace started", monotonicNanos()))
            active.store(true, ordering: .releasing)
            s.writer = OSThread(name: "trace-writer") { [self] in writeLoop() }
            return previous
        }
        previous?.join()  // the writer of the previous capture, finished
    }

    /// Stops a running capture (the writer finishes the file); `reason` is
    /// what `status` says. No-op when none runs.
    func stop(reason: Phrasing) {
        state.withLock { s in
            if active.load(ordering: .relaxed) && s.stopRequested == nil { s.stopRequested = reason }
        }
        wakeup.signal()
    }

    /// Stops a running capture and waits until its file is complete.
    func finish(reason: Phrasing) {
        stop(reason: reason)
        let writer = state.withLock { s in
            defer { s.writer = nil }
            return s.writer
        }
        writer?.join()
    }

    /// The current or last capture, nil if none ever started.
    var status: TraceStatus? {
        state.withLock { s in
            guard s.everStarted else { return nil }
            return TraceStatus(path: s.path, running: active.load(ordering: .relaxed), requests: s.requests,
                               stopPhrasing: s.stopReason)
        }
    }

    private func writeLoop() {
        var ended = false
        while !ended {
            _ = wakeup.wait(timeoutNanos: 100_000_000)
            let now = monotonicNanos()
            let (batch, waits, instants, fd, startID, reason):
                ([LatencyStamps], [Wait], [(String, UInt64)], Int32, UInt64, Phrasing?) = state.withLock { s in
                    var reason = s.stopRequested
                    if reason == nil && now >= s.deadline { reason = Phrasing(.traceTimeLimit, "\(Self.seconds(s.seconds))") }
                    if reason == nil && s.bytes >= Self.maxBytes { reason = Phrasing(.traceSizeLimit, "\(Self.maxBytes >> 20)") }
                    let batch = s.pending
                    let waits = s.waits
                    let instants = s.instants
                    s.pending.removeAll(keepingCapacity: true)
                    s.waits.removeAll(keepingCapacity: true)
                    for w in waits { s.lanes.insert(w.thread) }
                    s.instants.removeAll()
                    let first = s.nextID
                    s.nextID += UInt64(batch.count)
                    s.requests += UInt64(batch.count)
                    for b in batch {
                        s.lanes.insert(b.postedBy)
                        s.lanes.insert(b.ranOn)
                    }
                    if reason != nil { active.store(false, ordering: .releasing) }
                    return (batch, waits, instants, s.fd, first, reason)
                }
            var text = ""
            for (i, b) in batch.enumerated() {
                text += ",\n" + TraceEvents.request(b, id: startID + UInt64(i), origin: origin)
            }
            for w in waits {
                text += ",\n" + TraceEvents.wait("\(w.name)", thread: w.thread, from: w.start, to: w.end, origin: origin)
            }
            for (name, at) in instants { text += ",\n" + TraceEvents.instant(name, at: at, origin: origin) }
            if let reason {
                text += ",\n" + TraceEvents.instant("trace stopped: \(reason.text(.en))", at: now, origin: origin)
                let (lanes, namer) = state.withLock { ($0.lanes, $0.threadNames) }
                let names = namer?() ?? [:]
                for tid in lanes.sorted() {
                    text += ",\n" + TraceEvents.threadName(names[tid] ?? "thread \(tid)", tid: tid)
                }
                text += TraceEvents.footer
                ended = true
            }
            let written = writeAll(fd, text).written
            let finished: (TraceStatus, (@Sendable (TraceStatus) -> Void)?)? = state.withLock { s in
                s.bytes += UInt64(written)
                guard ended else { return nil }
                close(s.fd)
                s.fd = -1
                s.stopReason = s.dropped > 0 ? Phrasing(.traceDropped, .phrase(reason!), "\(s.dropped)") : reason!
                return (TraceStatus(path: s.path, running: false, requests: s.requests, stopPhrasing: s.stopReason),
                        s.stopped)
            }
            if let (status, stopped) = finished { stopped?(status) }
        }
    }

    private static func seconds(_ s: Double) -> String {
        s == s.rounded() ? String(Int(s)) : String(s)
    }
}
