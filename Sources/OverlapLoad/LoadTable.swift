import Foundation

extension LoadReport {
    /// The final table `overlap load` prints.
    public var table: String {
        func num(_ v: Double) -> String { String(format: "%.0f", v) }
        var lines: [String] = []
        let mode = rate.map { "open loop, \(num($0)) msg/s per connection" } ?? "closed loop, depth \(depth)"
        lines.append("overlap load: \(host):\(port), \(connections) connections, \(size) B messages, \(mode)")
        lines.append("  \(String(format: "%.1f", durationSeconds)) s measured after \(String(format: "%.1f", warmupSeconds)) s warm-up; every echoed byte verified")
        lines.append("")
        let heads = ["msg/s", "MB/s", "p50 us", "p90 us", "p99 us", "p99.9 us", "max us", "conns", "errors"]
        let vals = [num(messagesPerSecond), String(format: "%.2f", megabytesPerSecond), "\(latencyMicros.p50)",
                    "\(latencyMicros.p90)", "\(latencyMicros.p99)", "\(latencyMicros.p999)", "\(latencyMicros.max)",
                    "\(connections)", "\(errors.count)"]
        let widths = zip(heads, vals).map { max($0.count, $1.count) }
        func row(_ cells: [String]) -> String {
            zip(cells, widths).map { String(repeating: " ", count: $1 - $0.count) + $0 }.joined(separator: "  ")
        }
        lines.append(row(heads))
        lines.append(row(vals))
        if !errors.isEmpty {
            lines.append("")
            lines.append("FAILED: \(errors.count) connection(s) with errors:")
            for e in errors.prefix(20) { lines.append("  \(e)") }
            if errors.count > 20 { lines.append("  ... and \(errors.count - 20) more") }
        }
        return lines.joined(separator: "\n")
    }

    /// The same figures as one JSON object.
    public var json: String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let data = (try? enc.encode(JSONForm(self))) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    private struct JSONForm: Encodable {
        let report: LoadReport
        init(_ r: LoadReport) { report = r }
        enum Keys: String, CodingKey {
            case host, port, connections, size, depth, rate, duration_s, warmup_s, messages, msgs_per_s, mb_per_s,
                 latency_us, errors, ok
        }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(report.host, forKey: .host)
            try c.encode(report.port, forKey: .port)
            try c.encode(report.connections, forKey: .connections)
            try c.encode(report.size, forKey: .size)
            try c.encode(report.depth, forKey: .depth)
            try c.encodeIfPresent(report.rate, forKey: .rate)
            try c.encode(report.durationSeconds, forKey: .duration_s)
            try c.encode(report.warmupSeconds, forKey: .warmup_s)
            try c.encode(report.messages, forKey: .messages)
            try c.encode(report.messagesPerSecond, forKey: .msgs_per_s)
            try c.encode(report.megabytesPerSecond, forKey: .mb_per_s)
            try c.encode(report.latencyMicros, forKey: .latency_us)
            try c.encode(report.errors, forKey: .errors)
            try c.encode(report.ok, forKey: .ok)
        }
    }
}
