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
        /// The hazard lab (key l): switch each hazard on and off.
        case lab
    }

    /// The hazard the lab overlay's cursor is on (`HazardKind.allCases` index).
    public var labCursor = 0

    public var overlay: Overlay = .none
    /// The help overlay's page (`HelpPages`), 0 when it opens.
    public var helpPage = 0
    public var sort: SessionColumn = .id
    public var descending = false
    /// Sessions whose id, peer, thread or state contain this (case-insensitive).
    public var filter = ""
    /// First session row shown.
    public var scroll = 0
    public var paused = false
    /// The server's sampling interval, as last set or read (milliseconds).
    public var refreshMs: Int
    public var quitting = false
    /// The language of the dashboard's words (`--lang`, or the locale).
    public var language: Language
    /// A message for the footer (e.g. a mode switch that failed, a hazard switched on).
    public var notice: String?
    /// The notice reports a failure (drawn as an error, else as news).
    public var noticeFailed = false

    public init(refreshMs: Int = 1000, language: Language = .en) {
        self.refreshMs = RefreshInterval.clamp(refreshMs)
        self.language = language
    }
}
