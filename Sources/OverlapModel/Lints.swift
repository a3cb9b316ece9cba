/// A model failure the server can see in its own samples (DESIGN §7,
/// "Lints"). The raw value is the `lint` label of `overlap_lint_active`.
public enum LintKind: String, CaseIterable, Sendable, Codable {
    case apcImbalance = "apc_imbalance"
    case eventStarvation = "event_starvation"
    case queueGrowing = "queue_growing"
    case overConcurrency = "over_concurrency"
    case bufferStarved = "buffer_starved"
    case peerNotReading = "peer_not_reading"
    case slowHandler = "slow_handler"
}

/// A lint that is raised: what is wrong, the Windows concept behind it and
/// what to try, in one line.
public struct Lint: Sendable, Equatable, Codable {
    public var kind: LintKind
    /// The line in English (the events log, `/metrics` readers, JSON).
    public var message: String
    /// The same line as a phrase and its figures, for the dashboard's
    /// language (nil: a lint that has only its English text). Not encoded:
    /// the stats JSON keeps the English line only.
    public var phrasing: Phrasing? = nil
    /// When it was raised (monotonic ns, the samples' clock).
    public var sinceNanos: UInt64

    private enum CodingKeys: String, CodingKey { case kind, message, sinceNanos }

    public init(kind: LintKind, message: String, sinceNanos: UInt64) {
        self.kind = kind
        self.message = message
        self.phrasing = nil
        self.sinceNanos = sinceNanos
    }

    public init(kind: LintKind, phrasing: Phrasing, sinceNanos: UInt64) {
        self.kind = kind
        self.message = phrasing.text(.en)
        self.phrasing = phrasing
        self.sinceNanos = sinceNanos
    }

    /// The line in `language`.
    public func text(_ language: Language) -> String { phrasing?.text(language) ?? message }
}

/// Raises and clears lints from consecutive samples: a condition must hold
/// for `raiseAfterNanos` before its lint is raised, and stop holding for
/// `clearAfterNanos` before it clears, so a lint never flaps. Pure: the
/// server's sampler feeds it each sample.
public struct LintEngine: Sendable {
    /// DESIGN §7: raised after holding 2 s, cleared after 5 s of not holding.
    public var raiseAfterNanos: UInt64 = 2_000_000_000
    public var clearAfterNanos: UInt64 = 5_000_000_000

    /// Thresholds of the conditions (documented in `conditions`).
    public static let slowHandlerNanos: UInt64 = 2_000_000
    public static let apcImbalanceNanos: UInt64 = 2_000_000
    public static let queueWaitNanos: UInt64 = 100_000_000
    public static let queueDepth: Int64 = 32
    public static let peerIdleNanos: UInt64 = 2_000_000_000

    private struct Track: Sendable {
        var holdingSince: UInt64?
        var quietSince: UInt64?
        var raised: Lint?
    }
    private var tracks = [LintKind: Track]()
    /// Each recent sample's worst notify p99, for `queue_growing`'s lookback.
    private var recentNotify: [(at: UInt64, p99: UInt64)] = []
    /// Each recent sample's longest queue stall, for the same lookback.
    private var recentStall: [(at: UInt64, nanos: UInt64)] = []
    /// How far back `queue_growing` looks for a long notification delay: a
    /// stall every second holds the condition through the seconds between.
    public static let queueLookbackNanos: UInt64 = 1_100_000_000

    public init() {}

    /// The lints raised now.
    public var active: [Lint] { LintKind.allCases.compactMap { tracks[$0]?.raised } }

    /// What changed at one sample.
    public struct Change: Sendable, Equatable {
        public var raised: [Lint] = []
        public var cleared: [Lint] = []
    }

    /// Feeds one sample (`current`, with the one before it for counters
    /// that grew over the window). Returns the lints raised and cleared.
    public mutating func update(_ current: StatsSnapshot, previous: StatsSnapshot?) -> Change {
        let now = current.takenAtNanos
        recentNotify.append((now, Self.worstNotifyP99(current)))
        recentNotify.removeAll { now - $0.at > Self.queueLookbackNanos }
        recentStall.append((now, current.queueStallNanos))
        recentStall.removeAll { now - $0.at > Self.queueLookbackNanos }
        let holding = Self.conditions(current, previous: previous,
                                      recentNotifyP99: recentNotify.map(\.p99).max() ?? 0,
                                      recentQueueStall: recentStall.map(\.nanos).max() ?? 0)
        var change = Change()
        for kind in LintKind.allCases {
            var t = tracks[kind] ?? Track()
            if let phrasing = holding[kind] {
                t.quietSince = nil
                let since = t.holdingSince ?? now
                t.holdingSince = since
                if t.raised != nil {
                    t.raised!.phrasing = phrasing
                    t.raised!.message = phrasing.text(.en)
                } else if now - since >= raiseAfterNanos {
                    let lint = Lint(kind: kind, phrasing: phrasing, sinceNanos: now)
                    t.raised = lint
                    change.raised.append(lint)
                }
            } else {
                t.holdingSince = nil
                if let lint = t.raised {
                    let quiet = t.quietSince ?? now
                    t.quietSince = quiet
                    if now - quiet >= clearAfterNanos {
                        t.raised = nil
                        t.quietSince = nil
                        change.cleared.append(lint)
                    }
                }
            }
            tracks[kind] = t
        }
        return change
    }

    /// Which conditions hold in one sample, each with its line. Figures
    /// from the sample's window; lints that read session rows are not
    /// evaluated in samples without them (a headless server's).
    /// - Parameter recentNotifyP99: the worst notify p99 of the samples in
    ///   the last `queueLookbackNanos` (this one's if not given).
    public static func conditions(_ s: StatsSnapshot, previous: StatsSnapshot?,
                                  recentNotifyP99: UInt64? = nil, recentQueueStall: UInt64? = nil) -> [LintKind: Phrasing] {
        var out = [LintKind: Phrasing]()
        // apc_imbalance: one APC thread's queue waits far longer than another's.
        let apcs = s.threads.filter { if case .apcThread = $0.role { true } else { false } }
            .compactMap { t in t.notifyP99Nanos.map { (t.name, $0) } }
        if let worst = apcs.max(by: { $0.1 < $1.1 }), let best = apcs.min(by: { $0.1 < $1.1 }),
           apcs.count >= 2, worst.1 >= apcImbalanceNanos, worst.1 >= 10 * max(1, best.1) {
            let pinned = s.sessionRows.filter { $0.thread == worst.0 }.count
            out[.apcImbalance] = Phrasing(s.sessionRows.isEmpty ? .lintAPCImbalance : .lintAPCImbalanceSessions,
                                          "\(worst.0)", "\(ms(worst.1))", "\(best.0)", "\(ms(best.1))", "\(pinned)")
        }
        // slow_handler: handlers that take milliseconds (they block).
        if let l = s.latency {
            for m in NotificationMode.allCases where l.handler[m.index].windowCount > 0
                && l.handler[m.index].p99Nanos >= slowHandlerNanos {
                out[.slowHandler] = Phrasing(.lintSlowHandler, "\(m.rawValue)", "\(ms(l.handler[m.index].p99Nanos))")
                break
            }
        }
        // event_starvation: signalled events wait while waiters handle one per wake.
        let waiters = s.threads.filter { if case .eventWaiter = $0.role { true } else { false } }
        if s.queued[NotificationMode.event.index] >= 4, let previous {
            let before = Dictionary(previous.threads.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            var handled: UInt64 = 0, wakes: UInt64 = 0
            for w in waiters {
                handled += w.completions - min(w.completions, before[w.id]?.completions ?? 0)
                wakes += w.waits - min(w.waits, before[w.id]?.waits ?? 0)
            }
            if wakes > 0 && Double(handled) / Double(wakes) <= 1.5 {
                out[.eventStarvation] = Phrasing(.lintEventStarvation, "\(s.queued[NotificationMode.event.index])",
                                                 "\(Format.fixed(Double(handled) / Double(wakes), 1))")
            }
        }
        // queue_growing: completions wait long for a thread, or pile up.
        let depth = s.queued.reduce(0, +)
        let notifyP99 = recentNotifyP99 ?? worstNotifyP99(s)
        let deeper = previous.map { depth > $0.queued.reduce(0, +) } ?? false
        let stalled = recentQueueStall ?? s.queueStallNanos
        if notifyP99 >= queueWaitNanos || (depth >= queueDepth && deeper) {
            out[.queueGrowing] = Phrasing(.lintQueueGrowing, "\(depth)", "\(ms(notifyP99))")
        } else if stalled >= queueWaitNanos {
            // Seen by the sampler's watch, not the stamps: sampling-independent.
            out[.queueGrowing] = Phrasing(.lintQueueStalled, "\(ms(stalled))")
        }
        // over_concurrency: the port ran more workers than its value.
        if let previous, s.portOverConcurrency > previous.portOverConcurrency {
            out[.overConcurrency] = Phrasing(.lintOverConcurrency, "\(s.portConcurrency)",
                                             "\(s.portOverConcurrency - previous.portOverConcurrency)")
        }
        // buffer_starved: receives waited for a buffer.
        if let previous, s.bufferWaits > previous.bufferWaits {
            out[.bufferStarved] = Phrasing(.lintBufferStarved, "\(s.bufferWaits - previous.bufferWaits)")
        }
        // peer_not_reading: echo sends pending for seconds.
        // The snapshot counts them (with or without session rows: a headless
        // server samples none); a snapshot built by hand may have only rows.
        let stuck = s.sessionRows.filter { $0.state == .sending && $0.idleNanos >= peerIdleNanos }
        let (count, first) = s.peersNotReading > 0 ? (s.peersNotReading, s.firstPeerNotReading)
                                                   : (stuck.count, stuck.first?.id ?? 0)
        if count > 0 {
            out[.peerNotReading] = Phrasing(.lintPeerNotReading, "\(count)", "\(peerIdleNanos / 1_000_000_000)",
                                            "\(first)")
        }
        return out
    }

    /// The worst notify p99 of any mode in the sample's window.
    static func worstNotifyP99(_ s: StatsSnapshot) -> UInt64 {
        s.latency.map { l in NotificationMode.allCases.map { l.notify[$0.index] }
            .filter { $0.windowCount > 0 }.map(\.p99Nanos).max() ?? 0 } ?? 0
    }

    private static func ms(_ nanos: UInt64) -> String { Format.latency(nanos: nanos) }
}
