import DequeModule
import Synchronization

/// Sessions whose recv found every receive buffer lent, waiting for one to
/// come back (the session layer's half of a buffer shortage; the pool only
/// says when one ends).
///
/// A returned buffer resumes every waiter, not one: a resumed session may
/// find nothing to read and give the buffer back unused, and the others
/// would wait for a release that never comes. They race for the free
/// buffers; a loser finds none and waits again (which marks a new
/// shortage, so the next return resumes it). Any thread.
final class BufferWaitQueue: Sendable {
    private struct State {
        var waiters = Deque<Session>()
        var closed = false
    }
    private let state = Locked(State())
    private let pool: BufferPool

    init(pool: BufferPool) {
        self.pool = pool
        pool.onShortageEnded { [weak self] thread in self?.resumeAll(on: thread) }
    }

    /// Queues `session` until a buffer comes back. Returns false, without
    /// queueing, if a buffer is free now (post the recv again at once) or the
    /// queue is closed (the server is stopping). The pool is asked under this
    /// queue's lock, so a buffer returned meanwhile cannot be missed: its
    /// shortage hook waits for this lock and then resumes `session`.
    func wait(_ session: Session) -> Bool {
        state.withLock { s in
            guard !s.closed, pool.shortage() else { return false }
            s.waiters.append(session)
            return true
        }
    }

    /// Resumes every waiter on `thread` (a buffer came back).
    func resumeAll(on thread: IOThread) {
        let all: [Session] = state.withLock { s in
            defer { s.waiters.removeAll() }
            return Array(s.waiters)
        }
        for session in all { session.bufferAvailable(on: thread) }
    }

    /// Server stop: nobody waits from now on. Returns the sessions that were
    /// waiting (they have nothing in flight; the caller closes them).
    func close() -> [Session] {
        state.withLock { s in
            s.closed = true
            defer { s.waiters.removeAll() }
            return Array(s.waiters)
        }
    }

    var count: Int { state.withLock { $0.waiters.count } }
}
