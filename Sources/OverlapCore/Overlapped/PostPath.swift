import OverlapModel
import OverlapSystem

/// The one way a request is posted: the router gives it the ticket of the
/// current mode, the request is counted as posted on the posting thread, and
/// the engine starts the I/O. Sessions, the listener and the tests all post
/// through it.
package struct PostPath: Sendable {
    let router: ModeRouter
    let engine: any IOEngine

    package init(router: ModeRouter, engine: any IOEngine) {
        self.router = router
        self.engine = engine
    }

    /// Posts `request` for `target` from `thread`; `home` is the APC queue
    /// of the poster's session (callback mode queues the routine there).
    /// Any thread; no lock of its own (the notifier's and engine's only).
    @inline(__always)
    package func post(_ request: Overlapped, target: CompletionTarget, home: Int, from thread: IOThread) {
        post(request, in: router.current, target: target, home: home, from: thread)
    }

    /// Posts in `mode`, as a poster does that read the mode just before a
    /// switch: the request finishes in `mode` even if it is no longer current.
    @inline(__always)
    func post(_ request: Overlapped, in mode: NotificationMode, target: CompletionTarget, home: Int,
              from thread: IOThread) {
        thread.assertOnOwner()
        request.ticket = router.notifier(mode).ticket(for: request, home: home, from: thread)
        request.target = target
        // Counted in the mode its ticket announces it in: in callback mode an
        // accept is announced by an event object (AcceptEx takes no routine).
        thread.stats.countPosted(request.kind, request.mode)
        if thread.shouldSample() {
            request.postedBy = thread.id
            request.postedAt = monotonicNanos()
        }
        engine.post(request, from: thread)
    }
}
