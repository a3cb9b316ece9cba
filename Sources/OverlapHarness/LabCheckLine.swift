import OverlapModel

/// One hazard's check in `overlap lab --check`.
public struct LabCheckLine: Sendable {
    /// The hazard as `--hazard` writes it, and the mode it ran in.
    public var hazard: String
    public var mode: NotificationMode
    /// Whether its signature (DESIGN §7, issue 15) was seen.
    public var seen: Bool
    /// The figures the verdict rests on.
    public var figures: String

    public init(hazard: String, mode: NotificationMode, seen: Bool, figures: String) {
        self.hazard = hazard
        self.mode = mode
        self.seen = seen
        self.figures = figures
    }

    public var text: String {
        "\(seen ? "seen   " : "MISSING") \(hazard.padding(25)) \(mode.rawValue.padding(8)) \(figures)"
    }
}

/// Pads the lab table's columns.
extension String {
    func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}
