import DequeModule
import OverlapModel
import OverlapSystem
import Synchronization

/// Every thread's counter block while it runs, and one accumulator for the
/// threads that retired: a retiring thread's counts are folded into it, so
/// totals never go backwards and reading them does not grow with the number
/// of threads that ever ran (each mode switch retires some).
///
/// Blocks are written by their threads without any lock; the registry's
/// lock guards the list and the accumulator, and a reader holds it while it
/// sums (`withView`), so a fold is never seen half-done or twice.
package final class StatsRegistry: Sendable {
    private struct State {
        var live: [ThreadStats] = []
        /// Blocks off the threads panel whose writer may still count into
        /// them (`park`): summed live, never folded early.
        var parked: [ThreadStats] = []
        var folded = [UInt64](repeating: 0, count: ThreadStats.Slot.count)
        /// The last rows of retired threads (`retiredRows`), oldest first.
        var retiredRows = Deque<ThreadRow>()
        /// Retired threads whose latency the sampler has not collected yet.
        var latencyLeft: [ThreadStats] = []
        /// `ThreadStats.runBit`s held by live and parked blocks.
        var runBits: UInt64 = 0
    }
    private let state = Locked(State())
    private let nextID = Atomic<Int>(0)
    /// Given to every thread registered: one request in this many it posts
    /// is stamped for latency (0: none).
    let sampleEvery: Int

    /// Where sampled requests go while a trace capture runs.
    let trace: TraceRecorder
    /// The hazard lab's switches, given to every thread registered.
    let hazards = HazardSwitches()
    /// When the io_uring engine thread entered the port visit it is in
    /// (monotonic ns; 0: in none). It reaps nothing meanwhile: completions
    /// wait in the kernel, where no queue count sees them, so the sampler's
    /// queue watch reads a long visit as a stall. Written by the engine
    /// thread, read by the sampler. One value for the server: there is one
    /// engine thread.
    let engineVisitSince = Atomic<UInt64>(0)

    /// - Parameters:
    ///   - sampleEvery: one request in this many is stamped (0: none).
    ///   - origin: monotonic ns traces count their timestamps from.
    /// Where the notifiers say what their threads and groups do (nil: nowhere).
    let events: EventLog?

    package init(sampleEvery: Int = 0, origin: UInt64 = monotonicNanos(), events: EventLog? = nil) {
        self.events = events
        self.sampleEvery = sampleEvery
        trace = TraceRecorder(origin: origin)
    }

    /// The names of the running threads and of the recently retired ones, by id.
    var threadNames: [Int: String] {
        state.withLock { s in
            var names: [Int: String] = [:]
            for r in s.retiredRows { names[r.id] = r.name }
            for t in s.parked { names[t.id] = t.name }
            for t in s.live { names[t.id] = t.name }
            return names
        }
    }
    /// How many retired threads' rows are kept for `retiredRows`.
    static let retiredRowsKept = 256

    package func register(name: String, role: ThreadRole, mode: NotificationMode?) -> ThreadStats {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        return state.withLock { s in
            // The lowest bit no running thread holds (a thread id would alias
            // modulo 64 once a few mode switches have retired threads).
            let free = ~s.runBits
            let bit: UInt64 = free == 0 ? 1 << UInt64(id & 63) : 1 << UInt64(free.trailingZeroBitCount)
            s.runBits |= bit
            let stats = ThreadStats(id: id, name: name, role: role, mode: mode, sampleEvery: sampleEvery, trace: trace,
                                    hazards: hazards, runBit: bit)
            s.live.append(stats)
            return stats
        }
    }

    /// Takes a row off the live list while its writer may still count into
    /// it (port mode's visit row, written by the engine thread, hidden when
    /// the workers retire): its counts stay in every sum, read live, so a
    /// count made after this is not lost as a fold would lose it (its row:
    /// `parkedRows`). `unpark` shows it again; `retire` ends it.
    func park(_ stats: ThreadStats) {
        state.withLock { s in
            guard s.live.contains(where: { $0 === stats }) else { return }
            s.live.removeAll { $0 === stats }
            s.parked.append(stats)
        }
    }

    /// Every row, live, parked and retired (the last `retiredRowsKept`), read
    /// under one lock so that a row moving between the lists meanwhile is
    /// counted once. `excluding`: a block left out (the control context).
    func allRows(excluding: ThreadStats? = nil) -> [ThreadRow] {
        let (blocks, retired) = state.withLock { s in ((s.live + s.parked).filter { $0 !== excluding }, Array(s.retiredRows)) }
        return blocks.map { $0.row() } + retired
    }

    /// Live and parked blocks: every block a thread may still write.
    var writable: [ThreadStats] { state.withLock { $0.live + $0.parked } }

    /// The rows of parked blocks, as they are now.
    var parkedRows: [ThreadRow] { state.withLock { $0.parked }.map { $0.row() } }

    /// Puts a parked row back on the live list.
    func unpark(_ stats: ThreadStats) {
        state.withLock { s in
            guard s.parked.contains(where: { $0 === stats }) else { return }
            s.parked.removeAll { $0 === stats }
            s.live.append(stats)
        }
    }

    /// Called by a thread as its last act: keeps its final CPU time, folds
    /// its counters into the accumulator and drops its block.
    func retire(_ stats: ThreadStats) {
        stats.retire()
        let row = stats.row()
        state.withLock { s in
            for slot in 0..<ThreadStats.Slot.count { s.folded[slot] &+= stats.value(slot) }
            s.live.removeAll { $0 === stats }
            s.parked.removeAll { $0 === stats }
            // Free the bit unless another running block shares it (past 64 threads).
            if !(s.live + s.parked).contains(where: { $0.runBit == stats.runBit }) { s.runBits &= ~stats.runBit }
            s.latencyLeft.append(stats)
            s.retiredRows.append(row)
            if s.retiredRows.count > Self.retiredRowsKept { s.retiredRows.removeFirst() }
        }
    }

    /// Threads that retired since the last call, whose latency histograms
    /// may hold samples the sampler has not collected (the sampler only).
    func takeRetiredForLatency() -> [ThreadStats] {
        state.withLock { s in
            defer { s.latencyLeft.removeAll() }
            return s.latencyLeft
        }
    }

    /// The blocks of running threads.
    package var live: [ThreadStats] { state.withLock { $0.live } }

    /// The final rows of the most recently retired threads (`retiredRowsKept`).
    var retiredRows: [ThreadRow] { state.withLock { Array($0.retiredRows) } }

    /// Runs `body` with a consistent view of every count: no fold happens meanwhile.
    func withView<R>(_ body: (StatsView) -> R) -> R {
        state.withLock { s in body(StatsView(live: s.live, parked: s.parked, folded: s.folded)) }
    }

    /// Requests posted in `mode` whose completion has not been delivered yet.
    /// `requestCounts` reads delivered before posted, so the figure is never
    /// too low: zero means every request posted in that mode has been handled.
    func outstanding(_ mode: NotificationMode) -> Int64 {
        let c = withView { $0.requestCounts() }
        return c.posted.total(mode: mode) - c.delivered.total(mode: mode)
    }

    /// All requests by stage.
    package var requestCounts: RequestCounts { withView { $0.requestCounts() } }

    /// Completed-but-unhandled requests and handled ones, all kinds and
    /// modes: what the sampler's queue watch reads (two stages, not three).
    var queueTotals: (queued: Int64, delivered: UInt64) { withView { $0.queueTotals() } }
}

/// The counts of the running threads plus those folded from retired ones,
/// as `StatsRegistry.withView` shows them.
struct StatsView {
    let live: [ThreadStats]
    /// Off the panel, still counted (`StatsRegistry.park`).
    let parked: [ThreadStats]
    let folded: [UInt64]

    /// Sum of one slot over every thread that ever ran.
    func sum(_ slot: Int) -> UInt64 {
        parked.reduce(live.reduce(folded[slot]) { $0 &+ $1.value(slot) }) { $0 &+ $1.value(slot) }
    }

    /// One stage's counts (`ThreadStats.Slot.posted`, `.completed` or
    /// `.delivered`) by kind and mode.
    func stage(_ base: Int) -> OpModeCounts {
        var c = OpModeCounts()
        for op in OpKind.allCases {
            for m in NotificationMode.allCases { c[op, m] = Int64(bitPattern: sum(ThreadStats.opSlot(base, op, m))) }
        }
        return c
    }

    /// Queued (completed - delivered) and delivered, summed over kinds and
    /// modes; delivered is read first, so queued never reads negative.
    func queueTotals() -> (queued: Int64, delivered: UInt64) {
        let delivered = stage(ThreadStats.Slot.delivered).total
        return (stage(ThreadStats.Slot.completed).total - delivered, UInt64(delivered))
    }

    /// Requests by stage, for control. Later stages are read first: whatever
    /// was delivered was completed and whatever was completed was posted, so
    /// pending (posted - completed) and queued (completed - delivered) never
    /// read too low however the threads race the reader: zero means done.
    func requestCounts() -> RequestCounts {
        var c = RequestCounts()
        c.delivered = stage(ThreadStats.Slot.delivered)
        c.completed = stage(ThreadStats.Slot.completed)
        c.posted = stage(ThreadStats.Slot.posted)
        return c
    }

    /// Requests by stage, for the panels. Earlier stages are read first, so
    /// pending plus queued is never more than what was in flight when the
    /// reading began: no request is counted in two stages, and the figures
    /// add up to no more than the sessions' one operation each. The
    /// control order (`requestCounts`) would count each request posted
    /// during the reading twice: under load, more than the sessions. A
    /// difference a racing thread makes negative reads 0.
    func displayCounts() -> RequestCounts {
        var c = RequestCounts()
        c.posted = stage(ThreadStats.Slot.posted)
        c.completed = stage(ThreadStats.Slot.completed)
        c.delivered = stage(ThreadStats.Slot.delivered)
        return c
    }
}
