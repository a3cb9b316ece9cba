import OverlapModel

/// Turns a frame and the UI state into what is on the screen. Pure: the same
/// inputs draw the same cells, which is what the golden tests rely on.
/// Words come from the string table in `state.language`; every position and
/// cut is measured in display columns (`columns`), so Hangul lays out right.
public enum DashboardView {
    /// Below this the dashboard shows only the "too small" screen.
    public static let minWidth = 50
    public static let minHeight = 14
    /// At or above this the full layout is used; below it, the compact one.
    public static let fullWidth = 80
    public static let fullHeight = 24

    /// Draws a whole frame. Returns how many session rows fit (the page size).
    @discardableResult
    public static func draw(_ frame: Frame, _ state: UIState, on screen: Screen) -> Int {
        screen.clear()
        let w = screen.width
        let h = screen.height
        let t = state.language
        if w < minWidth || h < minHeight {
            tooSmall(t, on: screen)
            return 0
        }
        let g = Glyphs(unicode: screen.unicode)
        let compact = w < fullWidth || h < fullHeight
        let s = frame.snapshot
        var y = 0
        header(frame, state, g, on: screen, y: &y)

        // Pending operations and the completion queues.
        rule(compact ? Phrase.panelPendingCompact(t) : Phrase.panelPending(t), at: y, g, on: screen)
        if !compact { screen.put(46, y, Phrase.panelCompletionQueue(t), .bold) }
        y += 1
        pendingTable(frame, t, g, compact: compact, refreshMs: state.refreshMs, on: screen, y: &y)
        if compact {
            // One line, when the smallest screens still have room for it.
            if h >= 16, let line = LatencyPanel.summary(frame, t) {
                screen.put(0, y, line)
                y += 1
            }
        } else {
            LatencyPanel.draw(frame, t, g, on: screen, y: &y)
        }

        // Threads, sessions, events and footer share what is left.
        // At the smallest full size the threads panel keeps priority over the logs.
        let eventLines = compact || h < 26 ? 1 : (h < 30 ? 2 : 3)
        // Raised lints take lines from the sessions table (a rule and one line each).
        let warningLines = LabPanels.warningLines(s, max: compact ? 1 : 3)
        let portLine = !compact && Self.showsPortLine(s)
        let fixedBelow = 1 /* threads rule */ + 2 /* sessions rule + heading */ + (compact ? 0 : 1) + eventLines + 1
            + (warningLines > 0 ? warningLines + 1 : 0) + (portLine ? 1 : 0)
        let room = h - y - fixedBelow
        let threadRows = min(s.threads.count, max(1, min(room - (h < 26 ? 2 : 3), 16)))
        let sessionRows = max(0, room - threadRows)

        let hiddenThreads = s.threads.count - threadRows
        rule(Phrase.panelThreads(t, s.threads.count) + (hiddenThreads > 0 ? Phrase.notShown(t, hiddenThreads) : ""),
             at: y, g, on: screen)
        y += 1
        if portLine {
            screen.put(0, y, fit(Self.portLine(frame, t), w), .dim)
            y += 1
        }
        threads(frame, t, g, rows: threadRows, on: screen, y: &y)

        let visible = SessionsTable.visibleRows(s.sessionRows, state: state)
        let top = min(state.scroll, max(0, visible.count - sessionRows))
        var title = Phrase.panelSessions(t, visible.count)
        if !state.filter.isEmpty { title += Phrase.sessionsMatching(t, state.filter) }
        if visible.count > sessionRows && sessionRows > 0 {
            title += ", \(top + 1)-\(min(visible.count, top + sessionRows))"
        }
        title += Phrase.sessionsSort(t, SessionsTable.title(state.sort, t))
        rule(title, at: y, g, on: screen)
        y += 1
        SessionsTable.draw(visible, state: state, top: top, rowCount: sessionRows, x: 0, y: y, width: w, on: screen)
        y += 1 + sessionRows

        LabPanels.warnings(s, lines: warningLines, t, g, on: screen, y: &y)
        if !compact {
            rule(Phrase.panelEvents(t), at: y, g, on: screen)
            y += 1
        }
        events(s, lines: eventLines, t, on: screen, y: y)
        footer(state, on: screen)

        if state.overlay == .help { help(page: state.helpPage, t, g, on: screen) }
        if state.overlay == .lab { LabPanels.overlay(s, cursor: state.labCursor, t, g, on: screen) }
        return sessionRows
    }

    // MARK: - Panels

    private static func header(_ f: Frame, _ state: UIState, _ g: Glyphs, on screen: Screen, y: inout Int) {
        let s = f.snapshot
        let t = state.language
        var x = 0
        func put(_ text: String, _ style: Style = .normal) {
            screen.put(x, y, text, style)
            x += text.columns
        }
        put("overlap ", .bold)
        put(" \(s.mode.rawValue.uppercased()) ", .badge)
        if state.paused { put(Phrase.headerPaused(t), .warning) }
        if s.trace?.running == true { put(Phrase.headerTrace(t), .warning) }
        let hazards = s.hazards.active
        if !hazards.isEmpty {
            let names = Phrase.headerHazard(t) + hazards.map(\.rawValue).joined(separator: ",")
            put(screen.width >= 100 || hazards.count == 1 && names.columns <= 22 ? names
                : Phrase.headerHazard(t) + "\(hazards.count)", .warning)
        }
        let finishing = s.finishingInOtherModes
        if finishing > 0 { put(Phrase.headerFinishing(t, finishing), .warning) }
        // Whole items or none, from the right: never a figure cut short.
        for item in [s.engine.rawValue, s.listenAddress, Phrase.headerUp(t, Format.duration(nanos: s.takenAtNanos &- s.startedAtNanos))] {
            let text = g.separator + item
            guard x + text.columns <= screen.width else { break }
            put(text)
        }
        y += 1
        x = 0
        let r = f.rates
        put(Phrase.headerSessions(t))
        put("\(s.sessions)", .bold)
        put(g.separator)
        put(Format.count(r.receivesPerSecond), .bold)
        put(" recv/s" + g.separator + Phrase.headerBytes(t, Format.bytes(r.bytesInPerSecond), Format.bytes(r.bytesOutPerSecond))
            + g.separator + Phrase.headerSwitches(t, s.modeSwitches))
        y += 1
        x = 0
        put(Phrase.headerAccepted(t, s.accepted, s.closed))
        let reasons = CloseReason.allCases.filter { s.closed(by: $0) > 0 }
        if !reasons.isEmpty {
            put(" (" + reasons.map { "\(Self.closeReason($0, t)) \(s.closed(by: $0))" }.joined(separator: ", ") + ")")
        }
        put(Phrase.headerRefused(t, s.refused), s.refused > 0 ? .warning : .normal)
        if s.bufferWaits > 0 { put(Phrase.headerBufferWaits(t, s.bufferWaits)) }
        y += 1
    }

    private static func pendingTable(_ f: Frame, _ t: Language, _ g: Glyphs, compact: Bool, refreshMs: Int,
                                     on screen: Screen, y: inout Int) {
        let s = f.snapshot
        let modes = NotificationMode.allCases
        var heading = fit(Phrase.columnPending(t), 8)
        for m in modes { heading += fit(m.rawValue, 9, right: true) }
        heading += fit(Phrase.columnTotal(t), 7, right: true)
        screen.put(0, y, heading, .heading)
        if !compact {
            screen.put(46, y, fit(Phrase.columnQueue(t), 10) + fit(Phrase.columnNow(t), 7, right: true)
                + fit(Self.peakLabel(s, t), 9, right: true), .heading)
        }
        for (i, op) in OpKind.allCases.enumerated() {
            var line = fit(op.rawValue, 8)
            for m in modes { line += fit(String(s.pending[op, m]), 9, right: true) }
            line += fit(String(s.pending.total(op: op)), 7, right: true)
            screen.put(0, y + 1 + i, line)
            if !compact {
                let m = modes[i]
                let now = s.queued[m.index]
                screen.put(46, y + 1 + i, fit(m.rawValue, 10) + fit(String(now), 7, right: true)
                    + fit(String(s.queuedPeak[m.index]), 9, right: true), now > 0 ? .bold : .normal)
            }
        }
        y += 4
        if s.mode == .callback && !compact {
            // Callback mode's accept counts under event: say why, where it is seen.
            screen.put(0, y, Phrase.acceptFootnote(t), .dim)
            y += 1
        }
        let ring = Phrase.ringFigures(t, s.ringDepth, s.ringOverflow)
        if compact {
            let q = modes.map { "\($0.rawValue.prefix(1)) \(s.queued[$0.index])" }.joined(separator: " ")
            screen.put(0, y, "\(Phrase.queuedCompact(t)) \(q)  \(Self.peakLabel(s, t)) \(s.queuedPeak.max() ?? 0)  \(ring)",
                       s.ringOverflow > 0 ? .error : .normal)
        } else {
            // Each graph says what it draws, the top of its scale (never below
            // 8, so one pending accept is a low bar) and the time it spans.
            func graph(_ name: String, _ values: [Int64], x: Int, width: Int) {
                // The span is at the current interval (+/- change it for what follows).
                var label = name + " "
                var shown = values.suffix(0)
                for withSpan in [true, false] {  // a narrow screen drops the span first
                    for _ in 0..<3 {  // the label's length and what it describes settle together
                        shown = values.suffix(max(0, width - label.columns))
                        let span = Format.duration(nanos: UInt64(shown.count) * UInt64(refreshMs) * 1_000_000)
                        label = "\(name) 0-\(max(8, shown.max() ?? 0)) " + (withSpan ? "\(span) " : "")
                    }
                    if width - label.columns >= 8 { break }
                }
                guard width - label.columns >= 4 else { return }  // no room for a graph worth reading
                shown = values.suffix(max(0, width - label.columns))
                screen.put(x, y, label, .dim)
                screen.put(x + label.columns, y, g.sparkline(Array(shown), width: shown.count, top: max(8, shown.max() ?? 0)))
            }
            // Under 100 columns the pending graph gives up 9 cells, so the
            // queue graph keeps its span and 8 cells of history at 80.
            let pendingWidth = screen.width >= 100 ? 45 : 36
            graph(Phrase.graphPending(t), f.pendingHistory, x: 0, width: pendingWidth)
            screen.put(pendingWidth + 1, y, ring, s.ringOverflow > 0 ? .error : .normal)
            let graphX = pendingWidth + 1 + ring.columns + 2
            graph(Phrase.graphQueue(t), f.queueHistory, x: graphX, width: max(0, screen.width - graphX))
        }
        y += 1
    }

    /// A thread's role with what it waits on and how much each wait brought:
    /// routines per alertable wait (APC), events per wake (event waiter).
    /// - Parameter submits: an io_uring engine's submissions a second (nil: none counted, as on epoll).
    /// - Parameter inline: handlers it ran inline a second, as the poster of a
    ///   request that completed at once (skip-on-success; nil: none). Shown on
    ///   port workers' and port-v's rows only: the hazard acts in port mode.
    static func roleLabel(_ row: ThreadRow, perWait: Double?, submits: Double? = nil, inline: Double? = nil,
                          _ t: Language = .en) -> String {
        // Port mode's threads only (skip-on-success acts there): no other label is hidden.
        if let inline, row.role == .portWorker || row.role == .portVisits { return Phrase.roleInline(t, Format.count(inline)) }
        let each = perWait.map { Format.fixed($0, 1) } ?? "-"
        switch row.role {
        case .engine: return submits.map { Phrase.roleEngineSubmits(t, Format.count($0)) } ?? Phrase.roleEngine(t)
        case .apcThread(let depth, _): return Phrase.roleAPC(t, depth, each)
        case .eventWaiter(let n): return n == 1 ? Phrase.roleEventsOne(t, each) : Phrase.roleEvents(t, n, each)
        case .portWorker: return Phrase.rolePortWorker(t)
        case .portVisits: return Phrase.rolePortVisits(t)
        case .control: return Phrase.roleControl(t)
        }
    }

    /// Why sessions closed, in `t` (English: the metric's `reason` label).
    static func closeReason(_ r: CloseReason, _ t: Language) -> String {
        switch r {
        case .peerClosed: Phrase.closedPeerClosed(t)
        case .reset: Phrase.closedReset(t)
        case .error: Phrase.closedError(t)
        case .shutdown: Phrase.closedShutdown(t)
        }
    }

    /// Port mode's internals get a line while port mode is current.
    static func showsPortLine(_ s: StatsSnapshot) -> Bool {
        s.mode == .port
    }

    /// The completion port as IOCP describes it: the concurrency value,
    /// workers running, those waiting (the next woken first: LIFO), those
    /// in the kernel's wait (epoll), and how often workers wait.
    static func portLine(_ f: Frame, _ t: Language = .en) -> String {
        let s = f.snapshot
        let waits = s.threads.filter { $0.role == .portWorker }.reduce(0) { $0 + (f.rates.waitsPerSecond[$1.id] ?? 0) }
        var line = Phrase.portLine(t, s.portConcurrency, s.portRunning)
        let onPort = s.portWaiting.reversed()
        line += onPort.isEmpty ? Phrase.portNoneWaiting(t) : Phrase.portWaiting(t) + onPort.enumerated()
            .map { $0.offset == 0 ? $0.element + Phrase.portNext(t) : $0.element }.joined(separator: " ")
        if s.portKernelWaiting > 0 || s.engine == .epoll { line += Phrase.portInEpoll(t, s.portKernelWaiting) }
        line += Phrase.portWaits(t, Format.count(waits))
        return line
    }

    /// "peak 60s": the window the sampled peak covers.
    static func peakLabel(_ s: StatsSnapshot, _ t: Language = .en) -> String {
        s.queuedPeakWindowSeconds > 0 ? Phrase.columnPeakWindow(t, Int(s.queuedPeakWindowSeconds)) : Phrase.columnPeak(t)
    }

    private static func threads(_ f: Frame, _ t: Language, _ g: Glyphs, rows: Int, on screen: Screen, y: inout Int) {
        let w = screen.width
        let roleWidth = w >= 100 ? 22 : 18
        // A thread's own notify p99 (the wait before its handlers ran), when sampled.
        let showNotify = f.snapshot.latency != nil
        let fixed = 9 + 1 + roleWidth + 1 + 8 + 1 + (showNotify ? 10 : 0) + 5
        let barWidth = max(0, min(40, w - fixed - 1))
        for row in f.snapshot.threads.prefix(rows) {
            let share = f.rates.busyShare[row.id] ?? 0
            // An engine's rate is its own work: requests it saw finish in the
            // kernel; every other row's is the handlers it ran.
            let cps = row.role == .engine ? f.rates.reapedPerSecond[row.id] ?? 0 : f.rates.completionsPerSecond[row.id] ?? 0
            let role = roleLabel(row, perWait: f.rates.completionsPerWait[row.id],
                                 submits: f.rates.submittedPerSecond[row.id], inline: f.rates.inlinePerSecond[row.id], t)
            var line = fit(row.name, 9) + " " + fit(role, roleWidth) + " "
            line += fit(Format.count(cps) + "/s", 8, right: true) + " "
            if showNotify {
                line += fit(row.notifyP99Nanos.map { "n99 " + Format.latency(nanos: $0) } ?? "", 9) + " "
            }
            screen.put(0, y, line)
            screen.put(line.columns, y, g.bar(share, width: barWidth), share > 0.9 ? .warning : .good)
            screen.put(line.columns + barWidth, y, fit(Format.percent(share), 5, right: true))
            y += 1
        }
    }

    private static func events(_ s: StatsSnapshot, lines: Int, _ t: Language, on screen: Screen, y: Int) {
        for (i, e) in s.events.suffix(lines).enumerated() {
            let age = Format.duration(nanos: s.takenAtNanos > e.atNanos ? s.takenAtNanos - e.atNanos : 0)
            let style: Style = switch e.level {
            case .info: .normal
            case .warning: .warning
            case .error: .error
            }
            screen.put(0, y + i, fit(Phrase.eventAge(t, age), 10) + e.text(t), style)
        }
    }

    private static func footer(_ state: UIState, on screen: Screen) {
        let y = screen.height - 1
        let t = state.language
        if case .filter(let text) = state.overlay {
            screen.put(0, y, Phrase.filterPrompt(t) + text + Phrase.filterHint(t), .badge)
            return
        }
        if let notice = state.notice {
            screen.put(0, y, notice, state.noticeFailed ? .error : .badge)
            return
        }
        // Whole hints only: on a narrow screen the ones before "q quit" go first.
        var hints = KeyMap.footer.map { (keys: $0.keys, what: $0.what(t)) }
        func width(_ h: [(keys: String, what: String)]) -> Int { h.reduce(0) { $0 + $1.keys.columns + $1.what.columns + 3 } }
        while hints.count > 1 && width(hints) > screen.width { hints.remove(at: hints.count - 2) }
        var x = 0
        for (keys, what) in hints {
            screen.put(x, y, keys, .heading)
            x += keys.columns
            screen.put(x, y, " " + what + "  ")
            x += what.columns + 3
        }
        let refresh = Phrase.footerRefreshMs(t, state.refreshMs)
        if x + refresh.columns <= screen.width { screen.put(x, y, refresh, .dim) }
    }

    static func rule(_ title: String, at y: Int, _ g: Glyphs, on screen: Screen) {
        screen.put(0, y, String(repeating: g.rule, count: screen.width), .dim)
        screen.put(1, y, " \(title) ", .bold)
    }

    // MARK: - Overlays

    private static func help(page: Int, _ t: Language, _ g: Glyphs, on screen: Screen) {
        let pages = HelpPages.pages(t)
        let lines = HelpPages.lines(page: page, t).enumerated().map { ($0.element, $0.offset == 0 ? Style.bold : .normal) }
        let inner = pages.flatMap { $0 }.map(\.columns).max() ?? 0  // one box size for every page
        let (width, height) = (inner + 4, (pages.map(\.count).max() ?? 0) + 2)
        // Cut to a small terminal, the box says so (and still how it closes).
        let cut = screen.width < width || screen.height < height
        box(lines, width: width, height: height, bottomLeft: cut ? Phrase.helpCut(t) : Phrase.helpCloses(t),
            bottomRight: Phrase.helpPage(t, page + 1, pages.count), g, on: screen)
    }

    /// An overlay: a framed box of `lines` centred on the screen (cut to
    /// fit), with an optional title in its top rule and notes in its bottom one.
    static func box(_ lines: [(String, Style)], width: Int, height: Int, title: String? = nil, bottomLeft: String,
                    bottomRight: String? = nil, _ g: Glyphs, on screen: Screen) {
        let w = min(screen.width, width)
        let h = min(screen.height, height)
        let x0 = max(0, (screen.width - w) / 2)
        let y0 = max(0, (screen.height - h) / 2)
        let corner: (String, String, String, String, String) = screen.unicode
            ? ("┌", "┐", "└", "┘", "│") : ("+", "+", "+", "+", "|")
        let rule = String(repeating: g.rule, count: max(0, w - 2))
        screen.put(x0, y0, corner.0 + rule + corner.1, .bold)
        if let title { screen.put(x0 + 2, y0, title.prefix(columns: max(0, w - 4)), .bold) }
        for i in 0..<max(0, h - 2) {
            let (text, style) = i < lines.count ? lines[i] : ("", .normal)
            screen.put(x0, y0 + 1 + i, corner.4 + " " + fit(text, w - 4) + " " + corner.4, style)
        }
        screen.put(x0, y0 + h - 1, corner.2 + rule + corner.3, .bold)
        screen.put(x0 + 2, y0 + h - 1, bottomLeft.prefix(columns: max(0, w - 4)), .dim)
        if let bottomRight { screen.put(x0 + w - 2 - bottomRight.columns, y0 + h - 1, bottomRight, .dim) }
    }

    private static func tooSmall(_ t: Language, on screen: Screen) {
        let lines = [Phrase.tooSmall(t, screen.width, screen.height, minWidth, minHeight), Phrase.tooSmallHint(t)]
        for (i, l) in lines.enumerated() {
            let y = screen.height / 2 - 1 + i
            screen.put(max(0, (screen.width - l.columns) / 2), max(0, min(screen.height - 1, y)), l, .warning)
        }
    }
}
