import OverlapModel

/// One notification mode (DESIGN §1): how a completed request is announced
/// and which thread runs its handler. Each mode is one type in this folder;
/// the router holds one of each, at `mode.index`, and dispatches to them.
///
/// Threads: `ticket` runs on the posting thread, `deliver` on the engine
/// thread (or a poster whose request completed at once); the others on any
/// thread, serialized by the notifier itself where it matters.
protocol Notifier: AnyObject, Sendable {
    /// The mode this notifier announces.
    var mode: NotificationMode { get }

    /// Requests posted in this mode and not yet delivered that count under
    /// another mode's figures (default 0; callback mode's accept).
    var pendingCountedElsewhere: Int { get }

    /// Prepares `request`, about to be posted by `thread` in this mode,
    /// and returns how its completion will be announced (an event object,
    /// its session's APC queue `home`, the port).
    func ticket(for request: Overlapped, home: Int, from thread: IOThread) -> Ticket

    /// Takes completed requests whose tickets are this notifier's. Returns how
    /// many of them `thread` ran itself (the port's engine visit), else 0.
    func deliver(_ requests: ArraySlice<Overlapped>, from thread: IOThread) -> Int

    /// This mode became the one new requests are posted in: start what its
    /// posts need now (threads that wait for them).
    func activate()

    /// This mode is no longer current: send its threads away once every
    /// request posted in it has been delivered (checked again by its threads
    /// after each batch, so calling it early is harmless).
    func retireIfDrained()

    /// Stops and joins every thread. Every request must have been delivered.
    func stop()

    /// The role of each live thread of this notifier, by thread id, with what
    /// it waits on (group size, APC queue depth).
    func roles() -> [Int: ThreadRole]

    /// Called once the engine exists, before any thread starts (a notifier
    /// that uses what an engine offers beyond posting finds it here).
    func engineCreated(_ engine: any IOEngine)

    /// Called on an engine thread when it starts, before it delivers
    /// anything: a notifier that works with the engine thread keeps its
    /// state in `thread.notifierState[mode.index]`.
    func engineThreadStarted(_ thread: IOThread)

    /// Called on an engine thread as it stops: a notifier clears what it kept there.
    func engineThreadStopped(_ thread: IOThread)
}

extension Notifier {
    /// Requests posted in this mode, not yet delivered, that count under
    /// another mode's figures: callback mode's accept (AcceptEx takes no
    /// completion routine, so an event object announces it). 0 for the others.
    var pendingCountedElsewhere: Int { 0 }
    func engineCreated(_ engine: any IOEngine) {}
    func engineThreadStopped(_ thread: IOThread) {}
}
