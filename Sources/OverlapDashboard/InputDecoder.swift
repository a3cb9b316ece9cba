/// One unit of terminal input as ncurses' `wget_wch` hands it over.
enum InputUnit: Equatable, Sendable {
    /// A character (`OK`): typed text, a control character, or one byte of
    /// an escape sequence that no terminfo key matched.
    case char(Unicode.Scalar)
    /// A key code (`KEY_CODE_YES`): a key whose sequence the terminfo entry lists.
    case key(Int32)
}

/// Turns terminal input into dashboard keys and swallows everything else
/// whole, so that no byte of a sequence the terminal description does not
/// know ever acts as a key (issue 12: under `TERM=screen`, Shift+Up arrives
/// as `ESC [ 1 ; 2 A` and its `1` and `2` used to switch the mode).
///
/// What it reads, following ECMA-48 (5th edition, §5.3–5.6) and xterm's
/// control sequences:
/// - CSI `ESC [`, parameter bytes 0x30–0x3F, intermediate bytes 0x20–0x2F,
///   one final byte 0x40–0x7E; C0 controls inside are ignored, CAN/SUB
///   cancel, ESC starts a new sequence.
/// - SS3 `ESC O` and one final byte (parameter bytes before it allowed, as
///   some terminals send `ESC O 1 ; 2 P`).
/// - OSC `ESC ]`, DCS `ESC P`, APC `ESC _`, PM `ESC ^`, SOS `ESC X`: a string
///   ended by ST (`ESC \` or U+009C) or BEL (xterm's OSC terminator).
/// - `ESC` and one other character: Alt+character (no Alt key is bound);
///   `ESC ESC …`: an Alt-modified sequence, dropped with its meaning.
/// - C1 controls U+0080–U+009F: ESC Fe in one character (U+009B is CSI).
/// - The X10 mouse report `CSI M` plus 3 raw bytes (button, column, row);
///   SGR reports (`CSI < b ; x ; y M`) are plain CSIs. The Linux console's
///   F1–F5, `CSI [ A`…`E`, take one byte after the `[`.
/// - Bracketed paste (xterm mode 2004): `CSI 200~` … `CSI 201~` is one
///   `Key.paste`, at most `pasteLimit` characters kept; escape sequences
///   inside are dropped. Where terminfo defines the brackets as keys, their
///   key codes (`pasteStartCode`, `pasteEndCode`) do the same.
///
/// Timeouts: inside a sequence the reader waits at most
/// `continuationTimeoutMs` for the next unit and then feeds `nil`. A lone
/// ESC followed by nothing is `.escape`; anything else cut off is dropped,
/// never replayed as keys.
///
/// Key codes in `keyCodes` become their keys; every other one (modified
/// keys ncurses recognised, `KEY_MOUSE`) is ignored. The code that maps to
/// `.resize` passes through any state: ncurses makes it from SIGWINCH, it is
/// not part of the byte stream.
///
/// A value with no terminal in it: the screen that owns the terminal feeds
/// it on the UI thread, tests feed it scripted units.
struct InputDecoder {
    /// Wait for the next byte of a sequence, in ms. ncurses has already
    /// waited its ESCDELAY (25 ms) after an ESC, so the rest of a sequence is
    /// normally queued; this covers a sequence split by a slow link, and is
    /// what a lone Esc costs on top of ESCDELAY (75 ms in all).
    static let sequenceTimeoutMs = 50
    /// Wait for the next unit of a paste, in ms. Terminals write a paste in
    /// one go; a gap this long means its end was lost, and keys typed after
    /// it must work again (the paste so far is dropped).
    static let pasteTimeoutMs = 500
    /// Characters of one paste kept: the filter is one line, and a huge paste
    /// must not grow memory. The rest is read and dropped.
    static let pasteLimit = 1024
    /// CSI parameter bytes kept: enough to tell `200` and `201` apart from anything.
    static let parameterLimit = 16

    private enum State: Equatable {
        case ground
        /// After ESC.
        case escape
        /// After `ESC [`.
        case csi
        /// After `ESC O`.
        case ss3
        /// Inside an OSC, DCS, APC, PM or SOS string.
        case string
        /// ESC inside a string: ST if `\` follows.
        case stringEscape
        /// The raw bytes of an X10 mouse report still to come.
        case x10(left: Int)
        /// After `ESC [ [` (a Linux console function key).
        case linuxFunctionKey
    }

    private let keyCodes: [Int32: Key]
    private let pasteStartCode: Int32?
    private let pasteEndCode: Int32?
    private var state = State.ground
    /// The sequence began `ESC ESC`: Alt plus a sequence, whose meaning is dropped.
    private var altPrefixed = false
    private var parameters = ""
    private var hasIntermediates = false
    /// The paste being read (nil: not in a paste) and its length in characters.
    private var pasted: String.UnicodeScalarView?
    private var pastedCount = 0

    /// `keyCodes`: the ncurses key codes of the keys the dashboard uses.
    /// `pasteStartCode`/`pasteEndCode`: the key codes ncurses gives the paste
    /// brackets, when the terminfo entry makes keys of them.
    init(keyCodes: [Int32: Key], pasteStartCode: Int32? = nil, pasteEndCode: Int32? = nil) {
        self.keyCodes = keyCodes
        self.pasteStartCode = pasteStartCode
        self.pasteEndCode = pasteEndCode
    }

    /// How long the reader may wait for the next unit, in ms: nil between
    /// keys (as long as the caller likes), else the sequence or paste timeout.
    var continuationTimeoutMs: Int? {
        if pasted != nil { return Self.pasteTimeoutMs }
        return state == .ground ? nil : Self.sequenceTimeoutMs
    }

    /// Takes the next unit (`nil`: none came within the wait) and returns the
    /// key it completes, or nil when it completes none.
    mutating func feed(_ unit: InputUnit?) -> Key? {
        switch unit {
        case nil: return timedOut()
        case .key(let code)?: return key(code)
        case .char(let scalar)?: return character(scalar)
        }
    }

    private mutating func timedOut() -> Key? {
        let loneEscape = state == .escape && !altPrefixed && pasted == nil
        reset()
        pasted = nil
        return loneEscape ? .escape : nil
    }

    private mutating func key(_ code: Int32) -> Key? {
        let meaning = keyCodes[code]
        if meaning == .resize { return .resize }
        if pasted != nil {
            if code == pasteEndCode { return finishPaste() }
            reset()  // a key is not text: dropped from the paste, with any sequence it broke
            return nil
        }
        let afterEscape = state == .escape
        reset()  // a sequence a known key breaks into is dropped
        if code == pasteStartCode {
            startPaste()
            return nil
        }
        return afterEscape ? nil : meaning  // ESC + key: Alt+key, not bound
    }

    private mutating func character(_ s: Unicode.Scalar) -> Key? {
        switch state {
        case .ground: return ground(s)
        case .escape: return afterEscape(s)
        case .csi: return inCSI(s)
        case .ss3: return inSS3(s)
        case .string: return inString(s)
        case .stringEscape:
            if s == "\\" {
                reset()
                return nil
            }
            // An ESC that is not ST ends the string and begins a new sequence.
            state = .escape
            return afterEscape(s)
        case .x10(let left):
            state = left > 1 ? .x10(left: left - 1) : .ground
            return nil
        case .linuxFunctionKey:
            reset()
            return nil
        }
    }

    private mutating func ground(_ s: Unicode.Scalar) -> Key? {
        if s == "\u{1B}" {
            state = .escape
            return nil
        }
        if pasted != nil {
            appendPasted(s)
            return nil
        }
        switch s.value {
        case 0x80...0x9F:
            state = .escape
            return afterEscape(Unicode.Scalar(UInt8(s.value - 0x40)))
        case 0x0A, 0x0D: return .enter
        case 0x08, 0x7F: return .backspace
        case 0..<0x20: return nil  // other control characters: the key table binds none
        default: return .char(Character(s))
        }
    }

    private mutating func afterEscape(_ s: Unicode.Scalar) -> Key? {
        switch s {
        case "[":
            state = .csi
            parameters = ""
            hasIntermediates = false
        case "O": state = .ss3
        case "]", "P", "_", "^", "X": state = .string
        case "\u{1B}": altPrefixed = true
        default: reset()  // Alt+character
        }
        return nil
    }

    private mutating func inCSI(_ s: Unicode.Scalar) -> Key? {
        switch s.value {
        case 0x30...0x3F:
            if !hasIntermediates && parameters.utf8.count < Self.parameterLimit {
                parameters.unicodeScalars.append(s)
            }
        case 0x20...0x2F: hasIntermediates = true
        case 0x40...0x7E: return finishCSI(final: s)
        case 0x1B:
            state = .escape
            altPrefixed = false
        case 0x18, 0x1A: reset()
        case 0..<0x20: break
        default: reset()  // no sequence has this byte: malformed, dropped with it
        }
        return nil
    }

    private mutating func finishCSI(final: Unicode.Scalar) -> Key? {
        let plain = !hasIntermediates
        let p = parameters
        reset()
        if pasted != nil {
            if plain && p == "201" && final == "~" { return finishPaste() }
            return nil  // a sequence inside pasted text is not text
        }
        if plain && p.isEmpty && final == "M" {
            state = .x10(left: 3)
        } else if plain && p.isEmpty && final == "[" {
            state = .linuxFunctionKey
        } else if plain && p == "200" && final == "~" {
            startPaste()  // even after ESC ESC: its text must not be read as keys
        }
        return nil
    }

    private mutating func inSS3(_ s: Unicode.Scalar) -> Key? {
        switch s.value {
        case 0x30...0x3F: break
        case 0x1B:
            state = .escape
            altPrefixed = false
        default: reset()
        }
        return nil
    }

    private mutating func inString(_ s: Unicode.Scalar) -> Key? {
        switch s.value {
        case 0x07, 0x9C, 0x18, 0x1A: reset()
        case 0x1B: state = .stringEscape
        default: break
        }
        return nil
    }

    private mutating func reset() {
        state = .ground
        altPrefixed = false
    }

    private mutating func startPaste() {
        pasted = String.UnicodeScalarView()
        pastedCount = 0
    }

    private mutating func appendPasted(_ s: Unicode.Scalar) {
        guard pastedCount < Self.pasteLimit else { return }
        pasted?.append(s)
        pastedCount += 1
    }

    private mutating func finishPaste() -> Key? {
        let text = String(pasted ?? String.UnicodeScalarView())
        pasted = nil
        reset()
        return .paste(text)
    }
}
