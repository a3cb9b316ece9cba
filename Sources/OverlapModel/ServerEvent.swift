/// A line of the event log: mode switches, errors, refusals.
public struct ServerEvent: Sendable, Equatable, Codable {
    public enum Level: String, Sendable, Codable { case info, warning, error }
    public var atNanos: UInt64
    public var level: Level
    /// The line in English, with " (xN)" when N events were folded into it:
    /// what the log records and the stats JSON carry.
    public var message: String
    /// The same line as a phrase and its values, for a reader in another
    /// language (nil: a line that has only its English text). Not encoded:
    /// the stats JSON keeps the English line only.
    public var phrasing: Phrasing? = nil
    /// How many events this line stands for (a folded burst; at least 1).
    /// Not encoded: `message` says it ("(xN)").
    public var repeats: Int = 1

    private enum CodingKeys: String, CodingKey { case atNanos, level, message }

    public init(atNanos: UInt64, level: Level, message: String) {
        self.atNanos = atNanos
        self.level = level
        self.message = message
        self.phrasing = nil
        self.repeats = 1
    }

    /// An event told as `phrasing` (its English text becomes `message`).
    public init(atNanos: UInt64, level: Level, phrasing: Phrasing, repeats: Int = 1) {
        self.atNanos = atNanos
        self.level = level
        self.phrasing = phrasing
        self.repeats = max(1, repeats)
        self.message = phrasing.text(.en) + (repeats > 1 ? " (x\(repeats))" : "")
    }

    /// The line in `language`.
    public func text(_ language: Language) -> String {
        guard let phrasing else { return message }
        return phrasing.text(language) + (repeats > 1 ? " (x\(repeats))" : "")
    }
}
