/// Jain's fairness index of the completions over the threads that ran any:
/// (Σx)² / (n·Σx²), from 1/n (one thread did all the work while n could
/// have) to 1 (all equal). Threads that ran nothing are not counted, so a
/// single busy thread reads 1.00, as the definition says; how many threads
/// shared the work is its own column (`threads`).
public enum Fairness {
    /// 1 for one thread (or all equal), 0 when nothing ran.
    public static func jain(_ completions: [Double]) -> Double {
        jain(countingIdle: completions.filter { $0 > 0 })
    }

    /// Jain's index over every value given, zeros included: the fairness of
    /// sessions, where one that got nothing is the starvation being measured.
    /// 0 when all are zero.
    public static func jain(countingIdle values: [Double]) -> Double {
        let sum = values.reduce(0, +)
        let squares = values.reduce(0) { $0 + $1 * $1 }
        return squares == 0 ? 0 : sum * sum / (Double(values.count) * squares)
    }
}
