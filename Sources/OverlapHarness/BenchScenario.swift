/// One shape of traffic `overlap bench` drives a server with: the four
/// standard scenarios of ../shared/perf.
public struct BenchScenario: Sendable, Equatable {
    public let name: String
    public let connections: Int
    /// Bytes per message.
    public let size: Int
    /// Messages in flight per connection.
    public let depth: Int

    public static let all = [
        BenchScenario(name: "s1", connections: 1, size: 64, depth: 1),
        BenchScenario(name: "s2", connections: 50, size: 64, depth: 8),
        BenchScenario(name: "s3", connections: 500, size: 512, depth: 1),
        BenchScenario(name: "s4", connections: 10, size: 16384, depth: 4),
    ]

    public static func named(_ name: String) -> BenchScenario? { all.first { $0.name == name } }
}
