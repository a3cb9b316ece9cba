import OverlapModel

/// What one frame shows: the latest snapshot, the rates since the one before,
/// and the history behind the graphs. Every figure comes from snapshots.
public struct Frame: Sendable {
    public var snapshot: StatsSnapshot
    public var rates: SnapshotRates
    /// Pending requests (all kinds and modes) at each sample, oldest first.
    public var pendingHistory: [Int64]
    /// Completed-but-unhandled requests (all modes) at each sample, oldest first.
    public var queueHistory: [Int64]

    public init(snapshot: StatsSnapshot, rates: SnapshotRates, pendingHistory: [Int64] = [], queueHistory: [Int64] = []) {
        self.snapshot = snapshot
        self.rates = rates
        self.pendingHistory = pendingHistory
        self.queueHistory = queueHistory
    }
}

/// The dashboard's state machine: adopts the server's samples, keeps the
/// history, applies key commands (mode switches and the refresh interval go
/// through `ServerControl`). No terminal code: tests drive it with keys and
/// read the frame.
public final class DashboardModel {
    public private(set) var state: UIState
    public private(set) var frame: Frame
    private let control: ServerControl
    /// Sequence number of the sample the frame shows.
    private var shown: UInt64
    /// This dashboard started a capture after the sample with this sequence
    /// number: until a later sample shows it, it is taken to be running.
    private var traceStartedAfter: UInt64?
    public static let historyLength = 240

    /// - Parameter language: the language of the dashboard's words.
    public init(control: ServerControl, language: Language = .en) {
        self.control = control
        state = UIState(refreshMs: control.refreshMs, language: language)
        let first = control.latestSample()
        shown = first.sequence
        frame = Frame(snapshot: first.snapshot, rates: first.rates)
    }

    /// Puts `text` in the footer as news until the next key (e.g. why the
    /// words are not in the language asked for).
    public func announce(_ text: String) {
        state.notice = text
        state.noticeFailed = false
    }

    /// Shows the server's latest sample if it is newer than the one on
    /// screen (unless paused: the view stays frozen while the server keeps
    /// running). Returns whether the frame changed. Cheap: call it often.
    @discardableResult
    public func refresh() -> Bool {
        guard !state.paused else { return false }
        let sample = control.latestSample()
        guard sample.sequence != shown else { return false }
        shown = sample.sequence
        if let after = traceStartedAfter, sample.sequence > after, sample.snapshot.trace?.running != true {
            traceStartedAfter = nil
        }
        var f = Frame(snapshot: sample.snapshot, rates: sample.rates,
                      pendingHistory: frame.pendingHistory, queueHistory: frame.queueHistory)
        f.pendingHistory.append(sample.snapshot.pending.total)
        f.queueHistory.append(sample.snapshot.queued.reduce(0, +))
        if f.pendingHistory.count > Self.historyLength { f.pendingHistory.removeFirst() }
        if f.queueHistory.count > Self.historyLength { f.queueHistory.removeFirst() }
        frame = f
        return true
    }

    /// Handles one key. Returns true if the screen should be redrawn at once.
    @discardableResult
    public func handle(_ key: Key) -> Bool {
        if case .filter(let text) = state.overlay {
            editFilter(text, key)
            return true
        }
        if key == .resize { return true }
        if state.overlay == .lab {
            switch key {
            case .up: state.labCursor = max(0, state.labCursor - 1); return true
            case .down: state.labCursor = min(HazardKind.allCases.count - 1, state.labCursor + 1); return true
            case .enter, .char(" "): toggleHazard(HazardKind.allCases[state.labCursor]); return true
            case .char("q"): state.overlay = .none; return true
            default: break
            }
        }
        if state.overlay == .help {
            // The help pages turn with PgDn / PgUp and the arrows.
            switch key {
            case .pageDown, .right, .down:
                state.helpPage = min(HelpPages.count - 1, state.helpPage + 1)
                return true
            case .pageUp, .left, .up:
                state.helpPage = max(0, state.helpPage - 1)
                return true
            default: break
            }
        }
        // Pasted text is never commands: it goes into the filter line when
        // that is open (above), and is dropped anywhere else.
        if case .paste = key { return false }
        guard let command = KeyMap.command(for: key) else { return false }
        apply(command)
        return true
    }

    public func apply(_ command: Command) {
        state.notice = nil
        state.noticeFailed = false
        switch command {
        case .switchMode(let mode): switchMode(mode)
        case .nextMode: switchMode(frame.snapshot.mode.next)
        case .quit:
            if state.overlay == .help { state.overlay = .none } else { state.quitting = true }
        case .toggleHelp:
            state.overlay = state.overlay == .help ? .none : .help
            state.helpPage = 0
        case .closeOverlay: state.overlay = .none
        case .scroll(let move): scroll(move)
        case .nextSort:
            let all = SessionColumn.allCases
            state.sort = all[(all.firstIndex(of: state.sort)! + 1) % all.count]
        case .reverseSort: state.descending.toggle()
        case .openFilter: state.overlay = .filter(state.filter)
        case .faster, .slower:
            control.setRefresh(ms: RefreshInterval.step(from: control.refreshMs, faster: command == .faster))
            state.refreshMs = control.refreshMs
        case .togglePause: state.paused.toggle()
        case .toggleTrace: toggleTrace()
        case .toggleLab: state.overlay = state.overlay == .lab ? .none : .lab
        }
    }

    /// Switches one hazard on (with the lab's value, `HazardKind.labSpec`) or off.
    private func toggleHazard(_ kind: HazardKind) {
        var h = control.hazards  // the server's, not the last sample's: toggles never undo each other
        if h.isOn(kind) {
            h.clear(kind)
        } else {
            do {
                try h.apply(kind.labSpec(mode: frame.snapshot.mode), threads: control.hazardThreadNames)
            } catch {
                state.notice = Phrase.noticeLab(state.language, error)
                state.noticeFailed = true
                return
            }
        }
        do {
            try control.setHazards(h)
            frame.snapshot.hazards = h  // shown at once; the next sample confirms it
            state.notice = h.isOn(kind) ? Phrase.noticeHazardOn(state.language, h.spec(kind)!)
                : Phrase.noticeHazardOff(state.language, kind.rawValue)
        } catch {
            state.notice = Phrase.noticeLab(state.language, error)
            state.noticeFailed = true
        }
    }

    /// Starts a trace capture, or stops the one running; the footer says where it goes.
    private func toggleTrace() {
        if frame.snapshot.trace?.running == true || traceStartedAfter != nil {
            control.stopTrace()
            traceStartedAfter = nil
            state.notice = Phrase.noticeTraceStopped(state.language)
            return
        }
        do {
            let after = control.latestSample().sequence
            let path = try control.startTrace(path: nil)
            traceStartedAfter = after
            state.notice = Phrase.noticeTraceStarted(state.language, path)
        } catch {
            state.notice = Phrase.noticeCannotTrace(state.language, error)
            state.noticeFailed = true
        }
    }

    private func switchMode(_ mode: NotificationMode) {
        do {
            try control.switchMode(to: mode)
            // The badge shows the new mode at once; every figure (and the
            // log line about the switch) arrives with the next sample.
            if !state.paused { frame.snapshot.mode = mode }
        } catch {
            state.notice = Phrase.noticeCannotSwitch(state.language, mode.rawValue, error)
            state.noticeFailed = true
        }
    }

    private func editFilter(_ text: String, _ key: Key) {
        switch key {
        case .enter:
            state.filter = text
            state.scroll = 0
            state.overlay = .none
        case .escape:
            state.overlay = .none
        case .backspace:
            state.overlay = .filter(String(text.dropLast()))
        case .char(let c) where !c.isNewline:
            state.overlay = .filter(text + String(c))
        case .paste(let pasted):
            // The filter is one line of text: line breaks, tabs and other
            // control characters in a paste are left out.
            state.overlay = .filter(text + pasted.filter(Self.isPrintable))
        default:
            break
        }
    }

    private static func isPrintable(_ c: Character) -> Bool {
        !c.isNewline && !c.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// Page size used by PgUp/PgDn: the rows the sessions table showed last.
    public var pageRows = 10

    private func scroll(_ move: Command.ScrollMove) {
        let count = SessionsTable.visibleRows(frame.snapshot.sessionRows, state: state).count
        let maxTop = max(0, count - pageRows)
        switch move {
        case .up: state.scroll -= 1
        case .down: state.scroll += 1
        case .pageUp: state.scroll -= pageRows
        case .pageDown: state.scroll += pageRows
        case .top: state.scroll = 0
        case .bottom: state.scroll = maxTop
        }
        state.scroll = min(maxTop, max(0, state.scroll))
    }
}
