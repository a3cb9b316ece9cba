import CNcurses
import Glibc
import OverlapSystem

/// Why the terminal could not be used for the dashboard.
public struct TerminalError: Error, CustomStringConvertible {
    public let description: String
}

/// The real terminal, through ncurses. Only the thread that created it may
/// use it (ncurses is not thread-safe; the `WINDOW*` never leaves this object).
public final class CursesScreen: Screen {
    private let screenRef: OpaquePointer
    private let window: UnsafeMutablePointer<WINDOW>
    public private(set) var width: Int
    public private(set) var height: Int
    public let unicode: Bool
    private let colors: Bool
    private var ended = false
    private var decoder: InputDecoder
    /// Where this frame's wide characters are (see `WideCellMap`).
    private var wideCells = WideCellMap(width: 0, height: 0)

    /// Opens the terminal on stdin/stdout. Throws, with the terminal left as it
    /// was, when there is none or `TERM` cannot draw a full-screen view.
    public init() throws {
        guard isatty(STDIN_FILENO) != 0 && isatty(STDOUT_FILENO) != 0 else {
            throw TerminalError(description: "stdin and stdout must be a terminal for the dashboard; use --headless")
        }
        let term = getenv("TERM").map { String(cString: $0) } ?? ""
        guard !term.isEmpty else {
            throw TerminalError(description: "TERM is not set, so the dashboard cannot draw; set TERM or use --headless")
        }
        // Without a UTF-8 locale wide characters come out as garbage (TOOLCHAIN.md).
        setlocale(LC_ALL, "")
        if String(cString: nl_langinfo(nl_item(CODESET))) != "UTF-8" {
            if setlocale(LC_CTYPE, "C.UTF-8") == nil { setlocale(LC_CTYPE, "") }
        }
        unicode = String(cString: nl_langinfo(nl_item(CODESET))) == "UTF-8"
        // newterm, not initscr: initscr prints its own error and exits on a bad TERM.
        guard let scr = overlap_newterm_stdio() else {
            throw TerminalError(description: "terminal type '\(term)' is unknown to ncurses; set TERM (e.g. xterm-256color) or use --headless")
        }
        set_term(scr)
        guard let cup = tigetstr("cup"), Int(bitPattern: cup) != -1 else {
            endwin()
            delscreen(scr)
            throw TerminalError(description: "terminal type '\(term)' cannot move the cursor, so the dashboard cannot draw; use --headless")
        }
        _ = cup
        screenRef = scr
        window = overlap_stdscr()!
        cbreak()
        noecho()
        // Keys the terminfo entry lists still arrive as KEY_* codes; the
        // decoder reads every other sequence whole.
        keypad(window, true)
        // Without mousemask, ncurses turns the first bytes of a mouse report
        // (kmous: ESC [ M or ESC [ <) into KEY_MOUSE and hands over the rest
        // ("0;10;5M") as typed keys. Unbound, the whole report reaches the
        // decoder, which ignores it.
        if let kmous = tigetstr("kmous"), Int(bitPattern: kmous) != -1 {
            _ = define_key(kmous, 0)
        }
        curs_set(0)
        set_escdelay(25)
        decoder = InputDecoder(keyCodes: Self.keyCodes,
                               pasteStartCode: Self.keyCode(of: "\u{1B}[200~"),
                               pasteEndCode: Self.keyCode(of: "\u{1B}[201~"))
        if has_colors() && getenv("NO_COLOR") == nil {
            start_color()
            use_default_colors()
            init_pair(1, Int16(COLOR_CYAN), -1)    // heading
            init_pair(2, Int16(COLOR_BLACK), Int16(COLOR_CYAN))  // badge
            init_pair(3, Int16(COLOR_GREEN), -1)   // good
            init_pair(4, Int16(COLOR_YELLOW), -1)  // warning
            init_pair(5, Int16(COLOR_RED), -1)     // error
            colors = true
        } else {
            colors = false
        }
        width = Int(overlap_getmaxx(window))
        height = Int(overlap_getmaxy(window))
        wideCells.clear(width: width, height: height)
        BracketedPaste.set(on: true)
    }

    deinit { end() }

    /// Gives the terminal back as it was (echo, canonical mode, cursor,
    /// bracketed paste off).
    public func end() {
        guard !ended else { return }
        ended = true
        endwin()
        BracketedPaste.set(on: false)
        delscreen(screenRef)
    }

    public func clear() {
        werase(window)
        wideCells.clear(width: width, height: height)
    }

    private func attributes(_ style: Style) -> attr_t {
        switch style {
        case .normal: 0
        case .bold: overlap_a_bold()
        case .dim: overlap_a_dim()
        case .heading: colors ? attr_t(COLOR_PAIR(1)) | overlap_a_bold() : overlap_a_bold()
        case .badge: colors ? attr_t(COLOR_PAIR(2)) | overlap_a_bold() : overlap_a_reverse()
        case .good: colors ? attr_t(COLOR_PAIR(3)) : 0
        case .warning: colors ? attr_t(COLOR_PAIR(4)) | overlap_a_bold() : overlap_a_bold()
        case .error: colors ? attr_t(COLOR_PAIR(5)) | overlap_a_bold() : overlap_a_reverse()
        }
    }

    public func put(_ x: Int, _ y: Int, _ text: String, _ style: Style) {
        guard y >= 0 && y < height else { return }
        // Clipped by display width (a wide character takes two columns; one
        // cut by an edge becomes a space). The bottom-right cell is left
        // alone: writing it would scroll some terminals.
        guard let run = clipRun(text, at: x, room: width - (y == height - 1 ? 1 : 0)) else { return }
        // A wide character this covers only half of loses its other half,
        // as on a terminal: blanked here, since ncurses would keep it.
        // The blanks take the text's style, so a bar or badge has no hole.
        let orphans = wideCells.write(run.text, column: run.column, y: y)
        let a = attributes(style)
        wattr_on(window, a, nil)
        if let before = orphans.before { _ = mvwaddstr_shim(window, Int32(y), Int32(before), " ") }
        _ = mvwaddstr_shim(window, Int32(y), Int32(run.column), run.text)
        if let after = orphans.after, !(y == height - 1 && after == width - 1) {
            _ = mvwaddstr_shim(window, Int32(y), Int32(after), " ")
        }
        wattr_off(window, a, nil)
    }

    private func mvwaddstr_shim(_ w: UnsafeMutablePointer<WINDOW>, _ y: Int32, _ x: Int32, _ s: String) -> Int32 {
        wmove(w, y, x)
        return waddstr(w, s)
    }

    /// Shows what was drawn since the last call.
    public func show() {
        wrefresh(window)
    }

    /// The key codes of the keys the dashboard uses; every other code
    /// (modified keys ncurses recognises, KEY_MOUSE) is ignored.
    private static var keyCodes: [Int32: Key] {
        [KEY_RESIZE: .resize, KEY_UP: .up, KEY_DOWN: .down, KEY_LEFT: .left, KEY_RIGHT: .right,
         KEY_PPAGE: .pageUp, KEY_NPAGE: .pageDown,
         KEY_HOME: .home, KEY_END: .end, KEY_BACKSPACE: .backspace, KEY_ENTER: .enter,
         overlap_key_f(1): .f1, overlap_key_f(10): .f10]
    }

    /// The key code ncurses gives a sequence, if the terminfo entry makes a
    /// key of it (ncurses 6.4 makes none of the paste brackets, which
    /// xterm-256color lists as PS/PE; another version might).
    private static func keyCode(of sequence: String) -> Int32? {
        let code = key_defined(sequence)
        return code > 0 ? code : nil
    }

    /// Waits up to `timeoutMs` for a key; while an escape sequence or a paste
    /// is being read, up to the decoder's own timeout instead (50 or 500 ms).
    /// Returns nil when nothing came and for input that is not a key: the
    /// bytes of a sequence, which `InputDecoder` swallows whole.
    public func readKey(timeoutMs: Int) -> Key? {
        wtimeout(window, Int32(decoder.continuationTimeoutMs ?? max(0, timeoutMs)))
        var c: wint_t = 0
        let unit: InputUnit?
        switch wget_wch(window, &c) {
        case OK:
            // wget_wch only returns valid characters; a value that is not one is skipped.
            guard let scalar = Unicode.Scalar(UInt32(c)) else { return nil }
            unit = .char(scalar)
        case KEY_CODE_YES: unit = .key(Int32(bitPattern: UInt32(c)))
        default: unit = nil  // ERR: nothing within the wait
        }
        let key = decoder.feed(unit)
        if key == .resize {
            width = Int(overlap_getmaxx(window))
            height = Int(overlap_getmaxy(window))
            wideCells.clear(width: width, height: height)
        }
        return key
    }
}

/// xterm's bracketed paste (DEC private mode 2004): while it is on, the
/// terminal sends a paste between `ESC [200~` and `ESC [201~`, which the
/// decoder makes one `Key.paste`, so pasted text never runs as keys.
/// Terminals without it ignore the private mode. On from `CursesScreen.init`
/// until the terminal is given back (`end`, or `endwinForCrash`).
enum BracketedPaste {
    /// Writes the mode straight to the terminal with write(2): safe in a
    /// crash handler, and not held back the way putp's output was (it sat in
    /// stdio's buffer until the process exited).
    static func set(on: Bool) {
        let sequence: StaticString = on ? "\u{1B}[?2004h" : "\u{1B}[?2004l"
        // A failure means the terminal is gone: nothing to restore.
        writeAll(STDOUT_FILENO, UnsafeRawBufferPointer(start: sequence.utf8Start, count: sequence.utf8CodeUnitCount))
    }
}

/// `endwin` from a crash handler: it only writes the reset sequences (and
/// turns bracketed paste off), which is what a crash needs.
func endwinForCrash() {
    endwin()
    BracketedPaste.set(on: false)
}
