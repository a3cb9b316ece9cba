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

    public init(path: String, running: Bool, requests: UInt64, stopReason: String?) {
        self.path = path
        self.running = running
        self.requests = requests
        self.stopReason = stopReason
    }
}
