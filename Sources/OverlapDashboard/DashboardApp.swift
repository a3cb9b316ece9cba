import Glibc
import OverlapModel

/// The dashboard's loop on the terminal: sample at the refresh rate, draw,
/// answer keys. Runs on the calling thread, the only one that touches curses.
public enum DashboardApp {
    /// How the dashboard ended.
    public enum Exit: Equatable, Sendable {
        case quit
        /// A stop signal arrived (its number).
        case signal(Int32)
    }

    /// Opens the terminal and runs until `q` or until `pendingSignal` returns a
    /// signal number (polled between keys, at least every 100 ms). The
    /// terminal is restored before this returns or throws.
    public static func run(control: ServerControl, refreshMs: Int,
                           pendingSignal: () -> Int32) throws -> Exit {
        let screen = try CursesScreen()
        CrashRestore.install()
        defer {
            screen.end()
            CrashRestore.remove()
        }
        let model = DashboardModel(control: control, refreshMs: refreshMs)
        let clock = ContinuousClock()
        var nextSample = clock.now.advanced(by: .milliseconds(model.state.refreshMs))
        func redraw() {
            model.pageRows = max(1, DashboardView.draw(model.frame, model.state, on: screen))
            screen.show()
        }
        redraw()
        while true {
            let sig = pendingSignal()
            if sig != 0 { return .signal(sig) }
            let untilSample = clock.now.duration(to: nextSample)
            let waitMs = max(0, min(100, Int(untilSample.components.seconds * 1000
                + untilSample.components.attoseconds / 1_000_000_000_000_000)))
            if let key = screen.readKey(timeoutMs: waitMs) {
                if model.handle(key) { redraw() }
                if model.state.quitting { return .quit }
                continue
            }
            if clock.now >= nextSample {
                model.sample()
                redraw()
                nextSample = clock.now.advanced(by: .milliseconds(model.state.refreshMs))
            }
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
