import OverlapModel

/// The deepest sampled completion queue of each mode over a sliding window
/// of samples: "now" and "peak" come from the same counters, read by the
/// same samples, so a peak is never below the depth shown beside it.
///
/// A burst that comes and goes between two samples is not seen: the window
/// holds sampled depths, not a gauge on the per-completion path (which
/// would cost two shared atomics per batch). Owned by the sampler thread.
struct QueuePeaks {
    /// How far back the peak looks, in nanoseconds.
    let windowNanos: UInt64
    private var samples: [(at: UInt64, queued: [Int64])] = []

    init(windowNanos: UInt64) {
        self.windowNanos = windowNanos
    }

    /// Adds the depths sampled at `at` and returns the peak of each mode
    /// (`[mode.index]`) over the samples of the last `windowNanos`.
    mutating func add(_ queued: [Int64], at: UInt64) -> [Int64] {
        samples.append((at, queued))
        let cutoff = at > windowNanos ? at - windowNanos : 0
        if let keep = samples.firstIndex(where: { $0.at >= cutoff }), keep > 0 { samples.removeFirst(keep) }
        var peak = queued
        for s in samples {
            for i in peak.indices { peak[i] = max(peak[i], s.queued[i]) }
        }
        return peak
    }
}
