/// How a request's completion is announced (DESIGN.md §1). Recorded on each
/// request when it is posted; a mode switch changes only new requests.
public enum NotificationMode: String, CaseIterable, Sendable, Codable {
    /// A manual-reset event object per request, waited on in groups of 64.
    case event
    /// Alertable I/O: the completion routine is queued to the posting thread's APC queue.
    case callback
    /// I/O completion port: one FIFO queue, LIFO-woken workers, a concurrency cap.
    case port

    public var index: Int {
        switch self {
        case .event: 0
        case .callback: 1
        case .port: 2
        }
    }

    /// The mode after this one, for the `m` key.
    public var next: NotificationMode {
        let all = Self.allCases
        return all[(index + 1) % all.count]
    }
}

/// The kernel side that performs the I/O (DESIGN.md §2).
public enum EngineKind: String, CaseIterable, Sendable, Codable {
    case uring
    case epoll
}

/// What `--engine` asks for: a specific engine, or the best one that works here.
public enum EngineChoice: String, CaseIterable, Sendable, Codable {
    case auto
    case uring
    case epoll
}

/// The three overlapped operations an echo server posts.
public enum OpKind: String, CaseIterable, Sendable, Codable {
    case accept
    case recv
    case send

    public var index: Int {
        switch self {
        case .accept: 0
        case .recv: 1
        case .send: 2
        }
    }
}

/// Why a session ended; each reason is counted.
public enum CloseReason: String, CaseIterable, Sendable, Codable {
    /// The peer closed its side (zero-byte recv) after every byte was echoed.
    case peerClosed
    /// The peer reset the connection (ECONNRESET, EPIPE).
    case reset
    /// Any other error completion.
    case error
    /// The server shut the session down (stop, or shutdown of the server).
    case shutdown

    public var index: Int {
        switch self {
        case .peerClosed: 0
        case .reset: 1
        case .error: 2
        case .shutdown: 3
        }
    }
}
