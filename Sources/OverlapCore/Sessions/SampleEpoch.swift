import Synchronization

/// The number of the sampling interval now running, which each session
/// compares with its own to count the threads that ran its handlers in the
/// interval (the sessions table's `ran on`). The sampler advances it each
/// time it reads the session rows; sessions read it once per completion
/// (one relaxed load of a line that changes once an interval).
final class SampleEpoch: Sendable {
    private let value = Atomic<UInt64>(0)

    /// The interval now running. Any thread.
    var current: UInt64 { value.load(ordering: .relaxed) }

    /// Starts the next interval: called right after the session rows of the
    /// one that ended were read.
    func advance() { value.add(1, ordering: .relaxed) }
}
