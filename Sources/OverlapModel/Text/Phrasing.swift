/// A fixed phrase with the values that fill its `{0}`, `{1}`... slots: what
/// the events log, the lints and the dashboard carry instead of finished
/// text, so each reader can show it in its own language. `text(.en)` is the
/// line the log records and `/metrics` keep.
public struct Phrasing: Sendable, Equatable, Hashable, Codable {
    /// A slot's value: text shown as it is (a number, a path, a thread name,
    /// a system error), or another phrase in the reader's language.
    public indirect enum Argument: Sendable, Equatable, Hashable, Codable, ExpressibleByStringInterpolation {
        case text(String)
        case phrase(Phrasing)

        public init(stringLiteral value: String) { self = .text(value) }
        public init(stringInterpolation: DefaultStringInterpolation) { self = .text(String(stringInterpolation: stringInterpolation)) }

        func text(_ language: Language) -> String {
            switch self {
            case .text(let s): s
            case .phrase(let p): p.text(language)
            }
        }
    }

    public var phrase: Phrase
    public var arguments: [Argument]

    public init(_ phrase: Phrase, _ arguments: Argument...) {
        self.phrase = phrase
        self.arguments = arguments
    }

    public init(_ phrase: Phrase, arguments: [Argument]) {
        self.phrase = phrase
        self.arguments = arguments
    }

    /// The phrase in `language` with its slots filled. A slot without a
    /// value is left as `{N}` (a test keeps the table and callers agreeing).
    public func text(_ language: Language) -> String {
        Self.fill(phrase.template(language), arguments.map { $0.text(language) })
    }

    /// The slots `template` has (`{0}`...`{9}`), as their numbers.
    public static func slots(_ template: String) -> Set<Int> {
        var found = Set<Int>()
        _ = fill(template, []) { found.insert($0) }
        return found
    }

    /// Replaces `{0}`...`{9}` in `template` with `values` (one pass: a value
    /// that itself contains `{1}` is not expanded again).
    public static func fill(_ template: String, _ values: [String]) -> String { fill(template, values) { _ in } }

    /// `fill`, telling `slot` each slot number met.
    private static func fill(_ template: String, _ values: [String], slot: (Int) -> Void) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let after = rest.index(after: open)
            if after < rest.endIndex, let digit = rest[after].wholeNumberValue, rest[after].isASCII,
               rest.index(after: after) < rest.endIndex, rest[rest.index(after: after)] == "}" {
                slot(digit)
                out += digit < values.count ? values[digit] : "{\(digit)}"
                rest = rest[rest.index(after: rest.index(after: after))...]
            } else {
                out += "{"
                rest = rest[after...]
            }
        }
        return out + rest
    }
}

extension Phrase {
    /// This phrase's template in `language` (English where a language lacks
    /// it, which the string table's test does not let happen).
    public func template(_ language: Language) -> String {
        let entry = StringTable.entries[self]
        return entry?[language] ?? entry?[.en] ?? rawValue
    }

    /// The template with no slots to fill, in `language`.
    public func callAsFunction(_ language: Language) -> String { template(language) }

    /// The template filled with `values`, in `language`.
    public func callAsFunction(_ language: Language, _ values: Any...) -> String {
        Phrasing.fill(template(language), values.map { "\($0)" })
    }
}
