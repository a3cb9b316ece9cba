import Glibc
import OverlapModel

/// The dashboard's loop on the terminal: draw each new sample of the server,
/// answer keys. Runs on the calling thread, the only one that touches curses.
public enum DashboardApp {
    /// How the dashboard ended.
    public enum Exit: Equatable, Sendable {
        case quit
        /// A stop signal arrived (its number).
        case signal(Int32)
    }

    /// Opens the terminal and runs until `q` or until `pendingSignal` returns a
    /// signal number (polled between keys, at least every 100 ms; every
    /// 500 ms while a paste that has stalled is being read). Each new
    /// sample of the server's sampler is drawn when it arrives. The terminal
    /// is restored before this returns or throws.
    /// `language` is the language of its words (`serve --lang`, or the locale).
    public static func run(control: ServerControl, language: Language = .en, pendingSignal: () -> Int32) throws -> Exit {
        let screen = try CursesScreen()
        CrashRestore.install()
        defer {
            screen.end()
            CrashRestore.remove()
        }
        // Hangul needs a UTF-8 terminal: without one the words are English, and the footer says why.
        let model = DashboardModel(control: control, language: screen.unicode ? language : .en)
        if language != .en && !screen.unicode { model.announce(Phrase.noticeNoUTF8(.en)) }
        func redraw() {
            model.pageRows = max(1, DashboardView.draw(model.frame, model.state, on: screen))
            screen.show()
        }
        redraw()
        while true {
            let sig = pendingSignal()
            if sig != 0 { return .signal(sig) }
            // Short waits: a new sample shows within 50 ms of being taken.
            if let key = screen.readKey(timeoutMs: 50) {
                if model.handle(key) { redraw() }
                if model.state.quitting { return .quit }
                continue
            }
            if model.refresh() { redraw() }
        }
    }
}

/// Restores the terminal when the process crashes while curses owns it, then
/// lets the crash take its course (the default action, core dump and all).
enum CrashRestore {
    static let signals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP]

    static func install() {
        for s in signals {
            signal(s) { sig in
                endwinForCrash()
                signal(sig, SIG_DFL)
                raise(sig)
            }
        }
    }

    static func remove() {
        for s in signals { signal(s, SIG_DFL) }
    }
}
