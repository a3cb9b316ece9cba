import OverlapModel

/// Columns of the sessions table, in the order `s` steps through them.
public enum SessionColumn: String, CaseIterable, Sendable {
    case id, peer, thread, state, bytesIn = "in", bytesOut = "out", requests = "reqs", age, idle
}

/// Everything the dashboard remembers between frames that is not the server's.
public struct UIState: Sendable, Equatable {
    public enum Overlay: Sendable, Equatable {
        case none
        case help
        /// The filter line is open, with the text typed so far.
        case filter(String)
    }

    public var overlay: Overlay = .none
    public var sort: SessionColumn = .id
    public var descending = false
    /// Sessions whose id, peer, thread or state contain this (case-insensitive).
    public var filter = ""
    /// First session row shown.
    public var scroll = 0
    public var paused = false
    public var refreshMs: Int
    public var quitting = false
    /// A message for the footer (e.g. a mode switch that failed).
    public var notice: String?

    public static let refreshSteps = [100, 200, 250, 500, 1000, 2000, 5000]

    public init(refreshMs: Int = 1000) {
        self.refreshMs = min(5000, max(100, refreshMs))
    }

    /// The next refresh step faster (smaller) or slower than the current one.
    mutating func stepRefresh(faster: Bool) {
        if faster {
            refreshMs = Self.refreshSteps.last { $0 < refreshMs } ?? Self.refreshSteps[0]
        } else {
            refreshMs = Self.refreshSteps.first { $0 > refreshMs } ?? Self.refreshSteps[Self.refreshSteps.count - 1]
        }
    }
}
