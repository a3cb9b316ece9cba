import OverlapModel
import Synchronization

/// Gives every request the notification mode current when it is posted, and
/// hands each completion to the notifier of the mode its request recorded.
///
/// Switching changes only what later posts record. Requests already pending
/// finish in their own mode; that mode's threads retire once the last of them
/// is delivered (each notifier checks after handling a batch). A poster that
/// read the old mode just before a switch can still post in it after its
/// threads retired: a notifier that receives a completion with no thread to
/// run it starts threads again, so such a late request is never stranded.
final class ModeRouter: CompletionSink {
    let modes: ModeState
    let port: PortNotifier
    let callback: CallbackNotifier
    let events: EventNotifier
    private let switchLock = Locked(())
    private let switchCount = Atomic<UInt64>(0)

    init(mode: NotificationMode, threads: Int, concurrency: Int, engineJoinsPort: Bool = true, registry: StatsRegistry) {
        modes = ModeState(mode, registry: registry)
        port = PortNotifier(threads: threads, concurrency: concurrency, engineJoins: engineJoinsPort,
                            registry: registry, modes: modes)
        callback = CallbackNotifier(threads: threads, registry: registry, modes: modes)
        events = EventNotifier(registry: registry)
    }

    var current: NotificationMode { modes.current }
    var switches: UInt64 { switchCount.load(ordering: .relaxed) }

    /// Starts the threads of the initial mode.
    func start() { activate(modes.current) }

    /// Records the current mode on `request` and does what that mode needs
    /// before the I/O starts: an event object for it, or the APC queue its
    /// completion routine goes to (`home`). Returns the mode.
    @inline(__always)
    func prepare(_ request: Overlapped, home: Int, from thread: IOThread) -> NotificationMode {
        let mode = modes.current
        switch mode {
        case .port: break
        case .callback: request.notifySlot = home
        case .event: events.attach(request, from: thread)
        }
        return mode
    }

    /// Makes `mode` the mode of every later post. Returns false if it already was.
    func switchMode(to mode: NotificationMode) -> Bool {
        switchLock.withLock { _ in
            if modes.current == mode { return false }
            modes.set(mode)
            switchCount.wrappingAdd(1, ordering: .relaxed)
            activate(mode)
            // A mode with nothing in flight retires now; the others when drained.
            port.retireIfDrained()
            callback.retireIfDrained()
            return true
        }
    }

    private func activate(_ mode: NotificationMode) {
        switch mode {
        case .port: port.activate()
        case .callback: callback.activate()
        case .event: break  // waiters start with the groups that need them
        }
    }

    @discardableResult
    func deliver(_ requests: inout [Overlapped], from thread: IOThread) -> Int {
        // Runs of one mode go to their notifier together (a batch is all one
        // mode except around a switch).
        var ranHere = 0
        var i = 0
        let n = requests.count
        while i < n {
            let mode = requests[i].mode
            var j = i + 1
            while j < n && requests[j].mode == mode { j += 1 }
            switch mode {
            case .port: ranHere += port.deliver(requests[i..<j], from: thread)
            case .callback: callback.deliver(requests[i..<j])
            case .event: events.deliver(requests[i..<j])
            }
            i = j
        }
        requests.removeAll(keepingCapacity: true)
        return ranHere
    }

    /// The role of each live notifier thread, with its group size or queue depth.
    func roles() -> [Int: ThreadRole] {
        callback.roles().merging(events.roles()) { a, _ in a }
    }

    /// Deepest each mode's completion queue has been (`[mode.index]`).
    var peaks: [Int64] {
        var p: [Int64] = [0, 0, 0]
        p[NotificationMode.event.index] = events.peakDepth
        p[NotificationMode.callback.index] = callback.peakDepth
        p[NotificationMode.port.index] = Int64(port.port.peakDepth)
        return p
    }

    /// Stops every notifier's threads. Every request must have been delivered.
    func stop() {
        port.stop()
        callback.stop()
        events.stop()
    }
}
