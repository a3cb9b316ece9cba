/// How many terminal columns text takes: Hangul, CJK and other East Asian
/// wide or fullwidth characters take two, combining marks and joiners none,
/// everything else one. Every layout measures with this, never with
/// `count` (characters) or `utf8.count` (bytes).
///
/// Written here, not asked of glibc's `wcwidth(3)`: that answers from the
/// process's locale (-1 for every non-ASCII character under the C locale the
/// tests run in), and no listed package has a width table. The ranges are
/// the wide (W) and fullwidth (F) blocks of Unicode's EastAsianWidth.txt
/// that a dashboard can meet: Hangul, CJK, kana, fullwidth forms and emoji.
extension Unicode.Scalar {
    var columns: Int {
        let v = value
        if v < 0x300 { return v < 0x20 || (v >= 0x7F && v < 0xA0) ? 0 : 1 }
        switch properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        // Hangul Jamo medial vowels and final consonants join the syllable before.
        if (0x1160...0x11FF).contains(v) || (0xD7B0...0xD7FF).contains(v) { return 0 }
        for r in Self.wide where r.contains(v) { return 2 }
        return 1
    }

    private static let wide: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0...0x23F0, 0x23F3...0x23F3,
        0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F...0x267F, 0x2693...0x2693, 0x26A1...0x26A1,
        0x26AA...0x26AB, 0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE...0x26CE, 0x26D4...0x26D4, 0x26EA...0x26EA,
        0x26F2...0x26F3, 0x26F5...0x26F5, 0x26FA...0x26FA, 0x26FD...0x26FD, 0x2705...0x2705, 0x270A...0x270B,
        0x2728...0x2728, 0x274C...0x274C, 0x274E...0x274E, 0x2753...0x2755, 0x2757...0x2757, 0x2795...0x2797,
        0x27B0...0x27B0, 0x27BF...0x27BF, 0x2B1B...0x2B1C, 0x2B50...0x2B50, 0x2B55...0x2B55,
        0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F,
        0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
        0x16FE0...0x16FE4, 0x17000...0x18AFF, 0x1B000...0x1B2FF, 0x1F004...0x1F004, 0x1F0CF...0x1F0CF,
        0x1F18E...0x1F18E, 0x1F191...0x1F19A, 0x1F200...0x1F251, 0x1F300...0x1F64F, 0x1F680...0x1F6FF,
        0x1F900...0x1F9FF, 0x1FA70...0x1FAFF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]
}

extension Character {
    /// Columns this character takes: 0, 1 or 2 (a cluster takes its widest
    /// scalar's; an emoji presentation selector makes it 2).
    var columns: Int {
        if isASCII { return unicodeScalars.first!.columns }
        var w = 0
        for s in unicodeScalars {
            if s.value == 0xFE0F { return 2 }
            w = max(w, s.columns)
        }
        return min(2, w)
    }
}

extension StringProtocol {
    /// Columns this text takes on a terminal.
    var columns: Int { reduce(0) { $0 + $1.columns } }

    /// The longest start of this text that fits in `width` columns (a wide
    /// character that would be cut in half is left out).
    func prefix(columns width: Int) -> String {
        var out = ""
        var used = 0
        for ch in self {
            let w = ch.columns
            if used + w > width { break }
            out.append(ch)
            used += w
        }
        return out
    }
}

/// Pads or cuts `s` to exactly `width` columns (cut hard, as htop does: an
/// ellipsis would not survive a terminal that is not UTF-8; a wide
/// character that would be cut in half becomes a space).
func fit(_ s: String, _ width: Int, right: Bool = false) -> String {
    guard width > 0 else { return "" }
    let w = s.columns
    if w > width {
        let cut = s.prefix(columns: width)
        return cut + String(repeating: " ", count: width - cut.columns)
    }
    let pad = String(repeating: " ", count: width - w)
    return right ? pad + s : s + pad
}

/// Where text put at column `x` of a row lands when the row shows columns
/// `0..<room`: the column it starts at and the part that shows. A wide
/// character cut by either edge becomes a space, so what is written never
/// holds half a glyph. Nil when nothing shows.
func clipRun(_ text: String, at x: Int, room: Int) -> (column: Int, text: String)? {
    guard room > 0, x < room else { return nil }
    var out = ""
    var col = x
    var start: Int?
    for ch in text {
        let w = ch.columns
        if w == 0 {
            // A combining mark joins what is drawn; a control character (a tab
            // or ESC in an error's text) is never sent to the terminal.
            if start != nil && ch.unicodeScalars.first!.properties.generalCategory != .control { out.append(ch) }
            continue
        }
        if col >= room { break }
        if col + w <= 0 {  // wholly left of the edge
            col += w
            continue
        }
        if col < 0 || col + w > room {
            // Straddles an edge: the visible cells of it are blanks.
            for c in max(0, col)..<min(room, col + w) {
                if start == nil { start = c }
                out.append(" ")
            }
        } else {
            if start == nil { start = col }
            out.append(ch)
        }
        col += w
    }
    return start.map { ($0, out) }
}

/// Which cells of a terminal hold the left or right half of a wide
/// character, as drawn since the last clear. A terminal blanks the other
/// half of a wide character that is partly overwritten; ncurses's window
/// keeps the left half instead when a narrow one covers the right half, and
/// then skips that cell when it refreshes (a glyph half gone, a stray border
/// left behind when an overlay closes). `CursesScreen` asks this map which
/// cells to blank itself.
struct WideCellMap {
    enum Cell: UInt8 { case narrow, left, right }
    private var rows: [[Cell]]
    private var width: Int

    init(width: Int, height: Int) {
        self.width = max(0, width)
        rows = Array(repeating: Array(repeating: .narrow, count: self.width), count: max(0, height))
    }

    /// Everything blank (after `werase`, or a new size).
    mutating func clear(width: Int, height: Int) { self = WideCellMap(width: width, height: height) }

    /// Records `text` written at (`column`, `y`). Returns the cells outside
    /// it that held the other half of a wide character it covered partly:
    /// they must be blanked (the one before first, the one after last).
    mutating func write(_ text: String, column: Int, y: Int) -> (before: Int?, after: Int?) {
        guard rows.indices.contains(y), column >= 0 else { return (nil, nil) }
        let end = min(width, column + text.columns)
        guard column < end else { return (nil, nil) }
        let before = rows[y][column] == .right && column > 0 ? column - 1 : nil
        let after = end < width && rows[y][end] == .right ? end : nil
        if let before { rows[y][before] = .narrow }
        if let after { rows[y][after] = .narrow }
        var col = column
        for ch in text where col < end {
            switch ch.columns {
            case 0: continue
            case 2 where col + 1 < end:
                rows[y][col] = .left
                rows[y][col + 1] = .right
                col += 2
            default:
                rows[y][col] = .narrow
                col += 1
            }
        }
        return (before, after)
    }
}
