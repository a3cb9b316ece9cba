import OverlapModel

/// The engine `--engine` resolves to, and why.
public struct ResolvedEngine: Sendable, Equatable {
    public var kind: EngineKind
    /// Why, in English ("auto: io_uring probe passed").
    public var reason: String { why.text(.en) }
    /// Why, as a phrase the dashboard shows in its language.
    public var why: Phrasing

    init(kind: EngineKind, why: Phrasing) {
        self.kind = kind
        self.why = why
    }
}

/// Resolves `--engine`: `uring` and `epoll` are taken as asked (uring fails
/// with the probe's reason if it cannot work); `auto` takes uring when the
/// probe passes and epoll otherwise.
public func resolveEngine(_ choice: EngineChoice) throws(ServerError) -> ResolvedEngine {
    switch choice {
    case .epoll:
        return ResolvedEngine(kind: .epoll, why: Phrasing(.engineByFlag, "epoll"))
    case .uring:
        if let why = UringEngine.probe() { throw .engine(.unavailable("--engine uring: \(why)")) }
        return ResolvedEngine(kind: .uring, why: Phrasing(.engineByFlag, "uring"))
    case .auto:
        if let why = UringEngine.probe() { return ResolvedEngine(kind: .epoll, why: Phrasing(.engineProbeFailed, "\(why)")) }
        return ResolvedEngine(kind: .uring, why: Phrasing(.engineProbePassed))
    }
}

/// Why io_uring cannot be used here, or nil if it can.
public func uringUnavailableReason() -> String? { UringEngine.probe() }
