import OverlapModel

/// The latency histograms of DESIGN §7 in Prometheus text format:
/// `overlap_notify_delay_seconds{mode}`, `overlap_handler_duration_seconds{mode}`
/// and `overlap_kernel_duration_seconds{op}`, buckets from 1 µs to 1 s,
/// cumulative since the server started (as of its latest sample).
///
/// Written here rather than through swift-prometheus: its histograms only
/// take observations one by one, and these arrive already counted into
/// buckets by the server's sampler (from per-thread HDR histograms).
enum LatencyExposition {
    static func text(_ latency: LatencyFigures?) -> String {
        guard let l = latency else { return "" }
        var out = ""
        histogram(&out, "overlap_notify_delay_seconds",
                  "Notification delay of sampled requests: completed by the kernel or engine until its handler starts, by mode.",
                  label: "mode", NotificationMode.allCases.map { ($0.rawValue, l.notify[$0.index]) })
        histogram(&out, "overlap_handler_duration_seconds",
                  "Time sampled requests' completion handlers ran, by mode.",
                  label: "mode", NotificationMode.allCases.map { ($0.rawValue, l.handler[$0.index]) })
        histogram(&out, "overlap_kernel_duration_seconds",
                  "Sampled requests from post until the kernel or the epoll engine completed them (with the engine's submit hand-off), by operation.",
                  label: "op", OpKind.allCases.map { ($0.rawValue, l.kernel[$0.index]) })
        return out
    }

    private static func histogram(_ out: inout String, _ name: String, _ help: String, label: String,
                                  _ series: [(String, LatencyStage)]) {
        out += "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
        for (value, stage) in series {
            for (bound, count) in zip(LatencyFigures.bucketBoundsNanos, stage.cumulativeBuckets) {
                out += "\(name)_bucket{\(label)=\"\(value)\",le=\"\(seconds(bound))\"} \(count)\n"
            }
            out += "\(name)_bucket{\(label)=\"\(value)\",le=\"+Inf\"} \(stage.totalCount)\n"
            out += "\(name)_sum{\(label)=\"\(value)\"} \(Double(stage.totalSumNanos) / 1e9)\n"
            out += "\(name)_count{\(label)=\"\(value)\"} \(stage.totalCount)\n"
        }
    }

    /// Nanoseconds as seconds, e.g. 2500 -> "2.5e-06".
    private static func seconds(_ ns: UInt64) -> String { "\(Double(ns) / 1e9)" }
}
