import CLinux
import Glibc
import OverlapSystem

/// A counting semaphore one thread sleeps on and others signal (POSIX sem_t,
/// futex-backed: no syscall when it need not sleep).
package final class Wakeup: @unchecked Sendable {
    // sem_t must not move, so it lives in its own allocation.
    private let sem: UnsafeMutablePointer<sem_t>

    package init() {
        sem = .allocate(capacity: 1)
        sem_init(sem, 0, 0)
    }

    deinit {
        sem_destroy(sem)
        sem.deallocate()
    }

    package func wait() {
        while sem_wait(sem) != 0 {}
    }

    /// Waits at most `nanos`; true if signalled, false on timeout.
    /// (`sem_timedwait` takes a CLOCK_REALTIME deadline: a clock step can
    /// stretch or cut one wait, which only the sampler's pacing would notice.)
    func wait(timeoutNanos nanos: UInt64) -> Bool {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let total = UInt64(now.tv_nsec) + nanos % 1_000_000_000
        var deadline = timespec(tv_sec: now.tv_sec + Int(nanos / 1_000_000_000) + Int(total / 1_000_000_000),
                                tv_nsec: Int(total % 1_000_000_000))
        switch systemCall({ sem_timedwait(sem, &deadline) }) {
        case .success: return true
        case .failure: return false  // ETIMEDOUT (EINTR is retried by systemCall)
        }
    }

    func signal() {
        sem_post(sem)
    }
}
