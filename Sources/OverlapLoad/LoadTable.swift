import Foundation

extension LoadReport {
    /// The final table `overlap load` prints. Open loop has two latency rows:
    /// from when each message was due (the one to quote) and from when it was
    /// sent (service time); closed loop has one, as the two are the same there.
    public var table: String {
        func num(_ v: Double) -> String { String(format: "%.0f", v) }
        func lat(_ l: Latency) -> [String] { ["\(l.p50)", "\(l.p90)", "\(l.p99)", "\(l.p999)", "\(l.max)"] }
        var lines: [String] = []
        let mode = rate.map { "open loop, \(num($0)) msg/s per connection" } ?? "closed loop, depth \(depth)"
        let conns = connections == 1 ? "1 connection" : "\(connections) connections"
        lines.append("overlap load: \(host):\(port), \(conns), \(size) B messages, \(mode)")
        // Nothing ran when a connection could not be made (LoadRunner stops there).
        let ran = !(errors.count == 1 && errors.first?.kind == .connect)
        if ran {
            lines.append("  \(String(format: "%.1f", durationSeconds)) s measured after \(String(format: "%.1f", warmupSeconds)) s warm-up; every echoed byte verified")
        }
        var heads = ["msg/s", "MB/s", "p50 us", "p90 us", "p99 us", "p99.9 us", "max us", "conns", "errors"]
        var rows = [[num(messagesPerSecond), String(format: "%.2f", megabytesPerSecond)] + lat(latencyMicros)
                    + [ran ? "\(connections)" : "0", "\(errors.count)"]]
        if let service = serviceLatencyMicros {
            lines.append("  latency from due: from when the schedule said to send each message to its echo, time it")
            lines.append("    waited to go out included (corrected for coordinated omission): the figure to quote")
            lines.append("  latency from send: from when it was written (service time); the difference is that wait")
            heads.insert("", at: 0)
            rows[0].insert("from due", at: 0)
            rows.append(["from send", "", ""] + lat(service) + ["", ""])
        } else {
            lines.append("  latency: from each send to its echo (closed loop sends each message when it is due)")
        }
        lines.append("")
        let widths = heads.indices.map { i in rows.reduce(heads[i].count) { max($0, $1[i].count) } }
        func row(_ cells: [String]) -> String {
            let line = zip(cells, widths).enumerated().map { i, cw in
                let pad = String(repeating: " ", count: cw.1 - cw.0.count)
                return serviceLatencyMicros != nil && i == 0 ? cw.0 + pad : pad + cw.0  // labels left, figures right
            }.joined(separator: "  ")
            return String(line.reversed().drop { $0 == " " }.reversed())
        }
        lines.append(row(heads))
        for r in rows { lines.append(row(r)) }
        if !errors.isEmpty {
            lines.append("")
            if errors.count == 1, let e = errors.first, e.kind == .connect {
                // LoadRunner stops at the first connection that cannot connect.
                let others = connections == 1 ? "" : " (\(e.connection) of \(connections) connected before it)"
                lines.append("FAILED: no load ran: connection \(e.connection) could not connect\(others); "
                             + "is a server listening on \(host):\(port)?")
                lines.append("  \(e.detail)")
            } else {
                lines.append("FAILED: \(errors.count) connection(s) with errors:")
                for e in errors.prefix(20) { lines.append("  \(e)") }
                if errors.count > 20 { lines.append("  ... and \(errors.count - 20) more") }
            }
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
                 latency_us, service_latency_us, errors, ok
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
            try c.encodeIfPresent(report.serviceLatencyMicros, forKey: .service_latency_us)
            try c.encode(report.errors, forKey: .errors)
            try c.encode(report.ok, forKey: .ok)
        }
    }
}
