import OverlapModel

/// The four stamps of one sampled request (monotonic ns) and what it was.
struct LatencyStamps: Sendable, CustomStringConvertible {
    let op: OpKind
    let mode: NotificationMode
    /// Session id (0: the listener's accept).
    let session: UInt64
    /// Thread ids: who posted it, who ran its handler.
    let postedBy: Int
    let ranOn: Int
    let posted: UInt64
    let completed: UInt64
    var pickedUp: UInt64 = 0
    var returned: UInt64 = 0

    /// posted → completed: the kernel (or the epoll engine), including the
    /// engine's own submit hand-off.
    var kernel: UInt64 { completed &- posted }
    /// completed → picked up: the notification delay, where the modes differ.
    var notify: UInt64 { pickedUp &- completed }
    /// picked up → returned: the handler itself.
    var handler: UInt64 { returned &- pickedUp }

    var description: String {
        "\(op) \(mode) posted \(posted) completed \(completed) picked up \(pickedUp) returned \(returned)"
    }
}
