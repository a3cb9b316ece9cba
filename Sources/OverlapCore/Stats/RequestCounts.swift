import OverlapModel

/// Requests counted at each stage of their life, by kind and mode.
package struct RequestCounts: Equatable {
    var posted = OpModeCounts()
    var completed = OpModeCounts()
    var delivered = OpModeCounts()

    /// Posted and not yet completed by the engine (never below 0).
    var pending: OpModeCounts {
        var p = OpModeCounts()
        for op in OpKind.allCases {
            for m in NotificationMode.allCases { p[op, m] = max(0, posted[op, m] - completed[op, m]) }
        }
        return p
    }

    /// Completed and not yet handled, per mode (never below 0).
    var queued: [Int64] {
        NotificationMode.allCases.map { max(0, completed.total(mode: $0) - delivered.total(mode: $0)) }
    }
}
