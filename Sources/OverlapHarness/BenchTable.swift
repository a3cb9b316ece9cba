import Foundation

/// The table `overlap bench` prints: one row per cell, numbers right-aligned,
/// then a line per failed cell and a footer on how to read it.
public enum BenchTable {
    public static func render(_ rows: [BenchRow]) -> String {
        let repeated = rows.contains { $0.runs > 1 }
        var heads = ["mode", "engine", "scen", "msg/s"]
        if repeated { heads.append("min-max") }
        heads += ["MB/s", "p50 us", "p99 us", "peak q", "threads", "fairness", "errors"]
        let cells = rows.map { r in
            var c = [r.mode, r.engine, r.scenario, String(format: "%.0f", r.msgs_per_s)]
            if repeated { c.append(String(format: "%.0f-%.0f", r.msgs_per_s_min, r.msgs_per_s_max)) }
            c += [String(format: "%.2f", r.mb_per_s), "\(r.p50_us)", "\(r.p99_us)", "\(r.peak_queue_depth)",
                  "\(r.threads_used)", String(format: "%.2f", r.fairness), "\(r.errors.count)"]
            return c
        }
        let widths = heads.indices.map { i in max(heads[i].count, cells.map { $0[i].count }.max() ?? 0) }
        func line(_ c: [String]) -> String {
            c.indices.map { i in
                i < 3 ? c[i] + String(repeating: " ", count: widths[i] - c[i].count)
                    : String(repeating: " ", count: widths[i] - c[i].count) + c[i]
            }.joined(separator: "  ")
        }
        var out = [line(heads)] + cells.map(line)
        for r in rows where !r.errors.isEmpty { out.append("FAILED \(r.mode)/\(r.engine) \(r.scenario): \(r.errors[0])") }
        out.append(footer(repeated: repeated, runs: rows.map(\.runs).max() ?? 1))
        return out.joined(separator: "\n")
    }

    static func footer(repeated: Bool, runs: Int) -> String {
        let spread = repeated
            ? "msg/s is the median of \(runs) interleaved runs, min-max their range: cells whose ranges overlap are not different."
            : "One run per cell: on a shared machine the same cell can differ 10-20% (or more) from run to run; --repeat 3 shows the spread."
        return spread + "\nthreads: threads that ran completions; fairness: Jain's index of their completions (1.00 = even, or one thread)."
    }
}
