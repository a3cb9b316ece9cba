import OverlapModel

/// The Latency panel: where sampled requests' time went in the last sampling
/// window, one row per mode that has samples (DESIGN §7). The notify columns
/// are the point: the three modes differ in how long a completed request
/// waits before a thread runs its handler.
enum LatencyPanel {
    /// Lines the full layout gives it: a rule, a heading and a row per mode
    /// with samples (at least one: a line saying there were none); 0 when the
    /// snapshot carries no latency figures.
    static func height(_ s: StatsSnapshot) -> Int {
        guard let l = s.latency else { return 0 }
        return 1 + max(1, modes(l).count)
    }

    static func modes(_ l: LatencyFigures) -> [NotificationMode] {
        NotificationMode.allCases.filter { l.notify[$0.index].windowCount > 0 }
    }

    static func title(_ l: LatencyFigures, _ language: Language) -> String {
        guard l.sampleEvery > 0 else { return Phrase.latencyOff(language) }
        var t = Phrase.latencyTitle(language, l.sampleEvery)
        let kernel = OpKind.allCases.filter { l.kernel[$0.index].windowCount > 0 }
        if !kernel.isEmpty {
            t += Phrase.latencyKernel(language) + kernel.map { "\($0.rawValue) \(Format.latency(nanos: l.kernel[$0.index].p50Nanos))" }
                .joined(separator: " ")
        }
        return t
    }

    /// Draws the panel at `y` (full layout) and moves `y` past it.
    static func draw(_ f: Frame, _ language: Language, _ g: Glyphs, on screen: Screen, y: inout Int) {
        guard let l = f.snapshot.latency else { return }
        DashboardView.rule(title(l, language), at: y, g, on: screen)
        y += 1
        let shown = modes(l)
        if shown.isEmpty {
            screen.put(0, y, l.sampleEvery > 0 ? Phrase.latencyNone(language) : "", .dim)
            y += 1
            return
        }
        // Each row names its figures: no heading line (the panel must fit 80x24).
        for m in shown {
            let n = l.notify[m.index]
            let h = l.handler[m.index]
            let perSecond = f.rates.seconds > 0 ? Double(n.windowCount) / f.rates.seconds : 0
            screen.put(0, y, fit(m.rawValue, 10) + Phrase.latencyNotify(language)
                + fit(Format.latency(nanos: n.p50Nanos), 5, right: true)
                + " / " + fit(Format.latency(nanos: n.p99Nanos), 5)
                + Phrase.latencyHandler(language) + fit(Format.latency(nanos: h.p50Nanos), 5, right: true)
                + " / " + fit(Format.latency(nanos: h.p99Nanos), 5)
                + "  " + fit(Format.count(perSecond), 6, right: true) + Phrase.latencySamples(language),
                m == f.snapshot.mode ? .bold : .normal)
            y += 1
        }
    }

    /// The compact layout's one line: notify p99 of each mode with samples.
    static func summary(_ f: Frame, _ language: Language) -> String? {
        guard let l = f.snapshot.latency else { return nil }
        let shown = modes(l)
        if shown.isEmpty { return Phrase.latencySummaryNone(language) }
        return Phrase.latencySummaryNotify(language) + shown.map { "\($0.rawValue) \(Format.latency(nanos: l.notify[$0.index].p99Nanos))" }
            .joined(separator: " ") + Phrase.latencySummaryHandler(language)
            + shown.map { Format.latency(nanos: l.handler[$0.index].p99Nanos) }.joined(separator: " ")
    }
}
