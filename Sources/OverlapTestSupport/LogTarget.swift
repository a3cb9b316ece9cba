import OverlapCore
import OverlapModel

/// A completion routine that records each request it runs (by the id the test
/// put in `result`), the thread and the mode; it can hold the thread on a
/// gate: for the ids in `holdOn`, or for every request (`holdingEvery`).
package final class LogTarget: CompletionTarget {
    package struct Entry: Equatable {
        package var id: Int32
        package var thread: String
        package var mode: NotificationMode

        package init(id: Int32, thread: String, mode: NotificationMode) {
            self.id = id
            self.thread = thread
            self.mode = mode
        }
    }
    package let log = Locked<[Entry]>([])
    package let gate = Wakeup()
    /// Ids whose routine waits for the gate before returning.
    package let holdOn: Set<Int32>
    package let holdingEvery: Bool

    package init(holdOn: Set<Int32> = [], holdingEvery: Bool = false) {
        self.holdOn = holdOn
        self.holdingEvery = holdingEvery
    }

    package var sessionID: UInt64 { 1 }

    package func complete(_ request: Overlapped, on thread: IOThread) {
        log.withLock { $0.append(Entry(id: request.result, thread: thread.name, mode: request.mode)) }
        if holdingEvery || holdOn.contains(request.result) { gate.wait() }
    }

    package var entries: [Entry] { log.withLock { $0 } }
}
