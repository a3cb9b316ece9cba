import Glibc
import OverlapModel
import OverlapSystem
import Synchronization

/// The counters one thread keeps about its own work.
///
/// Lock-free by ownership: every slot has exactly one writer, the thread that
/// owns this block, so an increment is a relaxed load and a relaxed store (no
/// read-modify-write, no lock, no shared cache line with other writers). Readers
/// (the snapshot) sum the blocks of all threads; each slot only ever grows, so a
/// sum read later is never smaller than one read earlier.
package final class ThreadStats: Sendable {
    /// Slot numbers. Per-op-and-mode counters take 9 slots each (`op * 3 + mode`).
    enum Slot {
        static let posted = 0
        static let completed = 9
        static let delivered = 18
        static let bytesIn = 27
        static let bytesOut = 28
        static let receives = 29  // receive completions that carried data
        static let handled = 30
        static let busyNanos = 31  // CPU time at retirement (see `cpuNanos`)
        static let accepted = 32
        static let refused = 33
        static let closedBase = 34  // + CloseReason.index (4 slots)
        static let acceptErrors = 38
        static let bufferWaits = 39
        /// Alertable waits entered (APC threads), wakes (event waiters), waits
        /// that found nothing to take (port workers).
        static let waits = 40
        /// Time an engine thread spent on another row's work (port mode's
        /// visits, counted on the visit's row): left out of its own busy time.
        static let lentNanos = 41
        /// Requests an engine thread submitted to the kernel (io_uring SQEs).
        static let submitted = 42
        /// Handlers this thread ran inline, as the poster of a request that
        /// completed at once (the skip-on-success hazard).
        static let inlineRuns = 43
        static let count = 44
    }

    let id: Int
    package let name: String
    let mode: NotificationMode?
    let startedAtNanos: UInt64
    /// One request in this many (on average) that this thread posts is
    /// stamped for latency; 0: none (`serve --sample`).
    let sampleEvery: Int
    /// Latency of the sampled requests whose handlers this thread ran, since
    /// the sampler last collected it.
    let latency = Locked(ThreadLatency())
    /// What the thread does; its live details (group size, queue depth)
    /// come from its notifier at snapshot time (`ModeRouter.roles`).
    package let role: ThreadRole
    /// `Slot.count` of them (a literal: InlineArray's count; `init` checks they agree).
    private let slots: InlineArray<44, Atomic<UInt64>> = InlineArray { _ in Atomic(0) }
    private let isAlive = Atomic<Bool>(true)
    /// The owning thread's CPU-time clock (`pthread_getcpuclockid`), or
    /// `unbound`: readers get the thread's CPU time from the kernel, so the
    /// thread itself reads no clock to account for its busy time.
    private let cpuClock = Atomic<Int32>(ThreadStats.unbound)
    private static let unbound = Int32.min

    /// The server's trace capture (sampled requests go there while it runs).
    let trace: TraceRecorder?

    /// The server's hazard lab switches (read by the hot path).
    let hazards: HazardSwitches

    /// This thread's bit in a session's "ran on" set (`Session.complete`):
    /// no other running thread has it while at most 64 run
    /// (`StatsRegistry.register` hands out the lowest free one); past 64,
    /// threads share bits. Either way the session table's count can read
    /// low, never high: past 64 threads, or when a thread retires and a new
    /// one takes its bit within one sampling interval (a mode switch) and
    /// the session ran on both.
    let runBit: UInt64

    init(id: Int, name: String, role: ThreadRole, mode: NotificationMode?, sampleEvery: Int = 0,
         trace: TraceRecorder? = nil, hazards: HazardSwitches = .off, runBit: UInt64? = nil) {
        self.runBit = runBit ?? 1 << UInt64(id & 63)
        self.hazards = hazards
        self.sampleEvery = sampleEvery
        self.trace = trace
        self.id = id
        self.name = name
        self.mode = mode
        self.role = role
        self.startedAtNanos = monotonicNanos()
        precondition(slots.count == Slot.count, "ThreadStats holds \(slots.count) counters; Slot.count is \(Slot.count)")
    }

    /// Adds `n` to a slot. Only the owning thread may call this.
    @inline(__always)
    func add(_ slot: Int, _ n: UInt64 = 1) {
        slots[slot].store(slots[slot].load(ordering: .relaxed) &+ n, ordering: .releasing)
    }

    @inline(__always)
    func value(_ slot: Int) -> UInt64 { slots[slot].load(ordering: .acquiring) }

    @inline(__always)
    static func opSlot(_ base: Int, _ op: OpKind, _ mode: NotificationMode) -> Int {
        base + op.index * 3 + mode.index
    }

    @inline(__always)
    func countPosted(_ op: OpKind, _ mode: NotificationMode) { add(Self.opSlot(Slot.posted, op, mode)) }
    @inline(__always)
    package func countCompleted(_ op: OpKind, _ mode: NotificationMode) { add(Self.opSlot(Slot.completed, op, mode)) }
    @inline(__always)
    func countDelivered(_ op: OpKind, _ mode: NotificationMode) {
        add(Self.opSlot(Slot.delivered, op, mode))
        add(Slot.handled)
    }

    /// Records one sampled request's stages. Only the owning thread calls this.
    func record(_ stamps: LatencyStamps) {
        latency.withLock { $0.record(stamps) }
        if let trace, trace.isActive { trace.add(stamps) }
    }

    var alive: Bool { isAlive.load(ordering: .acquiring) }

    /// Makes the calling thread the one whose CPU time this block reports.
    /// Called first thing by each long-lived I/O thread.
    func bindCPUClock() {
        var clock = clockid_t()
        if pthread_getcpuclockid(pthread_self(), &clock) == 0 { cpuClock.store(clock, ordering: .releasing) }
    }

    /// CPU time the thread has used, in nanoseconds: time it ran, not time it
    /// was preempted or asleep, as `top -H` counts it (busy share is this
    /// over wall time), less the time it lent to another row (`lend`).
    /// After retirement, the figure it had then. A row that is not a thread
    /// of its own (port mode's visits) reports the time added to it.
    var cpuNanos: UInt64 {
        let clock = cpuClock.load(ordering: .acquiring)
        var ts = timespec()
        if clock != Self.unbound && clock_gettime(clock, &ts) == 0 {
            let own = UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
            let lent = value(Slot.lentNanos)
            return own > lent ? own - lent : 0
        }
        return value(Slot.busyNanos)  // retired (or never bound): the final figure
    }

    /// `nanos` of this thread's time went to `row`'s work: counted there, not
    /// here. Only the owning thread calls this (it owns `row` too).
    func lend(_ nanos: UInt64, to row: ThreadStats) {
        add(Slot.lentNanos, nanos)
        row.add(Slot.busyNanos, nanos)
    }

    /// Marks the thread retired, keeping its CPU time (the clock dies with the thread).
    func retire() {
        if cpuClock.load(ordering: .acquiring) != Self.unbound {
            let final = cpuNanos
            add(Slot.busyNanos, final &- value(Slot.busyNanos))
            cpuClock.store(Self.unbound, ordering: .releasing)
        }
        isAlive.store(false, ordering: .releasing)
    }

    func row() -> ThreadRow {
        var row = ThreadRow(id: id, name: name, role: role, mode: mode, completions: value(Slot.handled),
                            busyNanos: cpuNanos, startedAtNanos: startedAtNanos, alive: alive)
        row.waits = value(Slot.waits)
        row.submitted = value(Slot.submitted)
        row.inlineRuns = value(Slot.inlineRuns)
        row.reaped = (Slot.completed..<Slot.delivered).reduce(0) { $0 &+ value($1) }
        return row
    }
}
