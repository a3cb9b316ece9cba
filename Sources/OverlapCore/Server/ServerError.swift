import SystemPackage

/// Why the server could not start; each message names what the user can fix.
public enum ServerError: Error, CustomStringConvertible, Equatable {
    case badHost(String)
    case portInUse(Int, what: String)
    case bind(String, Errno)
    case system(String, Errno)
    case engine(EngineError)

    public var description: String {
        switch self {
        case .badHost(let h): "'\(h)' is not a numeric IPv4 or IPv6 address"
        case .portInUse(let p, let what):
            "\(what) port \(p) is already in use; choose another with \(what == "metrics" ? "--metrics-port" : "--port")"
        case .bind(let a, let e): "cannot listen on \(a): \(e)"
        case .system(let what, let e): "\(what) failed: \(e)"
        case .engine(let e): e.description
        }
    }
}
