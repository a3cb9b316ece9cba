import CLinux

/// A named, joinable POSIX thread. The core needs to know each thread's
/// identity and to join them all at shutdown, which Dispatch and Foundation's
/// Thread do not give; the load generator and the metrics server use it too.
public final class OSThread: Sendable {
    private let handle: pthread_t

    private final class Box {
        let body: () -> Void
        let name: String
        init(_ name: String, _ body: @escaping () -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// Starts `body` on a new thread named `name` (truncated to 15 bytes, the kernel's limit).
    public init(name: String, body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(name, body)).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            overlap_set_thread_name(String(box.name.prefix(15)))
            box.body()
            return nil
        }, box)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        handle = tid
    }

    /// Waits for the thread to finish. Call once (or after `tryJoin` said false).
    public func join() {
        _ = pthread_join(handle, nil)
    }

    /// Joins the thread if it has finished; true if it was joined.
    public func tryJoin() -> Bool {
        overlap_thread_tryjoin(handle) == 0
    }

    /// Lets the thread clean up after itself when it ends; it cannot be joined after.
    public func detach() {
        _ = pthread_detach(handle)
    }
}
