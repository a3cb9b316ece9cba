import Synchronization

/// A socket registered with the epoll engine: the request waiting for each
/// direction and whether that direction is known to be ready.
final class EpollSocket: EngineSocket, @unchecked Sendable {
    struct State {
        /// The pending accept or recv, waiting for readability.
        var reader: Overlapped?
        /// The pending send, waiting for writability.
        var writer: Overlapped?
        /// False only once an attempt got EAGAIN; set again by the next edge.
        /// Never inferred from a count (see `perform`).
        var readReady = true
        var writeReady = true
        var detached = false
        /// Whether the registration asks for EPOLLOUT: only from the first
        /// send that found the socket full. Until then writability never
        /// wakes a waiter (each such wake, taken by a thread with nothing to
        /// do, would put it back on top of the kernel's LIFO wait queue).
        var watchesWritable = false
    }

    let state = Locked(State())
}
