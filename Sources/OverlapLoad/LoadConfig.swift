/// What `overlap load` is told (DESIGN.md §4).
public struct LoadConfig: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 7777
    public var connections = 50
    /// Bytes per message (at least the 16-byte header).
    public var size = 64
    /// Closed loop: messages in flight per connection.
    public var depth = 1
    /// Open loop: messages per second per connection (nil: closed loop).
    public var rate: Double?
    /// Open loop: most messages in flight per connection. At the limit the
    /// connection sends nothing until an echo comes, and the messages it owes
    /// meanwhile go out late, their latency still counted from when they were
    /// due. Not on the command line: 1024 keeps a connection at 1000 msg/s on
    /// schedule through a 1 s stall; a test sets 1 to make a client that waits
    /// for each echo (the classic coordinated-omission case).
    public var openLoopWindow = 1024
    public var duration: Double = 10
    /// Seconds at the start whose latencies and counts are not reported.
    public var warmup: Double = 1
    /// Threads that drive the connections.
    public var threads = 1
    /// Seconds without any echo, with messages in flight, before a connection counts as stalled.
    public var stallSeconds: Double = 5

    public init() {}

    /// The first thing wrong with this configuration, worded for the user.
    public var problem: String? {
        if !(1...65535).contains(port) { return "--port must be 1-65535, not \(port)" }
        if !(1...100_000).contains(connections) { return "--connections must be 1-100000, not \(connections)" }
        if size < Payload.headerSize || size > 16 << 20 {
            return "--size must be \(Payload.headerSize)-\(16 << 20) bytes (each message carries a 16-byte header), not \(size)"
        }
        if !(1...4096).contains(depth) { return "--depth must be 1-4096, not \(depth)" }
        if !(1...65536).contains(openLoopWindow) { return "the open-loop window must be 1-65536, not \(openLoopWindow)" }
        if let r = rate, !(r > 0 && r <= 1_000_000) { return "--rate must be above 0 and at most 1000000 messages/s, not \(r)" }
        if !(duration > 0 && duration <= 86_400) { return "--duration must be above 0 and at most 86400 seconds, not \(duration)" }
        if !(warmup >= 0 && warmup < 3600) { return "--warmup must be 0-3600 seconds, not \(warmup)" }
        if !(1...64).contains(threads) { return "--threads must be 1-64, not \(threads)" }
        return nil
    }
}

/// Why a connection failed. Each kind is named in the report.
public enum LoadErrorKind: String, Sendable, Codable, CaseIterable {
    /// An echoed byte differs from the byte sent.
    case corrupted
    /// A message never came back: a later one arrived in its place and the
    /// missing one did not follow.
    case lost
    /// A message came back that had already been received.
    case duplicated
    /// Messages came back out of order.
    case reordered
    /// The server reset the connection.
    case reset
    /// The server closed the connection before every echo came back.
    case closedEarly = "closed early"
    /// Messages were in flight and nothing came back for too long.
    case stalled
    /// The connection could not be opened.
    case connect
    /// Any other socket error.
    case socket
}

/// The first error on one connection.
public struct LoadError: Sendable, Codable, Equatable, CustomStringConvertible {
    public var connection: Int
    /// The message expected next when it happened (0-based sequence number).
    public var message: UInt64
    public var kind: LoadErrorKind
    public var detail: String

    public var description: String {
        "connection \(connection), message \(message): \(kind.rawValue): \(detail)"
    }
}
