/// What the port keeps on a thread that runs its completions, in that
/// thread's `IOThread.notifierState`: a port worker waiting in the kernel
/// (`PortKernelMember`, epoll) or an engine thread's visits (`PortVisit`,
/// io_uring). `PortNotifier.deliver` tells them apart by `waitsInKernel`,
/// a stored field, so the per-completion path makes no dynamic cast.
///
/// Owned by its thread, so the run-time exclusivity checks on the arrays
/// are off (`@exclusivity(unchecked)`: they cost about 150 instructions per
/// echo).
class PortThreadState {
    /// True for a worker that waits in the kernel, false for an engine's visits.
    final let waitsInKernel: Bool
    /// The thread's place at the `CompletionPort` (running slot, LIFO wait).
    final let worker: CompletionPort<Overlapped>.Worker
    /// Requests the thread's handlers completed at once (a send the socket
    /// took whole): queued on the port when the handler returns, not run
    /// inside it.
    @exclusivity(unchecked) final var deferred: [Overlapped] = []
    /// Reused for what the thread takes from the port.
    @exclusivity(unchecked) final var batch: [Overlapped?] = []

    init(waitsInKernel: Bool, worker: CompletionPort<Overlapped>.Worker) {
        self.waitsInKernel = waitsInKernel
        self.worker = worker
    }
}
