import Glibc
import OverlapModel
import OverlapSystem
import Synchronization

/// The hazard lab's switches for one server (DESIGN §7), read by the hot
/// path. Any thread may set them; handler threads read them.
///
/// Off, they cost one relaxed load and one predictable branch per
/// completion (`runCompletion` reads `delaysHandlers`), one more where the
/// epoll engine completes a request at once (`skipOnSuccess`) and one per
/// event-waiter wake (`lowestIndex`). `slow-handler` and
/// `stall` act there, in `runWithHazards`; `lowest-index` where an event
/// waiter harvests its group; `skip-on-success` where the epoll engine
/// completes a request at once; `buffers` and `concurrency` are applied by
/// the server to the buffer pool and the port when set (`EchoServer.setHazards`).
final class HazardSwitches: Sendable {
    /// Switches of a server that has none (threads registered outside a server).
    static let off = HazardSwitches()

    /// `slow-handler` or `stall` is on: handlers take `runWithHazards`.
    let delaysHandlers = Atomic<Bool>(false)
    /// `lowest-index`: an event waiter takes only the lowest signalled event per wake.
    let lowestIndex = Atomic<Bool>(false)
    /// `skip-on-success`: a port-mode request the epoll engine completes at
    /// once runs its handler on the posting thread.
    let skipOnSuccess = Atomic<Bool>(false)
    /// Bumped on every change, so a thread re-reads its view (`HazardView`).
    private let generation = Atomic<Int>(0)
    private let state = Locked(HazardSettings())
    /// When the current `stall` was switched on (monotonic ns): stalls start then.
    private let stallOrigin = Atomic<UInt64>(0)

    var settings: HazardSettings { state.withLock { $0 } }

    /// Replaces every switch. Any thread.
    func set(_ new: HazardSettings) {
        let old = state.withLock { s in
            defer { s = new }
            return s
        }
        if new.stall != old.stall { stallOrigin.store(monotonicNanos(), ordering: .relaxed) }
        lowestIndex.store(new.lowestIndex, ordering: .relaxed)
        skipOnSuccess.store(new.skipOnSuccess, ordering: .relaxed)
        generation.wrappingAdd(1, ordering: .releasing)
        delaysHandlers.store(new.slowHandler != nil || new.stall != nil, ordering: .releasing)
    }

    /// What the delaying hazards mean for `thread`, re-read when they change.
    func view(for thread: IOThread) -> HazardView {
        let g = generation.load(ordering: .acquiring)
        if thread.hazardView.generation == g { return thread.hazardView }
        let s = settings
        var v = HazardView(generation: g)
        if let slow = s.slowHandler, slow.thread == thread.name { v.slowNanos = UInt64(slow.millis) * 1_000_000 }
        if let stall = s.stall {
            v.stallNanos = UInt64(stall.millis) * 1_000_000
            v.stallPeriodNanos = UInt64(stall.everySeconds) * 1_000_000_000
            v.stallOrigin = stallOrigin.load(ordering: .relaxed)
        }
        thread.hazardView = v
        return v
    }
}

/// One thread's copy of the delaying hazards (no lock per completion).
struct HazardView {
    var generation = -1
    /// slow-handler: added to each handler on this thread (0: not this thread).
    var slowNanos: UInt64 = 0
    /// stall: how long each stall lasts and its period (0: no stall).
    var stallNanos: UInt64 = 0
    var stallPeriodNanos: UInt64 = 0
    var stallOrigin: UInt64 = 0

    /// If `now` falls in a stall, when that stall ends; else nil.
    func stallEnd(at now: UInt64) -> UInt64? {
        guard stallNanos > 0, now >= stallOrigin else { return nil }
        let into = (now - stallOrigin) % stallPeriodNanos
        return into < stallNanos ? now + (stallNanos - into) : nil
    }
}

/// Runs a completion's handler under the delaying hazards: a thread in a
/// stall waits it out before it picks the request up (so the stall is
/// notification delay), and a slowed thread's handler takes `slowNanos`
/// longer (handler time). While slowed the thread *blocks* as IOCP sees it:
/// a port worker gives up its running slot (`IOThread.onBlocking`).
@inline(never)
func runWithHazards(_ request: Overlapped, _ target: CompletionTarget, on thread: IOThread) {
    let view = thread.stats.hazards.view(for: thread)
    if let end = view.stallEnd(at: monotonicNanos()) { blockedSleep(until: end, on: thread) }
    if request.postedAt != 0 {
        runSampled(request, target, on: thread, slowNanos: view.slowNanos)
    } else {
        target.complete(request, on: thread)
        if view.slowNanos > 0 { blockedSleep(until: monotonicNanos() + view.slowNanos, on: thread) }
    }
}

/// Sleeps until `deadline` (monotonic ns), telling the thread's notifier it
/// blocks meanwhile.
func blockedSleep(until deadline: UInt64, on thread: IOThread) {
    thread.onBlocking?(true)
    let start = monotonicNanos()
    defer { thread.blockedNanos &+= monotonicNanos() - start }
    while true {
        let now = monotonicNanos()
        if now >= deadline { break }
        let left = deadline - now
        var ts = timespec(tv_sec: Int(left / 1_000_000_000), tv_nsec: Int(left % 1_000_000_000))
        _ = nanosleep(&ts, nil)
    }
    thread.onBlocking?(false)
}
