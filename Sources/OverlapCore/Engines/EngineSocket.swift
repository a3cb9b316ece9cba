/// A socket as an engine knows it. The epoll engine subclasses it to keep its
/// per-socket readiness state; io_uring needs nothing more than the descriptor.
package class EngineSocket: @unchecked Sendable {
    let fd: Int32

    package init(fd: Int32) {
        self.fd = fd
    }
}
