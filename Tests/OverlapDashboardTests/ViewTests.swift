@testable import OverlapDashboard
import OverlapModel
import Testing

@Suite
struct ViewTests {
    @Test("golden screens at 80x24, 120x40 and 60x20", arguments: [(80, 24), (120, 40), (60, 20)])
    func golden(width: Int, height: Int) throws {
        let screen = GridScreen(width: width, height: height)
        DashboardView.draw(Fixtures.frame, UIState(), on: screen)
        try expectGolden(screen, "dashboard-\(width)x\(height)")
    }

    @Test("every figure on screen comes from the snapshot")
    func figures() {
        let screen = GridScreen(width: 120, height: 40)
        DashboardView.draw(Fixtures.frame, UIState(), on: screen)
        let text = screen.text
        // Header: mode, requests still finishing in port (1 accept + 1 recv), totals.
        #expect(screen.lines[0].contains(" CALLBACK ") && screen.lines[0].contains("2 finishing in old modes"))
        #expect(screen.lines[1].contains("sessions 30") && screen.lines[2].contains("refused 3"))
        // 46k receive completions per scale step, one second apart.
        #expect(screen.lines[1].contains("46.0k recv/s"))
        // Pending recv row: event 0, callback 27, port 1, total 28.
        #expect(screen.lines.contains { $0.hasPrefix("recv") && $0.contains("0       27        1     28") })
        // APC thread 0: 90k completions/s, 85% busy.
        #expect(screen.lines.contains { $0.hasPrefix("apc-0") && $0.contains("90.0k/s") && $0.contains("85%") })
        // Queue depth and routines per alertable wait (90k routines over 30k waits a second).
        #expect(screen.lines.contains { $0.hasPrefix("apc-0") && $0.contains("queue 3, 3.0/wait") })
        #expect(screen.lines.contains { $0.hasPrefix("apc-1") && $0.contains("queue 0, 1.0/wait") })
        // Callback mode: the accept counts under event, and the panel says why.
        #expect(text.contains("the accept counts under event: AcceptEx takes no routine; apc-0 waits on it"))
        #expect(text.contains("wait buf"))
    }

    @Test("the engine's port visits have a worker row of their own: its rate and busy time, the engine's apart")
    func engineVisitRow() {
        func snapshot(_ t: UInt64) -> StatsSnapshot {
            var s = Fixtures.snapshot(at: t * Fixtures.second, scale: t)
            // 5k handlers a second taking 40% of a core, lent by the engine thread.
            s.threads.append(ThreadRow(id: 9, name: "port-v", role: .portVisits, mode: .port, completions: 5_000 * t,
                                       busyNanos: 400_000_000 * t, startedAtNanos: 0, alive: true))
            s.threads[0].submitted = 91_000 * t  // uring-0 put 91k requests a second on its ring
            return s
        }
        let screen = GridScreen(width: 100, height: 30)
        let (a, b) = (snapshot(100), snapshot(101))
        DashboardView.draw(Frame(snapshot: b, rates: SnapshotRates(from: a, to: b)), UIState(), on: screen)
        let visit = screen.lines.first { $0.hasPrefix("port-v") } ?? ""
        #expect(visit.contains("engine as worker") && visit.contains("5.00k/s") && visit.contains("40%"), "\(visit)")
        let engine = screen.lines.first { $0.hasPrefix("uring-0") } ?? ""
        // The engine's rate is its own work (requests it reaped), not handlers; beside
        // its label, the requests it submitted a second.
        #expect(engine.contains("sub 91.0k/s, done") && engine.contains("93.0k/s") && engine.contains("30%"), "\(engine)")
        // An engine that never submitted (epoll: the posting thread tries the
        // operation itself) keeps the plain label, drawn through the view.
        var (plainA, plainB) = (a, b)
        plainA.threads[0].submitted = 0
        plainB.threads[0].submitted = 0
        let rates = SnapshotRates(from: plainA, to: plainB)
        #expect(rates.submittedPerSecond[plainB.threads[0].id] == nil)
        DashboardView.draw(Frame(snapshot: plainB, rates: rates), UIState(), on: screen)
        let plain = screen.lines.first { $0.hasPrefix("uring-0") } ?? ""
        #expect(plain.contains("engine: I/O done") && !plain.contains("sub "), "\(plain)")
        #expect(DashboardView.roleLabel(plainB.threads[0], perWait: nil, submits: 1500, .ko) == "제출 1.50k/s, 완료")
        // skip-on-success: the visits' row ran 2k handlers a second inline, as the poster.
        var (inlineA, inlineB) = (a, b)
        inlineA.threads[inlineA.threads.count - 1].inlineRuns = 2_000 * 100
        inlineB.threads[inlineB.threads.count - 1].inlineRuns = 2_000 * 101
        DashboardView.draw(Frame(snapshot: inlineB, rates: SnapshotRates(from: inlineA, to: inlineB)), UIState(), on: screen)
        let inline = screen.lines.first { $0.hasPrefix("port-v") } ?? ""
        #expect(inline.contains("2.00k/s inline") && inline.contains("5.00k/s"), "\(inline)")
    }

    @Test("port mode's internals: concurrency, running, waiting workers with the next woken first, waits a second")
    func portLine() {
        func snapshot(_ t: UInt64) -> StatsSnapshot {
            var s = Fixtures.snapshot(at: t * Fixtures.second, scale: t)
            s.mode = .port
            s.engine = .epoll
            s.portConcurrency = 2
            s.portRunning = 1
            s.portWaiting = ["port-2", "port-0"]  // port-0 waited last: it is woken first
            s.portKernelWaiting = 1
            return s
        }
        let screen = GridScreen(width: 100, height: 30)
        let (a, b) = (snapshot(100), snapshot(101))
        DashboardView.draw(Frame(snapshot: b, rates: SnapshotRates(from: a, to: b)), UIState(), on: screen)
        let rule = screen.lines.firstIndex { $0.contains(" Threads (") } ?? 0
        #expect(screen.lines[rule + 1].hasPrefix(
            "port: concurrency 2, running 1, waiting port-0 (next) port-2, 1 in epoll_wait, waits 200/s"), "\(screen.lines[rule + 1])")
    }

    @Test("ASCII graphs and rules when the terminal is not UTF-8")
    func ascii() {
        let screen = GridScreen(width: 80, height: 24, unicode: false)
        DashboardView.draw(Fixtures.frame, UIState(), on: screen)
        #expect(screen.text.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(screen.lines[3].hasPrefix("- Pending"))
    }

    @Test("below the minimum: a too-small screen that names both sizes")
    func tooSmall() {
        let screen = GridScreen(width: 40, height: 10)
        DashboardView.draw(Fixtures.frame, UIState(), on: screen)
        #expect(screen.text.contains("too small: have 40x10, need 50x14"))
        screen.resize(width: 10, height: 3)
        DashboardView.draw(Fixtures.frame, UIState(), on: screen)  // must not trap
        screen.resize(width: 50, height: 14)
        DashboardView.draw(Fixtures.frame, UIState(), on: screen)
        #expect(!screen.text.contains("too small") && screen.text.contains("Sessions"))
    }

    @Test("help overlay explains the modes")
    func help() {
        let screen = GridScreen(width: 100, height: 30)
        var state = UIState()
        state.overlay = .help
        DashboardView.draw(Fixtures.frame, state, on: screen)
        #expect(screen.text.contains("at most 64 events"))
        #expect(screen.text.contains("APC"))
        #expect(screen.text.contains("last-in first-out"))
        #expect(screen.text.contains("AcceptEx takes no routine") && screen.text.contains("docs/WINDOWS.md"))
        #expect(screen.text.contains("page 1/4"))
        state.helpPage = 1
        DashboardView.draw(Fixtures.frame, state, on: screen)
        // What notify delay is, and why it differs by mode (issue 14).
        #expect(screen.text.contains("completed -> its handler starts: the notification delay"))
        #expect(screen.text.contains("any free port worker must pick it up") && screen.text.contains("page 2/4"))
        state.helpPage = 2
        DashboardView.draw(Fixtures.frame, state, on: screen)
        #expect(screen.text.contains("ran on") && screen.text.contains("engine: I/O done") && screen.text.contains("page 3/4"))
        state.helpPage = 3
        DashboardView.draw(Fixtures.frame, state, on: screen)
        #expect(screen.text.contains("buffer waits") && screen.text.contains("WSAENOBUFS") && screen.text.contains("page 4/4"))
    }

    @Test("at 80x24 both graphs keep what they span beside their scale", arguments: Language.allCases)
    func graphSpansAt80(language: Language) throws {
        let screen = GridScreen(width: 80, height: 24)
        DashboardView.draw(Fixtures.frame, UIState(language: language), on: screen)
        let line = try #require(screen.lines.first { $0.contains(Phrase.graphPending(language) + " 0-") })
        let spans = line.split(separator: " ").filter { $0.hasSuffix("s") && Double($0.dropLast()) != nil }
        #expect(spans.count == 2, "each graph's span: \(line)")
    }

    @Test("help cut to the smallest terminal: the box says so, how it closes and which page, none over another",
          arguments: Language.allCases)
    func helpCut(language: Language) throws {
        let screen = GridScreen(width: DashboardView.minWidth, height: DashboardView.minHeight)
        var state = UIState(language: language)
        state.overlay = .help
        DashboardView.draw(Fixtures.frame, state, on: screen)
        let bottom = try #require(screen.lines.last { $0.contains("└") })
        func trimmed(_ s: String) -> String { String(s.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()) }
        let cut = trimmed(Phrase.helpCut(language))
        let page = trimmed(Phrase.helpPage(language, 1, HelpPages.pages(language).count))
        #expect(bottom.contains(cut) && bottom.contains(page), "\(bottom)")
    }

    @Test("help pages in every language: every line fits 76 columns and every page 20 lines, so each fits 80x24 whole",
          arguments: Language.allCases)
    func helpFits(language: Language) {
        for (i, page) in HelpPages.pages(language).enumerated() {
            #expect(page.count <= 20, "page \(i + 1): \(page.count) lines")
            for line in page { #expect(line.columns <= 76, "page \(i + 1): \(line.columns) columns: \(line)") }
            let screen = GridScreen(width: 80, height: 24)
            var state = UIState(language: language)
            state.overlay = .help
            state.helpPage = i
            DashboardView.draw(Fixtures.frame, state, on: screen)
            #expect(screen.text.contains(page.last!), "page \(i + 1)'s last line is on an 80x24 screen")
        }
    }

    @Test("graphs and bars scale to their values")
    func glyphs() {
        let g = Glyphs(unicode: true)
        #expect(g.sparkline([0, 1, 2, 4, 8], width: 5) == "▁▂▃▅█")
        #expect(g.sparkline([0, 0], width: 5) == "▁▁")
        #expect(g.sparkline(Array(0..<100), width: 3).count == 3)
        #expect(g.bar(0.5, width: 10) == "█████░░░░░")
        #expect(g.bar(2, width: 4) == "████")
    }
}
