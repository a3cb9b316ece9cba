import DequeModule
import OverlapModel
import Synchronization

/// The server's short log of mode switches, errors and refusals: the last
/// `capacity` events. A burst of the same event (a refusal storm) is folded
/// into one line with a count, so it cannot push everything else out.
final class EventLog: Sendable {
    private struct Entry {
        var event: ServerEvent
        var key: String
        var count: Int
    }

    private let entries = Mutex(Deque<Entry>())
    private let capacity: Int
    private let foldWindowNanos: UInt64 = 2_000_000_000

    init(capacity: Int = 64) {
        self.capacity = capacity
    }

    /// Adds an event. Events with the same `key` within two seconds are folded
    /// into the previous line as "message (xN)".
    func note(_ level: ServerEvent.Level, _ message: String, key: String? = nil) {
        let now = monotonicNanos()
        entries.withLock { list in
            if let key, var last = list.last, last.key == key, now &- last.event.atNanos < foldWindowNanos {
                last.count += 1
                last.event = ServerEvent(atNanos: now, level: level, message: "\(message) (x\(last.count))")
                list[list.count - 1] = last
                return
            }
            list.append(Entry(event: ServerEvent(atNanos: now, level: level, message: message), key: key ?? "", count: 1))
            if list.count > capacity { list.removeFirst() }
        }
    }

    var events: [ServerEvent] { entries.withLock { $0.map(\.event) } }
}
