import DequeModule
import Logging
import OverlapModel
import OverlapSystem
import Synchronization

/// The server's short log of mode switches, errors and refusals: the last
/// `capacity` events. A burst of the same event (a refusal storm) is folded
/// into one line with a count, so it cannot push everything else out.
///
/// Each new line is also a swift-log record (a folded repeat is not, so a
/// storm cannot flood the log either); where records go is the front end's
/// choice (stderr headless, a file or nowhere under the dashboard).
package final class EventLog: Sendable {
    private struct Entry {
        var event: ServerEvent
        var key: String
        var count: Int
    }

    private let entries = Locked(Deque<Entry>())
    private let capacity: Int
    private let foldWindowNanos: UInt64 = 2_000_000_000

    let logger: Logger

    package init(capacity: Int = 64, logger: Logger = Logger(label: "overlap")) {
        self.capacity = capacity
        self.logger = logger
    }

    /// Adds an event, told as a phrase so the dashboard can show it in its
    /// language (the log record is the English line). Events with the same
    /// `key` within two seconds are folded into the previous line as
    /// "line (xN)".
    func note(_ level: ServerEvent.Level, _ phrasing: Phrasing, key: String? = nil) {
        let now = monotonicNanos()
        let message = phrasing.text(.en)
        let isNew: Bool = entries.withLock { list in
            if let key, var last = list.last, last.key == key, now &- last.event.atNanos < foldWindowNanos {
                last.count += 1
                last.event = ServerEvent(atNanos: now, level: level, phrasing: phrasing, repeats: last.count)
                list[list.count - 1] = last
                return false
            }
            list.append(Entry(event: ServerEvent(atNanos: now, level: level, phrasing: phrasing), key: key ?? "", count: 1))
            if list.count > capacity { list.removeFirst() }
            return true
        }
        if isNew {
            let l: Logger.Level = switch level {
            case .info: .info
            case .warning: .warning
            case .error: .error
            }
            logger.log(level: l, "\(message)")
        }
    }

    package var events: [ServerEvent] { entries.withLock { $0.map(\.event) } }
}
