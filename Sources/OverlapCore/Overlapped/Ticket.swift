import OverlapModel

/// How one request's completion is announced, given by its mode's notifier
/// when the request is posted. The mode is a property of each request, not
/// of the server (DESIGN §1): a request posted before a switch keeps its
/// ticket and finishes the way it was posted.
enum Ticket {
    /// Queued to the completion port (`port` mode).
    case port
    /// Its completion routine is queued to APC queue `queue` (`callback`
    /// mode): the posting session's home thread, and no other.
    case apc(queue: Int)
    /// Its completion sets event object `slot` of `group` (`event` mode),
    /// which the group's waiter harvests.
    case event(EventGroup, slot: Int)

    var mode: NotificationMode {
        switch self {
        case .port: .port
        case .apc: .callback
        case .event: .event
        }
    }
}
