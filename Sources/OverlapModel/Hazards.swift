/// One of the hazard lab's switches: each provokes a model's classic failure
/// (DESIGN §7, "Hazard lab"). The raw value is the name `--hazard` takes and
/// the `hazard` label of `overlap_hazard_active`.
public enum HazardKind: String, CaseIterable, Sendable, Codable, Comparable {
    case slowHandler = "slow-handler"
    case lowestIndex = "lowest-index"
    case skipOnSuccess = "skip-on-success"
    case stall
    case buffers
    case concurrency

    public static func < (a: Self, b: Self) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// How to write it on the command line.
    public var usage: String {
        switch self {
        case .slowHandler: "slow-handler=MS@THREAD"
        case .lowestIndex: "lowest-index"
        case .skipOnSuccess: "skip-on-success"
        case .stall: "stall=MS/EVERY_S"
        case .buffers: "buffers=N"
        case .concurrency: "concurrency=N"
        }
    }

    /// The value the lab overlay (key l) and `lab --check` switch it on
    /// with, in `mode`: a slowed thread is that mode's first thread.
    public func labSpec(mode: NotificationMode) -> String {
        switch self {
        case .slowHandler:
            "slow-handler=5@" + (mode == .callback ? "apc-0" : mode == .event ? "event-0" : "port-0")
        case .lowestIndex, .skipOnSuccess: rawValue
        case .stall: "stall=200/1"
        case .buffers: "buffers=4"
        case .concurrency: "concurrency=1"
        }
    }

    /// What it imitates, in one line: the Windows behaviour or the naive code.
    public var imitates: Phrase {
        switch self {
        case .slowHandler: .imitatesSlowHandler
        case .lowestIndex: .imitatesLowestIndex
        case .skipOnSuccess: .imitatesSkipOnSuccess
        case .stall: .imitatesStall
        case .buffers: .imitatesBuffers
        case .concurrency: .imitatesConcurrency
        }
    }
}

/// What `slow-handler` slows: every handler run on one thread, by a delay.
public struct SlowHandler: Sendable, Equatable, Codable {
    /// Added to each handler on `thread`, in milliseconds (1...10,000).
    public var millis: Int
    /// A thread name as the dashboard shows it: `apc-K`, `port-K`, `event-K`.
    public var thread: String

    public init(millis: Int, thread: String) {
        self.millis = millis
        self.thread = thread
    }
}

/// What `stall` does: every `everySeconds`, all handler threads stop for `millis`.
public struct Stall: Sendable, Equatable, Codable {
    /// How long each stall lasts, in milliseconds (1...10,000, shorter than the period).
    public var millis: Int
    /// The period, in seconds (1...3,600).
    public var everySeconds: Int

    public init(millis: Int, everySeconds: Int) {
        self.millis = millis
        self.everySeconds = everySeconds
    }
}

/// A bad `--hazard` value (or a lab request): the message says what to change
/// and lists what is valid.
public struct HazardError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The hazards switched on. Off (all nil and false) by default.
public struct HazardSettings: Sendable, Equatable, Codable {
    public var slowHandler: SlowHandler?
    public var lowestIndex = false
    public var skipOnSuccess = false
    public var stall: Stall?
    /// At most this many receive buffers lent at once (1...65,535).
    public var buffers: Int?
    /// The completion port's concurrency value (1...64).
    public var concurrency: Int?

    public init() {}

    /// The hazards that are on, in `HazardKind.allCases` order.
    public var active: [HazardKind] { HazardKind.allCases.filter(isOn) }
    public var anyOn: Bool { !active.isEmpty }

    public func isOn(_ kind: HazardKind) -> Bool { spec(kind) != nil }

    /// Switches `kind` off.
    public mutating func clear(_ kind: HazardKind) {
        switch kind {
        case .slowHandler: slowHandler = nil
        case .lowestIndex: lowestIndex = false
        case .skipOnSuccess: skipOnSuccess = false
        case .stall: stall = nil
        case .buffers: buffers = nil
        case .concurrency: concurrency = nil
        }
    }

    /// The hazard as `--hazard` would write it (`slow-handler=5@apc-0`), if on.
    public func spec(_ kind: HazardKind) -> String? {
        switch kind {
        case .slowHandler: slowHandler.map { "slow-handler=\($0.millis)@\($0.thread)" }
        case .lowestIndex: lowestIndex ? "lowest-index" : nil
        case .skipOnSuccess: skipOnSuccess ? "skip-on-success" : nil
        case .stall: stall.map { "stall=\($0.millis)/\($0.everySeconds)" }
        case .buffers: buffers.map { "buffers=\($0)" }
        case .concurrency: concurrency.map { "concurrency=\($0)" }
        }
    }

    /// Every hazard that is on, as `--hazard` values.
    public var specs: [String] { active.compactMap(spec) }

    /// Switches on the hazard `text` names (`NAME[=VALUE]`, as `--hazard` takes it).
    ///
    /// - Parameters:
    ///   - threads: the names `slow-handler` may name: the thread slots this
    ///     server can have (`apc-0`…, `port-0`…, `event-0`…).
    ///   - buffers: the server's receive buffers, the most `buffers=N` may keep.
    /// - Throws: `HazardError` naming the hazard or value to change and what is valid.
    /// - Returns: which hazard it switched on.
    @discardableResult
    public mutating func apply(_ text: String, threads: [String], buffers pool: Int = 65_535) throws(HazardError) -> HazardKind {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        let value = parts.count > 1 ? String(parts[1]) : nil
        guard let kind = HazardKind(rawValue: name) else {
            throw HazardError("unknown hazard '\(name)': use one of "
                + HazardKind.allCases.map(\.usage).joined(separator: ", "))
        }
        func needsValue() throws(HazardError) -> String {
            guard let value, !value.isEmpty else { throw HazardError("\(name) needs a value: \(kind.usage)") }
            return value
        }
        func number(_ s: Substring, _ what: String, _ range: ClosedRange<Int>) throws(HazardError) -> Int {
            guard let n = Int(s), range.contains(n) else {
                throw HazardError("\(name): \(what) must be a whole number in \(range.lowerBound)...\(range.upperBound), not '\(s)' (\(kind.usage))")
            }
            return n
        }
        switch kind {
        case .lowestIndex, .skipOnSuccess:
            if value != nil { throw HazardError("\(name) takes no value: write --hazard \(name)") }
            if kind == .lowestIndex { lowestIndex = true } else { skipOnSuccess = true }
        case .slowHandler:
            let v = try needsValue()
            let at = v.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
            guard at.count == 2, !at[1].isEmpty else {
                throw HazardError("slow-handler needs a thread: \(kind.usage), e.g. slow-handler=5@apc-0")
            }
            let ms = try number(at[0], "MS", 1...10_000)
            let thread = String(at[1])
            guard threads.contains(thread) else {
                throw HazardError("slow-handler: unknown thread '\(thread)': name one as the dashboard shows it: "
                    + Self.ranges(threads))
            }
            slowHandler = SlowHandler(millis: ms, thread: thread)
        case .stall:
            let v = try needsValue()
            let per = v.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard per.count == 2 else { throw HazardError("stall needs a period: \(kind.usage), e.g. stall=200/1") }
            let ms = try number(per[0], "MS", 1...10_000)
            let every = try number(per[1], "EVERY_S", 1...3_600)
            guard ms < every * 1000 else {
                throw HazardError("stall: MS (\(ms)) must be shorter than the period (\(every) s)")
            }
            stall = Stall(millis: ms, everySeconds: every)
        case .buffers:
            buffers = try number(Substring(try needsValue()), "N", 1...max(1, pool))
        case .concurrency:
            concurrency = try number(Substring(try needsValue()), "N", 1...64)
        }
        return kind
    }

    /// `apc-0`, `apc-1`, `port-0` → "apc-0...apc-1, port-0".
    static func ranges(_ names: [String]) -> String {
        var out: [String] = []
        var i = 0
        func prefix(_ s: String) -> Substring { s[..<(s.lastIndex(of: "-") ?? s.endIndex)] }
        while i < names.count {
            var j = i
            while j + 1 < names.count && prefix(names[j + 1]) == prefix(names[i]) { j += 1 }
            out.append(i == j ? names[i] : "\(names[i])...\(names[j])")
            i = j + 1
        }
        return out.joined(separator: ", ")
    }

    /// The thread slots a server with `threads` handler threads per mode can
    /// name: `apc-0..`, `port-0..`, `event-0..` (event waiters grow with the
    /// sessions, 64 each: up to 64 groups are offered).
    public static func threadNames(threads: Int) -> [String] {
        (0..<threads).map { "apc-\($0)" } + (0..<threads).map { "port-\($0)" } + (0..<64).map { "event-\($0)" }
    }
}
