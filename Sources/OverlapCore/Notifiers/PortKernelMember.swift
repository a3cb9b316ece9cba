/// A port worker's own state while it waits in the kernel (port mode on
/// epoll, `PortNotifier.runInKernel`), kept in its thread's
/// `notifierState`. Its `deferred` requests (sends its handlers completed
/// at once) are queued on the port together with the worker's next
/// `GetQueuedCompletionStatus`, so the worker takes them itself unless the
/// queue holds more than its share. Ringing another worker awake for them
/// mid-handler cost a thread wake per message (measured: 6% of the
/// server's time in `eventfd_write` at 500 connections).
final class PortKernelMember: PortThreadState {
    init(worker: CompletionPort<Overlapped>.Worker) {
        super.init(waitsInKernel: true, worker: worker)
    }
}
