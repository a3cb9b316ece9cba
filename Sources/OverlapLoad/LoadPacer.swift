import CLinux
import Glibc

/// Open loop: wakes a worker's epoll loop when the earliest message is due,
/// so the generator's own lateness is not charged to the server.
///
/// - One one-shot timerfd (CLOCK_MONOTONIC, absolute deadline in ns) sits in
///   the worker's epoll set under `tag`. The 1 ms `epoll_wait` timeout it
///   replaces woke ~0.6 ms late at the median (the millisecond rounding plus
///   50 µs of timer slack): at 200 msg/s on one connection, p50 from the due
///   time read 0.62-0.69 ms against a server answering in 0.05-0.06 ms.
/// - It is armed for the earliest due time of the connections that can send
///   then (`note`). A connection that cannot (its window or output buffer is
///   full) is left out: its own echo or writability event tops it up.
/// - A wake-up is late even without timer slack (a timerfd has none; lowering
///   the thread's slack with PR_SET_TIMERSLACK changed nothing): 60-65 µs at
///   the median, 90-120 µs at p90 on this 2-core VM. So the timer is armed
///   `leadNanos` early, twice the average lateness of its recent wake-ups,
///   and the loop polls (`epoll_wait` with a zero timeout, so echoes are
///   still read on time) for the rest. That took p50 from the due time from
///   0.15 ms to 0.05-0.06 ms, within 1-2 µs of the service time.
/// - The lead is at most 200 µs and at most 4% of the interval between
///   messages: the generator shares the machine with the server, so it polls
///   for a sliver of each interval, never the whole of it.
/// - It is re-armed only when the deadline changes: one `timerfd_settime` per
///   due batch, none per echo. Re-arming also clears a fired timer's event,
///   so it is never `read`. Connections start in step, so one wake-up serves
///   every connection due at that time.
/// - Cost: each wake-up takes 35-40 µs of CPU on this VM (the timer
///   interrupt and the wake from idle; re-arming or a periodic timer cost
///   the same). At 200 msg/s that is under 1% of a core; one connection at
///   20,000 msg/s now costs ~0.7 of a core where 1 ms batches cost ~0.13.
///
/// Owned by its worker's thread.
struct LoadPacer: ~Copyable {
    /// The epoll tag of the timer's events (connection tags are slots, far below).
    static let tag = UInt64.max
    let fd: Int32
    /// The longest lead (ns): 4% of the interval, at most 200 µs.
    let maxLeadNanos: UInt64
    /// Average lateness (ns) of the timer's recent wake-ups, each sample capped
    /// at `maxLeadNanos` (beyond that the lead cannot follow it anyway).
    private var latenessNanos: UInt64 = 50_000
    /// Earliest due time (CLOCK_MONOTONIC ns) among the connections noted since
    /// the last `startScan`; `UInt64.max`: none.
    private(set) var earliestDue = UInt64.max
    /// The deadline the timer is armed for; 0: disarmed; `fired`: it went off
    /// and its event stays up until the next `timerfd_settime`.
    private var armedAt: UInt64 = 0
    private static let fired = UInt64.max
    /// The last wait blocked (a timeout other than 0): its wake-up measures lateness.
    private var blocking = false

    /// Nil if the timer cannot be made (errno says why: EMFILE with many connections).
    /// - Parameter intervalNanos: time between two messages of a connection.
    init?(epfd: Int32, intervalNanos: UInt64) {
        let fd = overlap_timerfd_create()
        if fd < 0 { return nil }
        self.fd = fd
        maxLeadNanos = min(200_000, intervalNanos / 25)
        var ev = epoll_event()
        ev.events = EPOLLIN.rawValue
        ev.data.u64 = Self.tag
        _ = epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev)
    }

    deinit { close(fd) }

    /// How early the timer is armed (ns).
    var leadNanos: UInt64 { min(maxLeadNanos, 2 * latenessNanos) }

    /// Takes `due` (ns) into the next deadline: the due time of a connection
    /// that can send then.
    mutating func note(_ due: UInt64) {
        if due < earliestDue { earliestDue = due }
    }

    /// Forgets the deadline, before a scan of every connection notes it afresh
    /// (or for good, once nothing is due any more).
    mutating func startScan() { earliestDue = .max }

    /// The `epoll_wait` timeout (ms) for a loop that wakes at least every `idleMillis`:
    /// 0 (poll) within the lead of the deadline; otherwise `idleMillis`, with
    /// the timer armed for the deadline less the lead (disarmed if nothing is due).
    mutating func timeout(now: UInt64, idleMillis: Int32) -> Int32 {
        let lead = leadNanos
        blocking = !(earliestDue != .max && earliestDue <= now &+ lead)
        if !blocking { return 0 }
        let target = earliestDue == .max ? 0 : max(1, earliestDue - lead)
        if target != armedAt {
            _ = overlap_timerfd_arm_at(fd, target)
            armedAt = target
        }
        return idleMillis
    }

    /// The timer's event came; `now` is when the wait returned. Learns how
    /// late it was (if the loop was asleep, not polling); the next `timeout`
    /// re-arms or disarms it, which clears the event.
    mutating func fired(now: UInt64) {
        if blocking && armedAt != 0 && armedAt != Self.fired && now > armedAt {
            let late = min(now - armedAt, maxLeadNanos)
            latenessNanos = latenessNanos - latenessNanos / 8 + late / 8
        }
        armedAt = Self.fired
    }
}
