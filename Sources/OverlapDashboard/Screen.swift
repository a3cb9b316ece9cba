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
/// the right edge or below the bottom is clipped, never wrapped.
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
    private var cells: [[Character]]
    private var styles: [[Style]]

    public init(width: Int, height: Int, unicode: Bool = true) {
        self.width = width
        self.height = height
        self.unicode = unicode
        cells = Array(repeating: Array(repeating: " ", count: width), count: height)
        styles = Array(repeating: Array(repeating: .normal, count: width), count: height)
    }

    public func resize(width: Int, height: Int) {
        self.width = width
        self.height = height
        clear()
    }

    public func clear() {
        cells = Array(repeating: Array(repeating: " ", count: width), count: height)
        styles = Array(repeating: Array(repeating: .normal, count: width), count: height)
    }

    public func put(_ x: Int, _ y: Int, _ text: String, _ style: Style) {
        guard y >= 0 && y < height else { return }
        var col = x
        for ch in text {
            if col >= width { break }
            if col >= 0 {
                cells[y][col] = ch
                styles[y][col] = style
            }
            col += 1
        }
    }

    /// The screen as lines of text, trailing spaces kept (fixed width).
    public var lines: [String] { cells.map { String($0) } }
    public var text: String { lines.joined(separator: "\n") }

    public func style(at x: Int, _ y: Int) -> Style { styles[y][x] }
}
