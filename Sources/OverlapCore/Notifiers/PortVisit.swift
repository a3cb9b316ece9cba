import OverlapModel
import Synchronization

/// An engine thread's place at the port, for the visits of
/// `PortNotifier.deliver`. Owned by that thread (but `row`); the arrays are
/// reused, not allocated per visit.
///
/// The visits count as a port worker of their own (`port-v`, role
/// `portVisits`): the handlers they run are counted on that row, with the
/// time they took, which the engine's row leaves out (`ThreadStats.lend`).
/// The row lives while the port has members, like the workers' rows.
final class PortVisit: @unchecked Sendable {
    static let rowName = "port-v"
    let worker: CompletionPort<Overlapped>.Worker
    /// The visits' row: registered when the port's workers first start,
    /// parked and shown again with them, retired with the engine thread
    /// (`PortNotifier.openRow`, `parkRow`, `retireRow`); any thread.
    let row = Locked<ThreadStats?>(nil)
    /// Whether the row is on the panel (the port has workers); while it is
    /// parked the engine thread makes no new visits.
    let shown = Atomic<Bool>(false)
    /// Bumped whenever `row` or `shown` changes: the engine thread takes the lock only then.
    let rowVersion = Atomic<Int>(0)
    /// The engine thread's context for the current row: the engine thread
    /// running handlers, counting into the row.
    private var context: IOThread?
    private var contextVersion = -1
    /// True while the thread runs port completions: what its handlers
    /// complete at once meanwhile waits in `deferred`.
    var active = false
    var batch: [Overlapped?] = []
    var deferred: [Overlapped] = []
    var posting: [Overlapped] = []

    init(engineThreadName: String) {
        worker = CompletionPort<Overlapped>.Worker(name: engineThreadName)
    }

    /// The context to run this visit's handlers in, or nil while the port
    /// has no members (no row). Call on the engine thread.
    @inline(__always)
    func currentContext() -> IOThread? {
        let version = rowVersion.load(ordering: .acquiring)
        if version == contextVersion { return context }
        contextVersion = version
        guard let stats = row.withLock({ $0 }), shown.load(ordering: .acquiring) else {
            context = nil
            return nil
        }
        if let context, context.stats === stats { return context }
        let fresh = IOThread(stats: stats)
        // What its handlers complete at once comes back to the visit, as on the engine.
        fresh.notifierState[NotificationMode.port.index] = self
        context = fresh
        return fresh
    }
}
