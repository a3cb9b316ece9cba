import OverlapSystem

/// The threads a component started, to join at shutdown.
package final class ThreadList: Sendable {
    private let list = Locked<[OSThread]>([])

    package init() {}

    /// Adds a started thread, joining any that have finished (threads of a
    /// retired mode), so a long run does not pile up unjoined threads.
    package func add(_ t: OSThread) {
        list.withLock { l in
            l.removeAll { $0.tryJoin() }
            l.append(t)
        }
    }

    package func joinAll() {
        let all = list.withLock { l in
            defer { l.removeAll() }
            return l
        }
        for t in all { t.join() }
    }
}
