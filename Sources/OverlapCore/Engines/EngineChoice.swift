import OverlapModel

/// The engine `--engine` resolves to, and why.
public struct ResolvedEngine: Sendable, Equatable {
    public var kind: EngineKind
    public var reason: String
}

/// Resolves `--engine`: `uring` and `epoll` are taken as asked (uring fails
/// with the probe's reason if it cannot work); `auto` takes uring when the
/// probe passes and epoll otherwise.
public func resolveEngine(_ choice: EngineChoice) throws(ServerError) -> ResolvedEngine {
    switch choice {
    case .epoll:
        return ResolvedEngine(kind: .epoll, reason: "--engine epoll")
    case .uring:
        if let why = UringEngine.probe() { throw .engine(.unavailable("--engine uring: \(why)")) }
        return ResolvedEngine(kind: .uring, reason: "--engine uring")
    case .auto:
        if let why = UringEngine.probe() { return ResolvedEngine(kind: .epoll, reason: "auto: \(why)") }
        return ResolvedEngine(kind: .uring, reason: "auto: io_uring probe passed")
    }
}

/// Why io_uring cannot be used here, or nil if it can.
public func uringUnavailableReason() -> String? { UringEngine.probe() }
