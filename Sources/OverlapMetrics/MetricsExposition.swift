import OverlapModel
import Prometheus
import Synchronization

/// Turns stats snapshots into the Prometheus text exposition (DESIGN.md §4).
///
/// Every scrape reads a fresh snapshot and fills a fresh registry, so values
/// are exact at scrape time, nothing is pushed from the per-completion path,
/// threads that retired leave no stale series, and concurrent scrapers share
/// nothing but the previous snapshot (kept for the busy ratio's interval).
public final class MetricsExposition: Sendable {
    private let control: ServerControl
    private let previous: Mutex<StatsSnapshot?>

    public init(control: ServerControl) {
        self.control = control
        previous = Mutex(nil)
    }

    public func render() -> String {
        let now = control.snapshot(sessions: false)
        let before = previous.withLock { p in
            defer { if (p?.takenAtNanos ?? 0) < now.takenAtNanos { p = now } }
            return p
        }
        return Self.render(now, since: before)
    }

    /// The exposition of `s`; the busy ratio covers the time since `before`
    /// (or each thread's whole life on the first scrape).
    public static func render(_ s: StatsSnapshot, since before: StatsSnapshot?) -> String {
        let r = PrometheusCollectorRegistry()
        func gauge(_ name: String, _ help: String, _ labels: [(String, String)] = [], _ v: Double) {
            r.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
                .set(to: v)
        }
        func counter(_ name: String, _ help: String, _ labels: [(String, String)] = [], _ v: UInt64) {
            r.makeCounter(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
                .increment(by: Int64(clamping: v))
        }
        gauge("overlap_sessions", "Sessions open now.", [], Double(s.sessions))
        for op in OpKind.allCases {
            for m in NotificationMode.allCases {
                gauge("overlap_pending_operations", "Requests posted and not yet completed, by operation and mode.",
                      [("op", op.rawValue), ("mode", m.rawValue)], Double(s.pending[op, m]))
            }
        }
        for m in NotificationMode.allCases {
            gauge("overlap_completion_queue_depth", "Completions queued and not yet handled, by mode.",
                  [("mode", m.rawValue)], Double(s.queued[m.index]))
            gauge("overlap_completion_queue_peak", "Deepest the completion queue has been, by mode.",
                  [("mode", m.rawValue)], Double(s.queuedPeak[m.index]))
            gauge("overlap_mode", "1 for the mode new requests are posted in, else 0.", [("mode", m.rawValue)],
                  s.mode == m ? 1 : 0)
        }
        let rates = before.map { SnapshotRates(from: $0, to: s) }
        for t in s.threads {
            counter("overlap_completions_total", "Completions handled, by thread.", [("thread", t.name)],
                    t.completions)
            let busy: Double
            if let rates, let b = rates.busyShare[t.id], rates.seconds > 0 {
                busy = b
            } else {
                let life = s.takenAtNanos > t.startedAtNanos ? Double(s.takenAtNanos - t.startedAtNanos) : 0
                busy = life > 0 ? min(1, Double(t.busyNanos) / life) : 0
            }
            gauge("overlap_thread_busy_ratio", "Share of wall time the thread ran on a CPU since the previous scrape.",
                  [("thread", t.name), ("role", roleName(t.role))], busy)
        }
        counter("overlap_bytes_received_total", "Bytes received from peers.", [], s.bytesReceived)
        counter("overlap_bytes_sent_total", "Bytes echoed back to peers.", [], s.bytesSent)
        counter("overlap_messages_received_total", "Non-empty receive completions.", [], s.messagesReceived)
        counter("overlap_sessions_accepted_total", "Connections accepted.", [], s.accepted)
        for reason in CloseReason.allCases {
            counter("overlap_sessions_closed_total", "Sessions closed, by reason.", [("reason", reason.rawValue)],
                    s.closed(by: reason))
        }
        counter("overlap_sessions_refused_total", "Connections refused (--max-sessions or out of descriptors).", [],
                s.refused)
        counter("overlap_mode_switches_total", "Mode switches since start.", [], s.modeSwitches)
        gauge("overlap_ring_depth", "Completions reaped from the kernel and not yet handed to a notifier.", [],
              Double(s.ringDepth))
        counter("overlap_ring_overflow_total", "Completions the kernel held back because the ring was full.", [],
                s.ringOverflow)
        counter("overlap_buffer_waits_total", "Receives that found no free buffer and waited for one.", [],
                s.bufferWaits)
        return r.emitToString()
    }

    static func roleName(_ role: ThreadRole) -> String {
        switch role {
        case .engine: "engine"
        case .portWorker: "port_worker"
        case .eventWaiter: "event_waiter"
        case .apcThread: "apc_thread"
        case .control: "control"
        }
    }
}
