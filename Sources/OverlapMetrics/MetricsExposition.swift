import OverlapModel
import Prometheus

/// Turns stats snapshots into the Prometheus text exposition (DESIGN.md §4).
///
/// Counters and gauges are read fresh at every scrape; windowed figures
/// (`overlap_thread_busy_ratio`) come from the server's own sampler, so any
/// number of scrapers, at any interval, read the same window's value instead
/// of shortening each other's (for your own windows, `rate()` over
/// `overlap_thread_cpu_seconds_total`). Each scrape fills a fresh registry:
/// nothing is pushed from the per-completion path, and threads that retired
/// leave no stale series.
public final class MetricsExposition: Sendable {
    private let control: ServerControl

    public init(control: ServerControl) {
        self.control = control
    }

    public func render() -> String {
        Self.render(control.snapshot(sessions: false), window: control.latestSample())
    }

    /// The exposition of `s`, with the busy ratio of `window` (the sampler's
    /// latest sample; a thread not in it yet gets no ratio until the next).
    public static func render(_ s: StatsSnapshot, window: Sample) -> String {
        let r = PrometheusCollectorRegistry()
        func gauge(_ name: String, _ help: String, _ labels: [(String, String)] = [], _ v: Double) {
            r.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
                .set(to: v)
        }
        func counter(_ name: String, _ help: String, _ labels: [(String, String)] = [], _ v: UInt64) {
            r.makeCounter(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
                .increment(by: Int64(clamping: v))
        }
        func counterSeconds(_ name: String, _ help: String, _ labels: [(String, String)], _ v: Double) {
            r.makeCounter(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
                .increment(by: v)
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
            gauge("overlap_completion_queue_peak",
                  "Deepest sampled completion-queue depth over the server's last queued_peak window (60 s of samples), by mode.",
                  [("mode", m.rawValue)], Double(window.snapshot.queuedPeak[m.index]))
            gauge("overlap_mode", "1 for the mode new requests are posted in, else 0.", [("mode", m.rawValue)],
                  s.mode == m ? 1 : 0)
        }
        let rates = window.rates
        for t in s.threads {
            counter("overlap_completions_total", "Completions handled, by thread.", [("thread", t.name)],
                    t.completions)
            let role = roleName(t.role)
            switch t.role {
            case .apcThread:
                counter("overlap_alertable_waits_total",
                        "Alertable waits an APC thread entered (SleepEx / WaitForMultipleObjectsEx); completions over this is routines per wait.",
                        [("thread", t.name)], t.waits)
            case .eventWaiter:
                counter("overlap_event_wakes_total",
                        "Times an event waiter's WSAWaitForMultipleEvents returned; completions over this is events harvested per wake.",
                        [("thread", t.name)], t.waits)
            default:
                break
            }
            counterSeconds("overlap_thread_cpu_seconds_total",
                           "CPU time the thread has used, in seconds (rate() of it is the busy ratio over your own window).",
                           [("thread", t.name), ("role", role)], Double(t.busyNanos) / 1e9)
            if let busy = rates.busyShare[t.id], rates.seconds > 0 {
                gauge("overlap_thread_busy_ratio",
                      "Share of wall time the thread ran on a CPU, over the server's last sampling window (overlap_sample_window_seconds).",
                      [("thread", t.name), ("role", role)], busy)
            }
        }
        gauge("overlap_sample_window_seconds",
              "Length of the sampling window the busy ratio covers (the server's --refresh-ms, as last sampled).", [],
              rates.seconds)
        counter("overlap_bytes_received_total", "Bytes received from peers.", [], s.bytesReceived)
        counter("overlap_bytes_sent_total", "Bytes echoed back to peers.", [], s.bytesSent)
        counter("overlap_receives_total",
                "Receive completions that carried data (not messages: TCP is a byte stream, one receive may hold part of a message or several).",
                [], s.receives)
        counter("overlap_sessions_accepted_total", "Connections accepted.", [], s.accepted)
        for reason in CloseReason.allCases {
            counter("overlap_sessions_closed_total", "Sessions closed, by reason.", [("reason", reason.rawValue)],
                    s.closed(by: reason))
        }
        counter("overlap_sessions_refused_total", "Connections refused (--max-sessions or out of descriptors).", [],
                s.refused)
        counter("overlap_mode_switches_total", "Mode switches since start.", [], s.modeSwitches)
        gauge("overlap_ring_depth", "Completions left in io_uring's completion queue after the engine's last reap (0 on epoll: no completion ring).", [],
              Double(s.ringDepth))
        counter("overlap_ring_overflow_total", "Completions the kernel held back because the ring was full.", [],
                s.ringOverflow)
        counter("overlap_buffer_waits_total", "Receives that found no free buffer and waited for one.", [],
                s.bufferWaits)
        for h in HazardKind.allCases {
            gauge("overlap_hazard_active", "1 while the hazard lab has this hazard switched on (serve --hazard, key l), else 0.",
                  [("hazard", h.rawValue)], s.hazards.isOn(h) ? 1 : 0)
        }
        let raised = Set(window.snapshot.lints.map(\.kind))
        for l in LintKind.allCases {
            gauge("overlap_lint_active", "1 while this lint is raised (it held for 2 s; it clears after 5 s of not holding), else 0.",
                  [("lint", l.rawValue)], raised.contains(l) ? 1 : 0)
        }
        return r.emitToString() + LatencyExposition.text(window.snapshot.latency)
    }

    static func roleName(_ role: ThreadRole) -> String {
        switch role {
        case .engine: "engine"
        case .portWorker, .portVisits: "port_worker"
        case .eventWaiter: "event_waiter"
        case .apcThread: "apc_thread"
        case .control: "control"
        }
    }
}
