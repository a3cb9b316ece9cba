import OverlapModel
import OverlapSystem
import Synchronization

/// The server's own sampler: one snapshot every interval, on its own thread.
///
/// Every windowed figure (rates, busy share) is computed over the window
/// between two of its samples, so the dashboard, the headless line, any
/// number of metrics scrapers and later readers all see the same window
/// instead of each making its own (DESIGN §7 clarifications: "a sample").
/// The snapshot function runs on the sampler thread only; `latest` may be
/// read from any thread.
final class Sampler: Sendable {
    private struct State {
        var latest: Sample
        var intervalNanos: UInt64
        var stopping = false
    }

    private let state: Locked<State>
    private let take: @Sendable () -> StatsSnapshot
    private let wakeup = Wakeup()
    private let thread = Locked<OSThread?>(nil)
    /// Written only by the sampler thread (and `start`, before it exists).
    nonisolated(unsafe) private var peaks: QueuePeaks
    /// How far back a sample's `queuedPeak` looks.
    static let peakWindowNanos: UInt64 = 60_000_000_000

    /// Written only by the sampler thread (and `start`, before it exists).
    nonisolated(unsafe) private var latency: LatencyCollector
    private let registry: StatsRegistry?
    /// Written only by the sampler thread (and `start`, before it exists).
    nonisolated(unsafe) private var lintEngine = LintEngine()
    /// Written only by the sampler thread (and `start`, before it exists).
    nonisolated(unsafe) private var stall = QueueStallWatch()
    /// How often the sampler looks at the queue between samples: half the
    /// time a stall must be seen to last to raise `queue_growing`.
    static let watchNanos: UInt64 = LintEngine.queueWaitNanos / 2
    private let lints: (@Sendable (LintEngine.Change) -> Void)?

    /// - Parameters:
    ///   - intervalMs: milliseconds between samples (clamped to `RefreshInterval.range`).
    ///   - registry: where each sample collects the threads' latency
    ///     histograms (nil: samples carry no latency figures).
    ///   - take: reads one snapshot; called on the sampler thread (and once here, for the first sample).
    ///   - lints: told of the lints each sample raises and clears (the
    ///     samples carry the raised ones); nil: no lints.
    init(intervalMs: Int, registry: StatsRegistry? = nil, lints: (@Sendable (LintEngine.Change) -> Void)? = nil,
         take: @escaping @Sendable () -> StatsSnapshot) {
        self.take = take
        self.lints = lints
        self.registry = registry
        latency = LatencyCollector(sampleEvery: registry?.sampleEvery ?? 0)
        peaks = QueuePeaks(windowNanos: Self.peakWindowNanos)
        state = Locked(State(latest: Sample(first: take()),
                             intervalNanos: UInt64(RefreshInterval.clamp(intervalMs)) * 1_000_000))
    }

    /// One snapshot with its windowed peaks.
    private func sample() -> StatsSnapshot {
        var s = take()
        s.queueStallNanos = stall.takeLongest()
        s.queuedPeak = peaks.add(s.queued, at: s.takenAtNanos)
        s.queuedPeakWindowSeconds = Double(peaks.windowNanos) / 1e9
        if let registry {
            let (figures, notifyP99) = latency.collect(live: registry.writable, retired: registry.takeRetiredForLatency())
            s.latency = figures
            for i in s.threads.indices { s.threads[i].notifyP99Nanos = notifyP99[s.threads[i].id] }
        }
        if let lints {
            let change = lintEngine.update(s, previous: state.withLock { $0.latest.snapshot })
            s.lints = lintEngine.active
            if !change.raised.isEmpty || !change.cleared.isEmpty { lints(change) }
        }
        return s
    }

    private func look(_ registry: StatsRegistry, at now: UInt64) {
        let (queued, delivered) = registry.queueTotals
        stall.look(queued: queued, delivered: delivered, at: now,
                   engineVisitSince: registry.engineVisitSince.load(ordering: .relaxed))
    }

    /// Takes the first sample of the run and starts the thread. Call once.
    func start() {
        precondition(thread.withLock { $0 == nil }, "the sampler starts once")
        let first = sample()
        state.withLock { $0.latest = Sample(first: first) }
        thread.withLock { $0 = OSThread(name: "sampler") { [self] in run() } }
    }

    /// Stops and joins the thread (no-op if it never started).
    func stop() {
        state.withLock { $0.stopping = true }
        wakeup.signal()
        thread.withLock { t in
            t?.join()
            t = nil
        }
    }

    var latest: Sample { state.withLock { $0.latest } }

    var intervalMs: Int { Int(state.withLock { $0.intervalNanos } / 1_000_000) }

    /// Changes the interval; the sampler thread starts its next wait over.
    func setInterval(ms: Int) {
        state.withLock { $0.intervalNanos = UInt64(RefreshInterval.clamp(ms)) * 1_000_000 }
        wakeup.signal()
    }

    private func run() {
        // Samples are due at fixed times (last due + interval), so the
        // windows do not drift with the time a snapshot takes.
        var due = monotonicNanos()
        // The queue watch's looks keep their own 50 ms grid, whatever the
        // interval, so the gaps between looks are even (QueueStallWatch).
        var nextLook = due + Self.watchNanos
        while true {
            let (interval, stopping) = state.withLock { ($0.intervalNanos, $0.stopping) }
            if stopping { return }
            due += interval
            var now = monotonicNanos()
            if due <= now {
                due = now  // fell behind by more than an interval: start again from now
            }
            var woken = false
            while now < due {
                if now >= nextLook {
                    if let registry { look(registry, at: now) }
                    nextLook += Self.watchNanos
                    if nextLook <= now { nextLook = now + Self.watchNanos }  // fell behind: back on a grid from now
                }
                // Both are later than now here: due by the loop, nextLook just above.
                if wakeup.wait(timeoutNanos: min(due, nextLook) - now) {
                    woken = true
                    break
                }
                now = monotonicNanos()
            }
            if woken {
                // Woken early: stopped, or the interval changed. Drop a signal
                // left over from an earlier change, then re-plan from now.
                due = monotonicNanos()
                continue
            }
            let snapshot = sample()
            state.withLock { $0.latest = $0.latest.followed(by: snapshot) }
        }
    }
}
