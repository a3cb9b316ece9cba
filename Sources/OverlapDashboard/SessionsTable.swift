import OverlapModel

/// The sessions table: filtering, sorting and the columns that fit.
public enum SessionsTable {
    struct Column: Sendable {
        let column: SessionColumn
        let title: String
        let width: Int
        let right: Bool
        let value: @Sendable (SessionRow) -> String
    }

    static func stateLabel(_ s: SessionRow.State) -> String {
        switch s {
        case .receiving: "recv"
        case .sending: "send"
        case .waitingForBuffer: "wait buf"
        case .closing: "closing"
        }
    }

    static let columns: [Column] = [
        Column(column: .id, title: "id", width: 5, right: true) { String($0.id) },
        Column(column: .peer, title: "peer", width: 15, right: false) { $0.peer },
        // The thread that ran its last handler, and how many ever did ("port-1 3").
        Column(column: .thread, title: "ran on", width: 9, right: false) {
            $0.threadsRan > 1 ? "\($0.thread) \($0.threadsRan)" : $0.thread
        },
        Column(column: .state, title: "state", width: 8, right: false) { stateLabel($0.state) },
        Column(column: .bytesIn, title: "in", width: 9, right: true) { Format.bytes($0.bytesIn) },
        Column(column: .bytesOut, title: "out", width: 9, right: true) { Format.bytes($0.bytesOut) },
        Column(column: .requests, title: "reqs", width: 6, right: true) { Format.count($0.requests) },
        Column(column: .age, title: "age", width: 6, right: true) { Format.duration(nanos: $0.ageNanos) },
        Column(column: .idle, title: "idle", width: 6, right: true) { Format.duration(nanos: $0.idleNanos) },
    ]

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
        var list = needle.isEmpty ? rows : rows.filter { r in
            [String(r.id), r.peer, r.thread, stateLabel(r.state)].contains { $0.lowercased().contains(needle) }
        }
        let by: (SessionRow, SessionRow) -> Bool = switch state.sort {
        case .id: { $0.id < $1.id }
        case .peer: { ($0.peer, $0.id) < ($1.peer, $1.id) }
        case .thread: { ($0.thread, $0.id) < ($1.thread, $1.id) }
        case .state: { (stateLabel($0.state), $0.id) < (stateLabel($1.state), $1.id) }
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
            let title = c.column == state.sort ? c.title + arrow : c.title
            heading += fit(title, c.width, right: c.right) + " "
        }
        screen.put(x, y, fit(heading, width), .heading)
        let shown = rows.dropFirst(top).prefix(rowCount)
        var line = y + 1
        for r in shown {
            var text = ""
            for c in cols { text += fit(c.value(r), c.width, right: c.right) + " " }
            screen.put(x, line, text, r.state == .waitingForBuffer ? .warning : .normal)
            line += 1
        }
        return shown.count
    }
}
