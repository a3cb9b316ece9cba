import OverlapModel

/// The hazard lab on screen: the Warnings panel (raised lints) and the lab
/// overlay (key l) that switches hazards.
enum LabPanels {
    /// Lines the Warnings panel needs below its rule (0: no lint raised).
    static func warningLines(_ s: StatsSnapshot, max: Int) -> Int { min(s.lints.count, max) }

    /// One line per raised lint: its name, then what is wrong, the concept
    /// and what to try (cut at the screen's edge; the events log and
    /// `/metrics` keep the whole line).
    static func warnings(_ s: StatsSnapshot, lines: Int, _ g: Glyphs, on screen: Screen, y: inout Int) {
        guard lines > 0 else { return }
        DashboardView.rule("Warnings (\(s.lints.count))" + (s.lints.count > lines ? ", \(s.lints.count - lines) not shown" : ""),
                           at: y, g, on: screen)
        y += 1
        for lint in s.lints.prefix(lines) {
            screen.put(0, y, lint.kind.rawValue, .warning)
            screen.put(lint.kind.rawValue.count + 1, y, fit(lint.message, screen.width - lint.kind.rawValue.count - 1))
            y += 1
        }
    }

    /// The lab overlay: each hazard, on or off, with what it imitates.
    static func overlay(_ s: StatsSnapshot, cursor: Int, _ g: Glyphs, on screen: Screen) {
        let w = min(screen.width, 96)
        let kinds = HazardKind.allCases
        let h = min(screen.height, kinds.count * 2 + 4)
        let x0 = max(0, (screen.width - w) / 2)
        let y0 = max(0, (screen.height - h) / 2)
        let bar: (String, String, String, String, String) = screen.unicode
            ? ("┌", "┐", "└", "┘", "│") : ("+", "+", "+", "+", "|")
        let rule = String(repeating: g.rule, count: max(0, w - 2))
        screen.put(x0, y0, bar.0 + rule + bar.1, .bold)
        screen.put(x0 + 2, y0, " Hazard lab: provoke each model's classic failure (\(s.mode.rawValue) mode now) ", .bold)
        var y = y0 + 1
        func line(_ text: String, _ style: Style = .normal) {
            guard y < y0 + h - 1 else { return }
            screen.put(x0, y, bar.4 + " " + fit(text, w - 4) + " " + bar.4, style)
            y += 1
        }
        line("")
        for (i, kind) in kinds.enumerated() {
            let on = s.hazards.spec(kind)
            let mark = on != nil ? "[on] " : "[  ] "
            let pointer = i == cursor ? "> " : "  "
            line(pointer + mark + (on ?? kind.labSpec(mode: s.mode)), i == cursor ? .bold : (on != nil ? .warning : .normal))
            line("    " + kind.imitates, .dim)
        }
        while y < y0 + h - 1 { line("") }
        screen.put(x0, y0 + h - 1, bar.2 + rule + bar.3, .bold)
        screen.put(x0 + 2, y0 + h - 1, " up/down choose, Enter or space switches, Esc or l closes ", .dim)
    }
}
