import OverlapModel

/// The help overlay's pages: the modes and keys, then what every figure
/// means with the Winsock / IOCP name it stands for. The text is in the
/// string table (`Phrase.helpModes`...), one entry per page in every
/// language; each line fits 76 columns and each page 20 lines, so a page
/// fits an 80x24 terminal whole (a test holds every language to that).
enum HelpPages {
    static let phrases: [Phrase] = [.helpModes, .helpGlossary, .helpPanels, .helpHeader]
    static var count: Int { phrases.count }

    /// Every page in `language`, as lines.
    static func pages(_ language: Language) -> [[String]] {
        phrases.map { $0(language).split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
    }

    /// Page `page` (clamped), and how many there are.
    static func lines(page: Int, _ language: Language) -> [String] {
        pages(language)[max(0, min(count - 1, page))]
    }
}
