@testable import OverlapDashboard
@testable import OverlapModel
import Testing

/// The string table, the language choice, and Hangul laid out by display
/// width (two columns a syllable) at every supported size.
@Suite
struct LanguageTests {
    static func hasHangul(_ s: String) -> Bool {
        s.unicodeScalars.contains { (0xAC00...0xD7A3).contains($0.value) }
    }

    @Test("the string table: every phrase in every language, with the same slots, and Korean where it has words")
    func tableComplete() {
        for phrase in Phrase.allCases {
            let entry = StringTable.entries[phrase]
            for language in Language.allCases {
                let text = entry?[language]
                #expect(text?.isEmpty == false, "\(phrase) has no \(language) text")
            }
            guard let en = entry?[.en], let ko = entry?[.ko] else { continue }
            #expect(Phrasing.slots(en) == Phrasing.slots(ko), "\(phrase): en \(Phrasing.slots(en)) ko \(Phrasing.slots(ko))")
            #expect(!Self.hasHangul(en), "\(phrase): Hangul in the English text")
            // Every Korean entry is Korean unless it is a name that stays (id).
            #expect(Self.hasHangul(ko) || phrase == .columnID, "\(phrase): the Korean text has no Korean: \(ko)")
        }
        #expect(StringTable.entries.count == Phrase.allCases.count)
    }

    @Test("the course's terms are the ones on screen")
    func courseTerms() {
        let all = Phrase.allCases.map { $0(.ko) }.joined(separator: "\n")
        for term in ["Overlapped 모델", "이벤트 기반 통지", "콜백 기반 통지", "APC 큐", "Alertable 상태", "완료 포트"] {
            #expect(all.contains(term), "\(term)")
        }
    }

    @Test("a phrase's slots are filled once, and a missing value stays visible")
    func fill() {
        #expect(Phrasing.fill("{0} -> {1}: {0}", ["a", "{1}"]) == "a -> {1}: a")
        #expect(Phrasing.fill("{2} {x} {", ["a"]) == "{2} {x} {")
        #expect(Phrasing.slots("{1} of {0}, {1} {x} {") == [0, 1])
        let event = ServerEvent(atNanos: 0, level: .info, phrasing: Phrasing(.eventRefusedMaxSessions, "30"), repeats: 3)
        #expect(event.message == "refused a connection: --max-sessions 30 reached (x3)")
        #expect(event.text(.ko) == "연결 거부: --max-sessions 30에 도달 (x3)")
        let nested = Phrasing(.eventHazardOn, "stall=50/1", .phrase(Phrasing(HazardKind.stall.imitates)), "")
        #expect(nested.text(.ko).contains("GC 정지") && nested.text(.en).contains("a GC pause"))
        let dropped = Phrasing(.traceDropped, .phrase(Phrasing(.traceTimeLimit, "10")), "3")
        #expect(dropped.text(.en) == "time limit 10 s, 3 requests dropped (writer behind)")
        #expect(dropped.text(.ko) == "시간 제한 10초, 요청 3개 버림 (기록이 밀림)")
    }

    @Test("the language comes from LC_ALL, then LC_MESSAGES, then LANG: Korean for ko_*")
    func fromEnvironment() {
        #expect(Language.fromEnvironment(["LANG": "ko_KR.UTF-8"]) == .ko)
        #expect(Language.fromEnvironment(["LANG": "ko"]) == .ko)
        #expect(Language.fromEnvironment(["LANG": "en_US.UTF-8"]) == .en)
        #expect(Language.fromEnvironment([:]) == .en)
        #expect(Language.fromEnvironment(["LC_ALL": "C", "LANG": "ko_KR.UTF-8"]) == .en)
        #expect(Language.fromEnvironment(["LC_ALL": "", "LC_MESSAGES": "ko_KR.UTF-8", "LANG": "C"]) == .ko)
        #expect(Language.fromEnvironment(["LC_ALL": "", "LC_MESSAGES": "ko_KR.utf8@x", "LANG": "C"]) == .ko)
        #expect(Language.fromEnvironment(["LANG": "ko_KR.eucKR"]) == .en, "Hangul is drawn in UTF-8 only")
        #expect(Language.fromEnvironment(["LANG": "kok_IN"]) == .en)  // Konkani is not Korean
    }

    @Test("display width: Hangul and CJK two columns, combining marks none, ASCII one")
    func widths() {
        #expect("overlap".columns == 7)
        #expect("완료 포트".columns == 9)
        #expect("é".columns == 1 && "e\u{301}".columns == 1)
        #expect("漢字".columns == 4 && "ｱ".columns == 1 && "Ａ".columns == 2)
        #expect(fit("완료 포트", 4) == "완료" && fit("완료 포트", 3) == "완 " && fit("완료", 6, right: true) == "  완료")
        #expect(fit("완료 포트", 3).columns == 3)
    }

    @Test("the in-memory screen keeps wide characters whole: cut at an edge or half overwritten, a space stands in")
    func gridWide() {
        let screen = GridScreen(width: 6, height: 2)
        screen.put(0, 0, "한글한글")  // 8 columns into 6: three syllables
        #expect(screen.lines[0] == "한글한")
        screen.put(1, 0, "x")  // over the right half of 한
        #expect(screen.lines[0] == " x글한")
        screen.put(-3, 1, "한글한글")  // 한 wholly off the screen, the left edge cuts 글 in half
        #expect(screen.lines[1] == " 한글 ")
        screen.clear()
        screen.put(-1, 1, "한글")  // the left edge cuts 한 in half
        #expect(screen.lines[1] == " 글   ")
        screen.put(4, 1, "ab")
        screen.put(5, 1, "글")  // no room for its right half: b becomes a space, not half a glyph
        #expect(screen.lines[1] == " 글 a ")
        for line in screen.lines { #expect(line.columns == 6) }
    }

    @Test("a row's clip (the terminal's put): never past the room, a wide character cut by an edge becomes a space")
    func clip() {
        #expect(clipRun("한글", at: 0, room: 10)! == (0, "한글"))
        #expect(clipRun("한글", at: 7, room: 10)! == (7, "한 "))  // 글 would need columns 9 and 10
        #expect(clipRun("한글", at: -1, room: 10)! == (0, " 글"))  // the left edge cuts 한
        #expect(clipRun("한글", at: -4, room: 10) == nil && clipRun("x", at: 10, room: 10) == nil)
        #expect(clipRun("abc", at: -1, room: 2)! == (0, "bc"))
        #expect(clipRun("a\tb\u{1B}c", at: 0, room: 10)! == (0, "abc"), "control characters never reach the terminal")
        for x in -3...12 {
            for text in ["한글 text", "a한b글c", "완료 포트: 동시 실행 값"] {
                guard let run = clipRun(text, at: x, room: 10) else { continue }
                #expect(run.column >= 0 && run.column + run.text.columns <= 10, "\(text) at \(x): \(run)")
            }
        }
    }

    @Test("the terminal's wide-cell map: text over half of a wide character says which other half to blank")
    func wideCells() {
        var map = WideCellMap(width: 8, height: 1)
        #expect(map.write("한글한", column: 0, y: 0) == (nil, nil))
        #expect(map.write("x", column: 1, y: 0) == (0, nil))     // right half of 한: blank its left half
        #expect(map.write("y", column: 2, y: 0) == (nil, 3))     // left half of 글: blank its right half
        #expect(map.write("│", column: 5, y: 0) == (4, nil))     // a border over the last 한's right half
        #expect(map.write("ab", column: 6, y: 0) == (nil, nil))  // narrow over narrow
        map.clear(width: 8, height: 1)
        #expect(map.write("z", column: 1, y: 0) == (nil, nil))
    }

    static var koreanFrame: Frame {
        var f = Fixtures.frame
        let lint = LintEngine.conditions(f.snapshot, previous: nil)[.apcImbalance]
            ?? Phrasing(.lintAPCImbalanceSessions, "apc-0", "40.0ms", "apc-1", "180us", "15")
        f.snapshot.lints = [Lint(kind: .apcImbalance, phrasing: lint, sinceNanos: 0)]
        return f
    }

    @Test("golden screens in Korean at 80x24, 100x30 and 60x20: the dashboard and the help overlay",
          arguments: [(80, 24), (100, 30), (60, 20)])
    func goldenKorean(width: Int, height: Int) throws {
        let screen = GridScreen(width: width, height: height)
        var state = UIState(language: .ko)
        DashboardView.draw(Self.koreanFrame, state, on: screen)
        try expectGolden(screen, "dashboard-ko-\(width)x\(height)")
        #expect(screen.text.contains("스레드") && screen.text.contains("세션"))
        state.overlay = .help
        DashboardView.draw(Self.koreanFrame, state, on: screen)
        try expectGolden(screen, "help-ko-\(width)x\(height)")
    }

    /// The display column where each line's last `border` stands (nil: none).
    static func borderColumn(_ line: String, _ border: Character) -> Int? {
        var col = 0
        var found: Int?
        for ch in line {
            if ch == border { found = col }
            col += ch.columns
        }
        return found
    }

    @Test("every size, both languages, every overlay drawn; the help and lab boxes' right border stands in one column on every line",
          arguments: Language.allCases)
    func noOverrun(language: Language) {
        let sizes = [(50, 14), (60, 20), (79, 23), (80, 24), (100, 30), (120, 40), (49, 13), (20, 5)]
        for (w, h) in sizes {
            let screen = GridScreen(width: w, height: h)
            for overlay in [UIState.Overlay.none, .help, .lab, .filter("한글 필터")] {
                for page in overlay == .help ? Array(0..<HelpPages.count) : [0] {
                    var state = UIState(language: language)
                    state.overlay = overlay
                    state.helpPage = page
                    DashboardView.draw(Self.koreanFrame, state, on: screen)
                    guard overlay == .help || overlay == .lab, w >= DashboardView.minWidth, h >= DashboardView.minHeight
                    else { continue }
                    // The box: from its top-left corner down to its bottom-left corner.
                    let lines = screen.lines
                    guard let top = lines.firstIndex(where: { $0.contains("┌") }),
                          let bottom = lines.lastIndex(where: { $0.contains("└") }) else {
                        Issue.record("\(w)x\(h) \(overlay): no box")
                        continue
                    }
                    let right = Self.borderColumn(lines[top], "┐")
                    for y in top...bottom {
                        let border: Character = y == top ? "┐" : (y == bottom ? "┘" : "│")
                        #expect(Self.borderColumn(lines[y], border) == right, "\(w)x\(h) \(overlay) line \(y): \(lines[y])")
                    }
                }
            }
        }
    }

    @Test("Korean in the filter: typed Hangul matches by substring, and matches nothing wrongly")
    func koreanFilter() {
        let rows = Fixtures.frame.snapshot.sessionRows
        var state = UIState(language: .ko)
        state.filter = "버퍼"
        // One session waits for a buffer (its state is 버퍼대기 in Korean).
        #expect(SessionsTable.visibleRows(rows, state: state).map(\.state) == [.waitingForBuffer])
        state.filter = "한글"
        #expect(SessionsTable.visibleRows(rows, state: state).isEmpty)
        state.language = .en
        state.filter = "wait buf"
        #expect(SessionsTable.visibleRows(rows, state: state).count == 1)
    }
}
