/// A port worker's own state while it waits in the kernel (port mode on
/// epoll, `PortNotifier.runInKernel`), kept in its thread's
/// `notifierState`. Owned by that worker's thread, so the run-time
/// exclusivity checks on its arrays are off (`@exclusivity(unchecked)`:
/// they cost about 150 instructions per echo).
final class PortKernelMember {
    let worker: CompletionPort<Overlapped>.Worker
    /// Requests this worker's handlers completed at once (a send the socket
    /// took whole): queued on the port when the handler returns, together
    /// with the worker's next `GetQueuedCompletionStatus`, so the worker
    /// takes them itself unless the queue holds more than its share. Ringing
    /// another worker awake for them mid-handler cost a thread wake per
    /// message (measured: 6% of the server's time in `eventfd_write` at 500
    /// connections).
    @exclusivity(unchecked) var deferred: [Overlapped] = []
    @exclusivity(unchecked) var batch: [Overlapped?] = []

    init(worker: CompletionPort<Overlapped>.Worker) {
        self.worker = worker
    }
}
