import OverlapModel
import Synchronization

/// The mode new requests are posted in, shared by the router and the
/// notifiers (which ask it whether their mode has drained and may retire).
final class ModeState: Sendable {
    private let code: Atomic<Int>
    let registry: StatsRegistry

    init(_ mode: NotificationMode, registry: StatsRegistry) {
        code = Atomic(mode.index)
        self.registry = registry
    }

    var current: NotificationMode {
        NotificationMode.allCases[code.load(ordering: .acquiring)]
    }

    func set(_ mode: NotificationMode) { code.store(mode.index, ordering: .releasing) }

    /// True when `mode` is no longer the current one and every request posted
    /// in it has been delivered: its threads have nothing left to do.
    func drained(_ mode: NotificationMode) -> Bool {
        current != mode && registry.outstanding(mode) == 0
    }
}
