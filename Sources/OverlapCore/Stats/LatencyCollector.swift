import Histogram
import OverlapModel

/// Gathers every thread's latency histograms once per sample: merges them
/// into the window's histograms (percentiles over the sampler's window, as
/// every other windowed figure) and into cumulative ones (a Prometheus
/// histogram since start), and resets the threads' own. Owned by the sampler
/// thread; the only other lock it takes is each thread's latency lock, for
/// the moment its histograms are added and reset.
struct LatencyCollector {
    let sampleEvery: Int
    private var window = Stages()
    private var total = Stages()

    /// notify and handler by mode, kernel by op; exact sums beside them.
    private struct Stages {
        var notify = NotificationMode.allCases.map { _ in ThreadLatency.histogram() }
        var handler = NotificationMode.allCases.map { _ in ThreadLatency.histogram() }
        var kernel = OpKind.allCases.map { _ in ThreadLatency.histogram() }
        var notifySum = [UInt64](repeating: 0, count: NotificationMode.allCases.count)
        var handlerSum = [UInt64](repeating: 0, count: NotificationMode.allCases.count)
        var kernelSum = [UInt64](repeating: 0, count: OpKind.allCases.count)

        mutating func add(_ t: ThreadLatency) {
            for i in notify.indices {
                if let h = t.notify[i] { notify[i].add(h) }
                if let h = t.handler[i] { handler[i].add(h) }
                notifySum[i] &+= t.notifySum[i]
                handlerSum[i] &+= t.handlerSum[i]
            }
            for i in kernel.indices {
                if let h = t.kernel[i] { kernel[i].add(h) }
                kernelSum[i] &+= t.kernelSum[i]
            }
        }

        mutating func add(_ other: Stages) {
            for i in 0..<3 {
                notify[i].add(other.notify[i])
                handler[i].add(other.handler[i])
                kernel[i].add(other.kernel[i])
                notifySum[i] &+= other.notifySum[i]
                handlerSum[i] &+= other.handlerSum[i]
                kernelSum[i] &+= other.kernelSum[i]
            }
        }

        mutating func reset() {
            for i in 0..<3 {
                notify[i].reset()
                handler[i].reset()
                kernel[i].reset()
            }
            notifySum = [0, 0, 0]
            handlerSum = [0, 0, 0]
            kernelSum = [0, 0, 0]
        }
    }

    init(sampleEvery: Int) {
        self.sampleEvery = sampleEvery
    }

    /// Collects from `live` threads and from `retired` ones (their last
    /// samples). Returns the figures and each live thread's notify p99 over
    /// the window, by thread id.
    mutating func collect(live: [ThreadStats], retired: [ThreadStats]) -> (LatencyFigures, [Int: UInt64]) {
        window.reset()
        var perThread: [Int: UInt64] = [:]
        var scratch = ThreadLatency.histogram()
        for t in live + retired {
            t.latency.withLock { l in
                window.add(l)
                scratch.reset()
                for h in l.notify { if let h { scratch.add(h) } }
                if scratch.totalCount > 0 { perThread[t.id] = scratch.valueAtPercentile(99) }
                l.reset()
            }
        }
        total.add(window)
        func stage(_ w: Histogram<UInt64>, _ t: Histogram<UInt64>, _ sum: UInt64) -> LatencyStage {
            let has = w.totalCount > 0
            return LatencyStage(
                windowCount: w.totalCount, p50Nanos: has ? w.valueAtPercentile(50) : 0,
                p99Nanos: has ? w.valueAtPercentile(99) : 0, maxNanos: has ? w.max : 0,
                totalCount: t.totalCount, totalSumNanos: sum,
                cumulativeBuckets: LatencyFigures.bucketBoundsNanos.map { t.totalCount > 0 ? t.count(within: 0...$0) : 0 })
        }
        let figures = LatencyFigures(
            sampleEvery: sampleEvery,
            notify: total.notify.indices.map { stage(window.notify[$0], total.notify[$0], total.notifySum[$0]) },
            handler: total.handler.indices.map { stage(window.handler[$0], total.handler[$0], total.handlerSum[$0]) },
            kernel: total.kernel.indices.map { stage(window.kernel[$0], total.kernel[$0], total.kernelSum[$0]) })
        return (figures, perThread)
    }
}
