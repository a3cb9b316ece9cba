/// A trace capture (`serve --trace`, the key `t`), as the snapshot shows it.
public struct TraceStatus: Sendable, Equatable, Codable {
    /// The file the capture writes (Chrome trace-event JSON).
    public var path: String
    /// True while it records.
    public var running: Bool
    /// Sampled requests written so far.
    public var requests: UInt64
    /// Why it stopped ("time limit 10 s", "size limit", "stopped", "server stopped"),
    /// or nil while running.
    public var stopReason: String?
    /// `stopReason` as a phrase, for the dashboard's language (not encoded:
    /// the stats JSON keeps the English reason).
    public var stopPhrasing: Phrasing? = nil

    private enum CodingKeys: String, CodingKey { case path, running, requests, stopReason }

    public init(path: String, running: Bool, requests: UInt64, stopReason: String?) {
        self.path = path
        self.running = running
        self.requests = requests
        self.stopReason = stopReason
        self.stopPhrasing = nil
    }

    public init(path: String, running: Bool, requests: UInt64, stopPhrasing: Phrasing?) {
        self.init(path: path, running: running, requests: requests, stopReason: stopPhrasing?.text(.en))
        self.stopPhrasing = stopPhrasing
    }
}
