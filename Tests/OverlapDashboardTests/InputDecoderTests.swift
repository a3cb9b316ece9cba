@testable import OverlapDashboard
import Testing

/// Key codes standing in for ncurses' (the decoder only sees numbers).
private enum Code {
    static let up: Int32 = 1001
    static let resize: Int32 = 1002
    static let f1: Int32 = 1003
    /// A code the dashboard has no key for: a modified key ncurses recognised, or KEY_MOUSE.
    static let unknown: Int32 = 1999
    static let pasteStart: Int32 = 1100
    static let pasteEnd: Int32 = 1101
    static let table: [Int32: Key] = [up: .up, resize: .resize, f1: .f1]
}

/// What the reader hands the decoder: characters, key codes, and gaps (the wait ran out).
private enum Step {
    case text(String)
    case code(Int32)
    case gap
}

/// Feeds a script to a decoder and collects the keys it returns. After the
/// script, the reader's wait runs out once more (as it would at the terminal).
private func decode(_ steps: [Step], pasteCodes: Bool = false) -> [Key] {
    var decoder = InputDecoder(keyCodes: Code.table,
                               pasteStartCode: pasteCodes ? Code.pasteStart : nil,
                               pasteEndCode: pasteCodes ? Code.pasteEnd : nil)
    return feed(&decoder, steps + [.gap])
}

private func feed(_ decoder: inout InputDecoder, _ steps: [Step]) -> [Key] {
    var keys: [Key] = []
    for step in steps {
        switch step {
        case .text(let s):
            for u in s.unicodeScalars { if let k = decoder.feed(.char(u)) { keys.append(k) } }
        case .code(let c):
            if let k = decoder.feed(.key(c)) { keys.append(k) }
        case .gap:
            if let k = decoder.feed(nil) { keys.append(k) }
        }
    }
    return keys
}

private func decode(_ text: String) -> [Key] { decode([.text(text)]) }

/// The sequences tmux sends for the 21 modified keys of issue 12 (xterm's
/// encoding, whatever TERM says), and the rest of the same families.
private let modifiedKeys: [String] = {
    var all: [String] = []
    for m in 2...8 {
        for final in ["A", "B", "C", "D", "H", "F", "P", "Q", "R", "S"] { all.append("\u{1B}[1;\(m)\(final)") }
        for n in [2, 3, 5, 6, 15, 17, 18, 19, 20, 21, 23, 24] { all.append("\u{1B}[\(n);\(m)~") }
    }
    return all
}()

@Suite
struct InputDecoderTests {
    @Test("plain keys: printable text of any script, Enter, Backspace; other controls are ignored")
    func plain() {
        #expect(decode("1q/ ") == [.char("1"), .char("q"), .char("/"), .char(" ")])
        #expect(decode("한글é") == [.char("한"), .char("글"), .char("é")])
        #expect(decode("\r\n\u{7F}\u{08}") == [.enter, .enter, .backspace, .backspace])
        #expect(decode("\u{01}\u{09}\u{1F}\u{00}x") == [.char("x")])
    }

    @Test("key codes: known ones become keys, unknown ones (modified keys, KEY_MOUSE) are ignored")
    func keyCodes() {
        #expect(decode([.code(Code.up), .code(Code.unknown), .code(Code.f1)]) == [.up, .f1])
    }

    @Test("a modified key's sequence is read whole and ignored, and the next key still arrives",
          arguments: modifiedKeys)
    func modifiedKey(_ sequence: String) {
        #expect(decode(sequence + "1") == [.char("1")])
    }

    @Test("SS3 sequences terminfo does not know, with or without parameters, are ignored")
    func ss3() {
        for s in ["\u{1B}OP", "\u{1B}OA", "\u{1B}O2P", "\u{1B}O1;2P", "\u{1B}O5q"] {
            #expect(decode(s + "x") == [.char("x")], "\(s.debugDescription)")
        }
    }

    @Test("OSC, DCS, APC, PM and SOS strings end at BEL or ST and take their digits with them")
    func strings() {
        let strings = [
            "\u{1B}]0;123q\u{07}", "\u{1B}]11;rgb:1111/2222/3333\u{1B}\\", "\u{1B}P1$r0;1m\u{1B}\\",
            "\u{1B}_Gi=31;OK\u{1B}\\", "\u{1B}^123\u{1B}\\", "\u{1B}X1 2 3\u{1B}\\", "\u{1B}]2;q\u{9C}",
        ]
        for s in strings { #expect(decode(s + "x") == [.char("x")], "\(s.debugDescription)") }
        // ESC inside a string that is not ST ends it and begins a new sequence.
        #expect(decode("\u{1B}]0;abc\u{1B}[1;2Ax") == [.char("x")])
    }

    @Test("ESC and one character is Alt plus it: Alt+digit and Alt+q do nothing")
    func alt() {
        #expect(decode("\u{1B}1\u{1B}2\u{1B}3\u{1B}q\u{1B}m") == [])
        #expect(decode("\u{1B}1x") == [.char("x")])
        // ESC ESC: Alt plus a sequence (Alt+Up as older terminals send it), or Alt+Esc.
        #expect(decode("\u{1B}\u{1B}[1;2Ax") == [.char("x")])
        #expect(decode("\u{1B}\u{1B}") == [])
        // ESC then a key ncurses knows: Alt+key.
        #expect(decode([.text("\u{1B}"), .code(Code.up), .text("x")]) == [.char("x")])
    }

    @Test("a lone Esc is Esc once the wait runs out; the wait is short only inside a sequence")
    func loneEscape() {
        #expect(decode("\u{1B}") == [.escape])
        #expect(decode([.text("\u{1B}"), .gap, .text("1")]) == [.escape, .char("1")])
        var d = InputDecoder(keyCodes: Code.table)
        #expect(d.continuationTimeoutMs == nil)
        _ = d.feed(.char("\u{1B}"))
        #expect(d.continuationTimeoutMs == InputDecoder.sequenceTimeoutMs)
        _ = d.feed(.char("["))
        #expect(d.continuationTimeoutMs == InputDecoder.sequenceTimeoutMs)
        _ = d.feed(.char("A"))
        #expect(d.continuationTimeoutMs == nil)
    }

    @Test("a sequence cut off by the wait is dropped, not replayed as keys")
    func cutOff() {
        for partial in ["\u{1B}[", "\u{1B}[1;2", "\u{1B}[1;2;", "\u{1B}O", "\u{1B}O1;", "\u{1B}]0;12", "\u{1B}P1",
                        "\u{1B}]0;x\u{1B}", "\u{1B}[M", "\u{1B}[M 1", "\u{1B}[["] {
            #expect(decode([.text(partial), .gap, .text("x")]) == [.char("x")], "\(partial.debugDescription)")
        }
    }

    @Test("CAN and SUB cancel a sequence; ESC inside one starts the next; C1 CSI is CSI")
    func controlsInside() {
        #expect(decode("\u{1B}[1;2\u{18}x") == [.char("x")])
        #expect(decode("\u{1B}[1;2\u{1A}x") == [.char("x")])
        #expect(decode("\u{1B}[1;\u{1B}[2;5Ax") == [.char("x")])
        #expect(decode("\u{1B}[1\u{07};2Ax") == [.char("x")], "a C0 control inside a CSI is not its end")
        #expect(decode("\u{9B}1;2Ax") == [.char("x")])
        #expect(decode("\u{1B}[1한x") == [.char("x")], "a byte no sequence has drops the sequence and itself")
        #expect(decode("\u{1B}[[Ax") == [.char("x")], "Linux console F1")
    }

    @Test("mouse reports are ignored: SGR press and release, X10 with bytes that look like commands")
    func mouse() {
        #expect(decode("\u{1B}[<0;10;5M\u{1B}[<0;10;5mx") == [.char("x")])
        #expect(decode("\u{1B}[<35;120;40Mx") == [.char("x")])
        #expect(decode("\u{1B}[M *%x") == [.char("x")])
        // Button byte ' ' (pause), column '1' (event mode), row 'q' (quit).
        #expect(decode("\u{1B}[M 1qx") == [.char("x")])
        #expect(decode([.text("\u{1B}[<0;10;5"), .code(Code.unknown), .text("x")]) == [.char("x")])
    }

    @Test("a bracketed paste is one key with its text, never commands")
    func paste() {
        #expect(decode("\u{1B}[200~123q\u{1B}[201~") == [.paste("123q")])
        #expect(decode("\u{1B}[200~\u{1B}[201~1") == [.paste(""), .char("1")])
        #expect(decode("\u{1B}[200~a\nb\u{09}c\u{1B}[201~") == [.paste("a\nb\tc")], "the model picks the printable part")
        #expect(decode("\u{1B}[200~한글 q\u{1B}[201~") == [.paste("한글 q")])
        // Escape sequences inside a paste are dropped, and only CSI 201~ ends it.
        #expect(decode("\u{1B}[200~a\u{1B}[Ab\u{1B}OPc\u{1B}xd\u{1B}]0;t\u{07}e\u{1B}[200~f\u{1B}[201~")
                == [.paste("abcdef")])
        // Alt-prefixed brackets still bracket a paste.
        #expect(decode("\u{1B}\u{1B}[200~12q\u{1B}[201~") == [.paste("12q")])
    }

    @Test("a paste keeps at most pasteLimit characters and reads the rest")
    func pasteLimit() {
        let long = String(repeating: "1", count: InputDecoder.pasteLimit + 500)
        #expect(decode("\u{1B}[200~" + long + "\u{1B}[201~x")
                == [.paste(String(repeating: "1", count: InputDecoder.pasteLimit)), .char("x")])
    }

    @Test("a paste cut off by the wait is dropped; keys work again after it")
    func pasteCutOff() {
        #expect(decode([.text("\u{1B}[200~12"), .gap, .text("x")]) == [.char("x")])
        var d = InputDecoder(keyCodes: Code.table)
        _ = feed(&d, [.text("\u{1B}[200~")])
        #expect(d.continuationTimeoutMs == InputDecoder.pasteTimeoutMs)
    }

    @Test("paste brackets that terminfo makes keys of work like the raw sequences")
    func pasteKeyCodes() {
        #expect(decode([.code(Code.pasteStart), .text("12q"), .code(Code.up), .code(Code.pasteEnd), .text("x")],
                       pasteCodes: true) == [.paste("12q"), .char("x")])
        #expect(decode([.code(Code.pasteStart), .text("12q\u{1B}[201~")], pasteCodes: true) == [.paste("12q")])
    }

    @Test("a resize passes through any sequence or paste being read")
    func resize() {
        #expect(decode([.text("\u{1B}[1;"), .code(Code.resize), .text("2Ax")]) == [.resize, .char("x")])
        #expect(decode([.text("\u{1B}[200~ab"), .code(Code.resize), .text("c\u{1B}[201~")]) == [.resize, .paste("abc")])
        #expect(decode([.text("\u{1B}"), .code(Code.resize)]) == [.resize, .escape])
    }

    @Test("a key ncurses knows breaks into a sequence: the sequence is dropped, the key stands")
    func keyBreaksSequence() {
        #expect(decode([.text("\u{1B}[1;"), .code(Code.up), .text("x")]) == [.up, .char("x")])
    }

    @Test("whatever came before, one wait that runs out brings the decoder back to plain keys")
    func recovers() {
        let alphabet: [Unicode.Scalar] = ["\u{1B}", "[", "O", "]", "P", "X", "1", "2", ";", "<", "~", "M", "m",
                                          "q", "\\", "\u{07}", "\u{18}", "\u{9B}", "\u{9C}", " ", "한"]
        var rng = SplitMix(seed: 12)
        for _ in 0..<2000 {
            var d = InputDecoder(keyCodes: Code.table)
            for _ in 0..<Int(rng.next() % 24) {
                if rng.next() % 10 == 0 {
                    _ = d.feed(.key(Code.unknown))
                } else {
                    _ = d.feed(.char(alphabet[Int(rng.next() % UInt64(alphabet.count))]))
                }
            }
            _ = d.feed(nil)
            #expect(d.continuationTimeoutMs == nil)
            #expect(d.feed(.char("q")) == .char("q"))
        }
    }
}

/// A small deterministic generator (SplitMix64), so a failure replays.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
