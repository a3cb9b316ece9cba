import OverlapModel

/// A key press, as the dashboard understands it (the ncurses screen turns
/// what the terminal sends into these through `InputDecoder`; input that is
/// not one of them never becomes a key).
public enum Key: Sendable, Equatable, Hashable {
    /// A printable character (any script: the filter takes non-ASCII text).
    case char(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case f1, f10
    case escape, enter, backspace
    case resize
    /// Text the terminal delivered as one paste (bracketed paste), at most
    /// `InputDecoder.pasteLimit` characters, control characters included:
    /// text for the filter line, never commands.
    case paste(String)
}

/// What a key asks for.
public enum Command: Sendable, Equatable {
    case switchMode(NotificationMode)
    case nextMode
    case quit
    case toggleHelp
    case scroll(ScrollMove)
    case nextSort
    case reverseSort
    case openFilter
    case faster
    case slower
    case togglePause
    case toggleTrace
    case toggleLab
    case closeOverlay

    public enum ScrollMove: Sendable, Equatable {
        case up, down, pageUp, pageDown, top, bottom
    }
}

/// The one key table (DESIGN.md §3). Keys typed into the filter line are not
/// looked up here: the filter takes text until Enter or Esc.
public enum KeyMap {
    public static let table: [Key: Command] = [
        .char("1"): .switchMode(.event), .char("e"): .switchMode(.event),
        .char("2"): .switchMode(.callback), .char("c"): .switchMode(.callback),
        .char("3"): .switchMode(.port), .char("p"): .switchMode(.port),
        .char("m"): .nextMode,
        .char("q"): .quit, .f10: .quit,
        .char("?"): .toggleHelp, .char("h"): .toggleHelp, .f1: .toggleHelp,
        .up: .scroll(.up), .down: .scroll(.down), .pageUp: .scroll(.pageUp), .pageDown: .scroll(.pageDown),
        .home: .scroll(.top), .end: .scroll(.bottom),
        .char("s"): .nextSort, .char("S"): .reverseSort,
        .char("/"): .openFilter,
        .char("+"): .faster, .char("="): .faster, .char("-"): .slower,
        .char(" "): .togglePause,
        .char("t"): .toggleTrace,
        .char("l"): .toggleLab,
        .escape: .closeOverlay,
    ]

    public static func command(for key: Key) -> Command? { table[key] }

    /// The footer's short list, in the order shown: the keys, and what
    /// they do (a phrase: the footer is in the dashboard's language).
    public static let footer: [(keys: String, what: Phrase)] = [
        ("1 2 3", .footerMode), ("m", .footerNext), ("?", .footerHelp), ("l", .footerLab), ("/", .footerFilter),
        ("s/S", .footerSort), ("space", .footerPause), ("+/-", .footerRefresh), ("q", .footerQuit),
    ]
}
