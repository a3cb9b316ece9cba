import OverlapModel

/// The hazard lab on screen: the Warnings panel (raised lints) and the lab
/// overlay (key l) that switches hazards.
enum LabPanels {
    /// Lines the Warnings panel needs below its rule (0: no lint raised).
    static func warningLines(_ s: StatsSnapshot, max: Int) -> Int { min(s.lints.count, max) }

    /// One line per raised lint: its name, then what is wrong, the concept
    /// and what to try (cut at the screen's edge; the events log and
    /// `/metrics` keep the whole line).
    static func warnings(_ s: StatsSnapshot, lines: Int, _ language: Language, _ g: Glyphs, on screen: Screen,
                         y: inout Int) {
        guard lines > 0 else { return }
        DashboardView.rule(Phrase.panelWarnings(language, s.lints.count)
                           + (s.lints.count > lines ? Phrase.notShown(language, s.lints.count - lines) : ""),
                           at: y, g, on: screen)
        y += 1
        for lint in s.lints.prefix(lines) {
            let name = lint.kind.rawValue
            screen.put(0, y, name, .warning)
            screen.put(name.columns + 1, y, fit(lint.text(language), screen.width - name.columns - 1))
            y += 1
        }
    }

    /// The lab overlay: each hazard, on or off, with what it imitates.
    static func overlay(_ s: StatsSnapshot, cursor: Int, _ language: Language, _ g: Glyphs, on screen: Screen) {
        var lines: [(String, Style)] = [("", .normal)]
        for (i, kind) in HazardKind.allCases.enumerated() {
            let on = s.hazards.spec(kind)
            let mark = on != nil ? Phrase.labOn(language) : "[  ] "
            let pointer = i == cursor ? "> " : "  "
            lines.append((pointer + mark + (on ?? kind.labSpec(mode: s.mode)), i == cursor ? .bold : (on != nil ? .warning : .normal)))
            lines.append(("    " + kind.imitates(language), .dim))
        }
        DashboardView.box(lines, width: 96, height: lines.count + 3,
                          title: Phrase.labTitle(language, s.mode.rawValue),
                          bottomLeft: Phrase.labKeys(language), g, on: screen)
    }
}
