import OverlapModel
import Synchronization

/// Knows the mode current for new posts (`PostPath` asks its notifier for
/// each request's ticket), and hands each completion to the notifier its
/// ticket names.
///
/// The router's table (`notifiers`, one per mode at `mode.index`) is the one
/// place that knows which modes exist: adding a mode is a `Notifier` in this
/// folder and an entry in `init`.
///
/// Switching changes only what later posts record. Requests already pending
/// finish in their own mode; that mode's threads retire once the last of them
/// is delivered (each notifier checks after handling a batch). A poster that
/// read the old mode just before a switch can still post in it after its
/// threads retired: a notifier that receives a completion with no thread to
/// run it starts threads again, so such a late request is never stranded.
package final class ModeRouter: Sendable {
    let modes: ModeState
    /// The notifier of each mode, at `mode.index`.
    private let notifiers: [any Notifier]
    /// Callback mode pins each new session to an APC thread (`homeThread`).
    private let callback: CallbackNotifier
    private let switchLock = Locked(())
    private let switchCount = Atomic<UInt64>(0)

    /// - Parameters:
    ///   - threads: APC threads (callback mode) and port workers (port mode).
    ///   - concurrency: the port's concurrency value.
    ///   - engineJoinsPort: whether an engine thread runs its share of port completions.
    package init(mode: NotificationMode, threads: Int, concurrency: Int, engineJoinsPort: Bool = true,
         registry: StatsRegistry) {
        modes = ModeState(mode, registry: registry)
        callback = CallbackNotifier(threads: threads, registry: registry, modes: modes)
        notifiers = [
            EventNotifier(registry: registry),
            callback,
            PortNotifier(threads: threads, concurrency: concurrency, engineJoins: engineJoinsPort,
                         registry: registry, modes: modes),
        ]
        for m in NotificationMode.allCases { precondition(notifiers[m.index].mode == m, "router table out of order") }
    }

    var current: NotificationMode { modes.current }
    var switches: UInt64 { switchCount.load(ordering: .relaxed) }

    /// The notifier of `mode`: it gives requests posted in it their tickets.
    @inline(__always)
    func notifier(_ mode: NotificationMode) -> any Notifier { notifiers[mode.index] }

    private var port: CompletionPort<Overlapped> {
        unsafeDowncast(notifiers[NotificationMode.port.index] as AnyObject, to: PortNotifier.self).port
    }

    /// The port's concurrency value, running and waiting workers, and how
    /// often running went above the value, from one look.
    var portLoad: CompletionPort<Overlapped>.Load { port.load }
    var portRunning: Int { port.running }

    /// Changes the port's concurrency value live (the `concurrency` hazard).
    func setPortConcurrency(_ value: Int) { port.setConcurrency(value) }

    /// The APC thread a new session is pinned to (round-robin): its requests
    /// posted in callback mode queue their routines there.
    func homeThread() -> Int { callback.nextHomeThread() }

    /// Starts the threads of the initial mode.
    package func start() { notifiers[modes.current.index].activate() }

    /// Makes `mode` the mode of every later post. Returns false if it already was.
    func switchMode(to mode: NotificationMode) -> Bool {
        switchLock.withLock { _ in
            if modes.current == mode { return false }
            modes.set(mode)
            switchCount.wrappingAdd(1, ordering: .relaxed)
            notifiers[mode.index].activate()
            // A mode with nothing in flight retires now; the others when drained.
            for n in notifiers where n.mode != mode { n.retireIfDrained() }
            return true
        }
    }

    /// Where an engine hands completed requests (result set): it takes
    /// ownership of them. Called by the engine thread, or by a posting
    /// thread when a request completed at once. Returns how many of them
    /// `thread` ran itself (port mode's engine visit).
    @discardableResult
    package func deliver(_ requests: inout [Overlapped], from thread: IOThread) -> Int {
        // Runs of one mode go to their notifier together (a batch is all one
        // mode except around a switch).
        var ranHere = 0
        var i = 0
        let n = requests.count
        while i < n {
            let mode = requests[i].mode
            var j = i + 1
            while j < n && requests[j].mode == mode { j += 1 }
            ranHere += notifiers[mode.index].deliver(requests[i..<j], from: thread)
            i = j
        }
        requests.removeAll(keepingCapacity: true)
        return ranHere
    }

    /// Tells every notifier which engine it works with (before `start`).
    func engineCreated(_ engine: any IOEngine) {
        for n in notifiers { n.engineCreated(engine) }
    }

    /// Called on each engine thread when it starts, before it delivers
    /// anything (the port keeps its visit there: `PortNotifier.deliver`).
    package func engineThreadStarted(_ thread: IOThread) {
        for n in notifiers { n.engineThreadStarted(thread) }
    }

    /// Called on each engine thread as it stops, after its last delivery.
    package func engineThreadStopped(_ thread: IOThread) {
        for n in notifiers { n.engineThreadStopped(thread) }
    }

    /// The role of each live notifier thread, with its group size or queue depth.
    func roles() -> [Int: ThreadRole] {
        notifiers.reduce(into: [:]) { all, n in all.merge(n.roles()) { a, _ in a } }
    }

    /// Stops every notifier's threads. Every request must have been delivered.
    func stop() {
        for n in notifiers { n.stop() }
    }
}
