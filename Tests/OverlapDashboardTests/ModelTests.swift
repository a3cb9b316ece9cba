@testable import OverlapDashboard
import OverlapModel
import Testing

@Suite
struct ModelTests {
    @Test("the key table maps each key of the contract to its command")
    func keys() {
        let expected: [(Key, Command)] = [
            (.char("1"), .switchMode(.event)), (.char("e"), .switchMode(.event)),
            (.char("2"), .switchMode(.callback)), (.char("c"), .switchMode(.callback)),
            (.char("3"), .switchMode(.port)), (.char("p"), .switchMode(.port)),
            (.char("m"), .nextMode), (.char("q"), .quit), (.f10, .quit),
            (.char("?"), .toggleHelp), (.char("h"), .toggleHelp), (.f1, .toggleHelp),
            (.up, .scroll(.up)), (.down, .scroll(.down)), (.pageUp, .scroll(.pageUp)),
            (.pageDown, .scroll(.pageDown)), (.home, .scroll(.top)), (.end, .scroll(.bottom)),
            (.char("s"), .nextSort), (.char("S"), .reverseSort), (.char("/"), .openFilter),
            (.char("+"), .faster), (.char("-"), .slower), (.char(" "), .togglePause), (.escape, .closeOverlay),
        ]
        for (key, command) in expected { #expect(KeyMap.command(for: key) == command, "\(key)") }
        #expect(KeyMap.command(for: .char("x")) == nil)
    }

    @Test("mode keys switch the server through ServerControl")
    func modeKeys() {
        let control = AdvancingControl()
        let model = DashboardModel(control: control)
        for k in ["1", "2", "3", "e", "c", "p"] { model.handle(.char(Character(k))) }
        model.handle(.char("m"))
        #expect(control.switches == [.event, .callback, .port, .event, .callback, .port, .event])
        #expect(model.frame.snapshot.mode == .event, "the new mode shows at once")
    }

    @Test("each new sample is shown once, with its history point; pause freezes the view while the server keeps sampling")
    func samplesAndPause() {
        let control = AdvancingControl()
        let model = DashboardModel(control: control)
        #expect(!model.refresh(), "no new sample yet")
        control.tick()
        #expect(model.refresh() && !model.refresh(), "a sample is adopted once")
        #expect(model.frame.pendingHistory.count == 1 && model.frame.rates.seconds == 1)
        model.handle(.char(" "))
        let frozen = model.frame.snapshot
        for _ in 0..<3 {
            control.tick()
            #expect(!model.refresh())
        }
        #expect(model.frame.snapshot == frozen)
        let a = GridScreen(width: 80, height: 24)
        DashboardView.draw(model.frame, model.state, on: a)
        #expect(a.lines[0].contains("PAUSED"))
        // The server kept sampling: unpausing shows its latest sample.
        model.handle(.char(" "))
        #expect(model.refresh())
        #expect(model.frame.snapshot == control.latestSample().snapshot)
        #expect(model.frame.snapshot.takenAtNanos == frozen.takenAtNanos + 3 * Fixtures.second)
    }

    @Test("sort, reverse, filter and scroll the sessions")
    func sessions() {
        let control = AdvancingControl()
        let model = DashboardModel(control: control)
        model.pageRows = 5
        model.handle(.char("s"))  // peer
        #expect(model.state.sort == .peer)
        model.handle(.char("S"))
        var rows = SessionsTable.visibleRows(model.frame.snapshot.sessionRows, state: model.state)
        #expect(rows.first?.id == 30)
        model.handle(.end)
        #expect(model.state.scroll == 25)
        model.handle(.pageUp)
        #expect(model.state.scroll == 20)
        model.handle(.home)
        #expect(model.state.scroll == 0)
        model.handle(.up)
        #expect(model.state.scroll == 0, "scrolling stops at the top")

        model.handle(.char("/"))
        for c in "wait" { model.handle(.char(c)) }
        #expect(model.state.overlay == .filter("wait"))
        model.handle(.char("q"))  // typed into the filter, not quit
        model.handle(.backspace)
        model.handle(.enter)
        #expect(!model.state.quitting && model.state.filter == "wait" && model.state.overlay == .none)
        rows = SessionsTable.visibleRows(model.frame.snapshot.sessionRows, state: model.state)
        #expect(rows.map(\.id) == [9])
        model.handle(.char("/"))
        model.handle(.escape)
        #expect(model.state.filter == "wait", "Esc closes the filter line without changing the filter")
    }

    @Test("a paste goes into the open filter line, printable characters only, and is dropped anywhere else")
    func paste() {
        let control = AdvancingControl()
        let model = DashboardModel(control: control)
        let start = model.state
        #expect(!model.handle(.paste("123q")), "nothing to redraw")
        #expect(model.state == start)
        model.handle(.char("?"))
        model.handle(.paste("q"))
        #expect(model.state.overlay == .help, "a pasted q does not close help either")
        model.handle(.escape)

        model.handle(.char("/"))
        model.handle(.char("w"))
        model.handle(.paste("ai\r\nt\t\u{07}\u{9B}한"))
        #expect(model.state.overlay == .filter("wait한"))
        model.handle(.paste("q"))
        model.handle(.backspace)
        model.handle(.enter)
        #expect(model.state.filter == "wait한" && model.state.overlay == .none)
        #expect(control.switches.isEmpty && !model.state.quitting)
    }

    @Test("help: PgDn and the right arrow turn to the glossary, the panels and the header pages, PgUp and the left arrow back; ? closes and reopens on page 1")
    func helpPages() {
        let model = DashboardModel(control: AdvancingControl())
        model.handle(.char("?"))
        #expect(model.state.overlay == .help && model.state.helpPage == 0)
        model.handle(.pageDown)
        #expect(model.state.helpPage == 1 && model.state.scroll == 0, "PgDn turns the page, it does not scroll the sessions")
        model.handle(.right)
        #expect(model.state.helpPage == 2, "the third page: threads, sessions and the lab")
        model.handle(.right)
        #expect(model.state.helpPage == 3, "the fourth page: the header, sessions and events")
        model.handle(.right)
        #expect(model.state.helpPage == 3, "the last page stays")
        model.handle(.left)
        model.handle(.left)
        model.handle(.left)
        #expect(model.state.helpPage == 0)
        model.handle(.pageDown)
        model.handle(.char("?"))
        #expect(model.state.overlay == .none)
        model.handle(.char("?"))
        #expect(model.state.helpPage == 0, "help opens on its first page")
    }

    @Test("+ and - step the server's sampling interval between 100 ms and 10 s; q closes help before it quits")
    func refreshAndQuit() {
        let control = AdvancingControl()
        let model = DashboardModel(control: control)
        model.handle(.char("+"))
        #expect(control.refreshMs == 500 && model.state.refreshMs == 500)
        for _ in 0..<10 { model.handle(.char("+")) }
        #expect(control.refreshMs == 100)
        for _ in 0..<10 { model.handle(.char("-")) }
        #expect(control.refreshMs == 10_000 && model.state.refreshMs == 10_000,
                "the dashboard reaches the whole range --refresh-ms accepts")
        model.handle(.char("?"))
        model.handle(.char("q"))
        #expect(model.state.overlay == .none && !model.state.quitting)
        model.handle(.char("q"))
        #expect(model.state.quitting)
    }

    @Test("l opens the hazard lab: arrows choose, Enter switches a hazard on and off through ServerControl; the header says so")
    func hazardLab() {
        let control = AdvancingControl()
        let model = DashboardModel(control: control)
        model.handle(.char("l"))
        #expect(model.state.overlay == .lab)
        model.handle(.enter)  // slow-handler, on the first thread of the mode shown (the fixture: callback)
        #expect(control.hazards.slowHandler == SlowHandler(millis: 5, thread: "apc-0"))
        model.handle(.down)
        model.handle(.down)
        model.handle(.down)
        model.handle(.char(" "))  // stall
        #expect(control.hazards.stall == Stall(millis: 200, everySeconds: 1))
        let screen = GridScreen(width: 100, height: 30)
        DashboardView.draw(model.frame, model.state, on: screen)
        let text = screen.lines.joined(separator: "\n")
        #expect(text.contains("[on] slow-handler=5@apc-0") && text.contains("> [on] stall=200/1"), "\(text)")
        #expect(text.contains("[  ] buffers=4") && text.contains("FILE_SKIP_COMPLETION_PORT_ON_SUCCESS"))
        #expect(screen.lines[0].contains("HAZARD slow-handler,stall"))
        model.handle(.enter)
        #expect(control.hazards.stall == nil && control.hazards.slowHandler != nil)
        model.handle(.escape)
        #expect(model.state.overlay == .none)
        model.handle(.char("l"))
        model.handle(.char("l"))
        #expect(model.state.overlay == .none, "l closes it too")
    }

    @Test("raised lints show in a Warnings panel, one line each, and the sessions give up the room")
    func warningsPanel() {
        let control = AdvancingControl()
        control.raise([Lint(kind: .apcImbalance, message: "APC thread apc-0 waits 40 ms at p99", sinceNanos: 0),
                       Lint(kind: .bufferStarved, message: "12 receives waited for a free buffer", sinceNanos: 0)])
        control.tick()
        let model = DashboardModel(control: control)
        let screen = GridScreen(width: 100, height: 30)
        DashboardView.draw(model.frame, model.state, on: screen)
        let rule = screen.lines.firstIndex { $0.contains(" Warnings (2) ") }
        #expect(rule != nil, "\(screen.lines.joined(separator: "\n"))")
        if let rule {
            #expect(screen.lines[rule + 1].hasPrefix("apc_imbalance APC thread apc-0 waits 40 ms at p99"))
            #expect(screen.lines[rule + 2].hasPrefix("buffer_starved 12 receives waited"))
            #expect(screen.lines[rule + 3].contains(" Events "))
        }
    }
}
