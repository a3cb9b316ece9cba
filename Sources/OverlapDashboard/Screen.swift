/// How a run of text is drawn. The ncurses screen maps these to colour pairs
/// and attributes (attributes only under NO_COLOR); the grid ignores them.
public enum Style: Sendable, Equatable {
    case normal
    case bold
    case dim
    /// Column headings and the footer's key names.
    case heading
    /// The current mode badge and selected things.
    case badge
    case good
    case warning
    case error
}

/// A rectangle of character cells that widgets draw into. Text that runs past
/// the right edge or below the bottom is clipped, never wrapped. A wide
/// character (Hangul, CJK) takes two cells; one that would be cut in half
/// at an edge is drawn as a space, and writing over half of one blanks its
/// other half, as a terminal does.
public protocol Screen: AnyObject {
    var width: Int { get }
    var height: Int { get }
    /// Whether the terminal can show Unicode blocks and box lines.
    var unicode: Bool { get }
    func clear()
    func put(_ x: Int, _ y: Int, _ text: String, _ style: Style)
}

extension Screen {
    func put(_ x: Int, _ y: Int, _ text: String) { put(x, y, text, .normal) }
}

/// An in-memory screen: what tests draw into and read back as text.
public final class GridScreen: Screen {
    public private(set) var width: Int
    public private(set) var height: Int
    public let unicode: Bool
    /// A cell holds a character, or the right half of the wide one before it.
    private enum Cell: Equatable {
        case glyph(Character)
        case rightHalf
    }
    private var cells: [[Cell]]
    private var styles: [[Style]]

    public init(width: Int, height: Int, unicode: Bool = true) {
        self.width = width
        self.height = height
        self.unicode = unicode
        cells = Array(repeating: Array(repeating: .glyph(" "), count: width), count: height)
        styles = Array(repeating: Array(repeating: .normal, count: width), count: height)
    }

    public func resize(width: Int, height: Int) {
        self.width = width
        self.height = height
        clear()
    }

    public func clear() {
        cells = Array(repeating: Array(repeating: .glyph(" "), count: width), count: height)
        styles = Array(repeating: Array(repeating: .normal, count: width), count: height)
    }

    public func put(_ x: Int, _ y: Int, _ text: String, _ style: Style) {
        // Clipped as the terminal's put clips (a wide character cut by an edge is a space).
        guard y >= 0 && y < height, let run = clipRun(text, at: x, room: width) else { return }
        var col = run.column
        for ch in run.text {
            let w = ch.columns
            if w == 0 { continue }  // a stray combining mark: nothing of its own to draw
            set(ch, y, col, style)
            if w == 2 {
                unsplit(y, col + 1)
                cells[y][col + 1] = .rightHalf
                styles[y][col + 1] = style
            }
            col += w
        }
    }

    /// Puts a one-cell character at (`col`, `y`), blanking the other half
    /// of a wide character it overwrites.
    private func set(_ ch: Character, _ y: Int, _ col: Int, _ style: Style) {
        unsplit(y, col)
        cells[y][col] = .glyph(ch)
        styles[y][col] = style
    }

    /// Before cell `col` is overwritten: the wide character it is part of
    /// loses its other half, which becomes a space.
    private func unsplit(_ y: Int, _ col: Int) {
        switch cells[y][col] {
        case .rightHalf where col > 0: cells[y][col - 1] = .glyph(" ")
        case .glyph(let c) where c.columns == 2 && col + 1 < width: cells[y][col + 1] = .glyph(" ")
        default: break
        }
    }

    /// The screen as lines of text, trailing spaces kept: each line is
    /// exactly `width` columns wide (a wide character counts twice).
    public var lines: [String] {
        cells.map { row in
            String(row.compactMap { if case .glyph(let c) = $0 { c } else { nil } })
        }
    }
    public var text: String { lines.joined(separator: "\n") }

    public func style(at x: Int, _ y: Int) -> Style { styles[y][x] }
}
