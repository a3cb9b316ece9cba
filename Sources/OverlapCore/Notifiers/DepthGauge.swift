import Synchronization

/// Completions queued in one mode's notifier and not yet taken by a thread,
/// and the most there have been. Counted per batch, not per completion.
final class DepthGauge: Sendable {
    private let depth = Atomic<Int64>(0)
    private let peakDepth = Atomic<Int64>(0)

    func added(_ n: Int) {
        let now = depth.wrappingAdd(Int64(n), ordering: .relaxed).newValue
        _ = peakDepth.max(now, ordering: .relaxed)
    }

    func removed(_ n: Int) { depth.wrappingSubtract(Int64(n), ordering: .relaxed) }

    var peak: Int64 { peakDepth.load(ordering: .relaxed) }
}
