/// The language of the dashboard's words (DESIGN §7, "For learners").
/// Numbers, units, metric names, flags and thread names are the same in
/// every language; the log records, `/metrics` and the headless stats stay
/// in English.
public enum Language: String, CaseIterable, Sendable, Codable {
    case en
    case ko

    /// What the locale names, in POSIX precedence: the first of `LC_ALL`,
    /// `LC_MESSAGES` and `LANG` that is set and not empty. Korean when that
    /// value is a Korean locale (`ko`, `ko_KR`, `ko_KR.UTF-8`...), English
    /// otherwise (no locale at all included). A locale that names a codeset
    /// other than UTF-8 (`ko_KR.eucKR`) is English too: the dashboard draws
    /// UTF-8 only. The locale need not be installed: only its name is read.
    public static func fromEnvironment(_ environment: [String: String]) -> Language {
        let name = ["LC_ALL", "LC_MESSAGES", "LANG"].lazy.compactMap { environment[$0] }.first { !$0.isEmpty } ?? ""
        let korean = name == "ko" || name.hasPrefix("ko_") || name.hasPrefix("ko.") || name.hasPrefix("ko@")
        let codeset = name.split(separator: ".", maxSplits: 1).dropFirst().first?.split(separator: "@").first?.lowercased()
        return korean && (codeset == nil || codeset == "utf-8" || codeset == "utf8") ? .ko : .en
    }

    /// `en, ko`: what `--lang` accepts.
    public static var list: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
