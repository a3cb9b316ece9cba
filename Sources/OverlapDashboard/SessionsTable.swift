import OverlapModel

/// The sessions table: filtering, sorting and the columns that fit.
public enum SessionsTable {
    struct Column: Sendable {
        let column: SessionColumn
        let title: Phrase
        /// In columns (a Hangul character takes two).
        let width: Int
        let right: Bool
        let value: @Sendable (SessionRow, Language) -> String
    }

    /// What a session is doing, in `language` (the filter matches this too).
    static func stateLabel(_ s: SessionRow.State, _ language: Language) -> String {
        switch s {
        case .receiving: Phrase.stateReceiving(language)
        case .sending: Phrase.stateSending(language)
        case .waitingForBuffer: Phrase.stateWaitingForBuffer(language)
        case .closing: Phrase.stateClosing(language)
        }
    }

    static let columns: [Column] = [
        Column(column: .id, title: .columnID, width: 5, right: true) { r, _ in String(r.id) },
        Column(column: .peer, title: .columnPeer, width: 15, right: false) { r, _ in r.peer },
        // The thread that ran its last handler, and how many ran its handlers
        // in the last interval when more than one did ("port-1 3").
        Column(column: .thread, title: .columnRanOn, width: 9, right: false) { r, _ in
            r.threadsRan > 1 ? "\(r.thread) \(r.threadsRan)" : r.thread
        },
        Column(column: .state, title: .columnState, width: 8, right: false) { r, l in stateLabel(r.state, l) },
        Column(column: .bytesIn, title: .columnIn, width: 9, right: true) { r, _ in Format.bytes(r.bytesIn) },
        Column(column: .bytesOut, title: .columnOut, width: 9, right: true) { r, _ in Format.bytes(r.bytesOut) },
        Column(column: .requests, title: .columnRequests, width: 6, right: true) { r, _ in Format.count(r.requests) },
        Column(column: .age, title: .columnAge, width: 6, right: true) { r, _ in Format.duration(nanos: r.ageNanos) },
        Column(column: .idle, title: .columnIdle, width: 6, right: true) { r, _ in Format.duration(nanos: r.idleNanos) },
    ]

    /// A column's heading in `language` (the sessions title names the sort column with it).
    static func title(_ column: SessionColumn, _ language: Language) -> String {
        (columns.first { $0.column == column }?.title ?? .columnID)(language)
    }

    /// Columns dropped first when the screen is narrow.
    private static let dropOrder: [SessionColumn] = [.idle, .age, .requests, .bytesOut, .thread]

    /// The columns that fit in `width`; the peer column takes what is left over.
    static func layout(width: Int) -> [Column] {
        var cols = columns
        func total(_ c: [Column]) -> Int { c.reduce(0) { $0 + $1.width + 1 } }
        var drop = dropOrder[...]
        while total(cols) > width, let d = drop.popFirst() { cols.removeAll { $0.column == d } }
        let spare = width - total(cols)
        if spare > 0, let i = cols.firstIndex(where: { $0.column == .peer }) {
            let c = cols[i]
            cols[i] = Column(column: c.column, title: c.title, width: c.width + min(spare, 30), right: c.right,
                             value: c.value)
        }
        return cols
    }

    /// The rows that pass the filter, in the chosen order.
    public static func visibleRows(_ rows: [SessionRow], state: UIState) -> [SessionRow] {
        let needle = state.filter.lowercased()
        let l = state.language
        var list = needle.isEmpty ? rows : rows.filter { r in
            [String(r.id), r.peer, r.thread, stateLabel(r.state, l)].contains { $0.lowercased().contains(needle) }
        }
        let by: (SessionRow, SessionRow) -> Bool = switch state.sort {
        case .id: { $0.id < $1.id }
        case .peer: { ($0.peer, $0.id) < ($1.peer, $1.id) }
        case .thread: { ($0.thread, $0.id) < ($1.thread, $1.id) }
        case .state: { (stateLabel($0.state, l), $0.id) < (stateLabel($1.state, l), $1.id) }
        case .bytesIn: { ($0.bytesIn, $0.id) < ($1.bytesIn, $1.id) }
        case .bytesOut: { ($0.bytesOut, $0.id) < ($1.bytesOut, $1.id) }
        case .requests: { ($0.requests, $0.id) < ($1.requests, $1.id) }
        case .age: { ($0.ageNanos, $0.id) < ($1.ageNanos, $1.id) }
        case .idle: { ($0.idleNanos, $0.id) < ($1.idleNanos, $1.id) }
        }
        list.sort(by: by)
        if state.descending { list.reverse() }
        return list
    }

    /// Draws the heading and up to `rows` sessions from `top`; returns the rows drawn.
    @discardableResult
    static func draw(_ rows: [SessionRow], state: UIState, top: Int, rowCount: Int, x: Int, y: Int, width: Int,
                     on screen: Screen) -> Int {
        let cols = layout(width: width)
        var heading = ""
        let arrow = screen.unicode ? (state.descending ? "▼" : "▲") : (state.descending ? "v" : "^")
        for c in cols {
            let title = c.title(state.language) + (c.column == state.sort ? arrow : "")
            heading += fit(title, c.width, right: c.right) + " "
        }
        screen.put(x, y, fit(heading, width), .heading)
        let shown = rows.dropFirst(top).prefix(rowCount)
        var line = y + 1
        for r in shown {
            var text = ""
            for c in cols { text += fit(c.value(r, state.language), c.width, right: c.right) + " " }
            screen.put(x, line, text, r.state == .waitingForBuffer ? .warning : .normal)
            line += 1
        }
        return shown.count
    }
}
