/// Jain's fairness index of the completions over the threads that ran any:
/// (Σx)² / (n·Σx²), from 1/n (one thread did all the work while n could
/// have) to 1 (all equal). Threads that ran nothing are not counted, so a
/// single busy thread reads 1.00, as the definition says; how many threads
/// shared the work is its own column (`threads`).
public enum Fairness {
    /// 1 for one thread (or all equal), 0 when nothing ran.
    public static func jain(_ completions: [Double]) -> Double {
        let ran = completions.filter { $0 > 0 }
        let sum = ran.reduce(0, +)
        let squares = ran.reduce(0) { $0 + $1 * $1 }
        return ran.isEmpty ? 0 : sum * sum / (Double(ran.count) * squares)
    }
}
