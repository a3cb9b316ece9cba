import CLinux

/// A counting semaphore one thread sleeps on and others signal (POSIX sem_t,
/// futex-backed: no syscall when it need not sleep).
final class Wakeup: @unchecked Sendable {
    // sem_t must not move, so it lives in its own allocation.
    private let sem: UnsafeMutablePointer<sem_t>

    init() {
        sem = .allocate(capacity: 1)
        sem_init(sem, 0, 0)
    }

    deinit {
        sem_destroy(sem)
        sem.deallocate()
    }

    func wait() {
        while sem_wait(sem) != 0 {}
    }

    func signal() {
        sem_post(sem)
    }
}
