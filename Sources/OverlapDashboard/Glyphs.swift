/// The characters graphs, bars and rules are drawn with: Unicode blocks and
/// box lines on a UTF-8 terminal, plain ASCII otherwise.
struct Glyphs {
    let levels: [Character]
    let full: Character
    let empty: Character
    let rule: Character
    let separator: String

    init(unicode: Bool) {
        if unicode {
            levels = Array("▁▂▃▄▅▆▇█")
            full = "█"
            empty = "░"
            rule = "─"
            separator = " │ "
        } else {
            levels = Array("_.-:=+*#")
            full = "#"
            empty = "."
            rule = "-"
            separator = " | "
        }
    }

    /// The last `width` values as a graph scaled to their maximum (zero is the
    /// lowest level, so an idle graph is a flat baseline, not a gap).
    /// The last `width` values, drawn against `top` (at least the largest
    /// shown; callers give a floor so one pending accept does not fill it).
    func sparkline(_ values: [Int64], width: Int, top floor: Int64 = 1) -> String {
        guard width > 0 else { return "" }
        let shown = values.suffix(width)
        let top = max(floor, shown.max() ?? 1, 1)
        let top1 = levels.count - 1
        return String(shown.map { v in
            v <= 0 ? levels[0] : levels[max(1, min(top1, Int((Double(v) / Double(top) * Double(top1)).rounded())))]
        })
    }

    /// A bar `width` cells wide filled to `share` (0...1).
    func bar(_ share: Double, width: Int) -> String {
        guard width > 0 else { return "" }
        let filled = min(width, max(0, Int((share * Double(width)).rounded())))
        return String(repeating: full, count: filled) + String(repeating: empty, count: width - filled)
    }
}

