import Histogram
import OverlapModel

/// One thread's latency histograms since the sampler last collected them:
/// notify and handler by mode, kernel by operation. Written by the thread
/// that ran the sampled handlers (under its own lock: sampled requests
/// only, so an uncontended lock per N requests), read and reset by the
/// sampler (`LatencyCollector`). A histogram exists once it has a value.
struct ThreadLatency {
    var notify = [Histogram<UInt64>?](repeating: nil, count: NotificationMode.allCases.count)
    var handler = [Histogram<UInt64>?](repeating: nil, count: NotificationMode.allCases.count)
    var kernel = [Histogram<UInt64>?](repeating: nil, count: OpKind.allCases.count)
    /// Exact sums (ns) of what the histograms hold, for Prometheus' `_sum`.
    var notifySum = [UInt64](repeating: 0, count: NotificationMode.allCases.count)
    var handlerSum = [UInt64](repeating: 0, count: NotificationMode.allCases.count)
    var kernelSum = [UInt64](repeating: 0, count: OpKind.allCases.count)

    /// Nanoseconds, 1 ns to 100 s, two significant digits (1% steps): about
    /// 30 KiB each.
    static func histogram() -> Histogram<UInt64> {
        Histogram(lowestDiscernibleValue: 1, highestTrackableValue: 100_000_000_000, numberOfSignificantValueDigits: .two)
    }

    mutating func record(_ s: LatencyStamps) {
        Self.add(s.notify, to: &notify[s.mode.index], sum: &notifySum[s.mode.index])
        Self.add(s.handler, to: &handler[s.mode.index], sum: &handlerSum[s.mode.index])
        Self.add(s.kernel, to: &kernel[s.op.index], sum: &kernelSum[s.op.index])
    }

    private static func add(_ v: UInt64, to h: inout Histogram<UInt64>?, sum: inout UInt64) {
        if h == nil { h = histogram() }
        _ = h!.record(min(v, 100_000_000_000))
        sum &+= v
    }

    /// Empties every histogram, keeping its memory.
    mutating func reset() {
        for i in 0..<3 {
            notify[i]?.reset()
            handler[i]?.reset()
            kernel[i]?.reset()
        }
        notifySum = [0, 0, 0]
        handlerSum = [0, 0, 0]
        kernelSum = [0, 0, 0]
    }
}
