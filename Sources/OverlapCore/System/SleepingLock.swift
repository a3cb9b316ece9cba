import Glibc

/// A lock that sleeps in the kernel at once when it is taken, instead of
/// spinning first (a plain `pthread_mutex_t`).
///
/// Why not `Synchronization.Mutex`: on Linux its slow path spins before it
/// sleeps. With more posting threads than cores (event mode runs a waiter per
/// 64 requests), the holder is often preempted and the spinners burn the CPU
/// it needs: measured at 64% of the server's time in the lock's spin loop on
/// the engine's post queue, 500 sessions in event mode on 2 cores.
///
/// The value lives in its own allocation, like the mutex: the lock is what
/// makes access exclusive, so Swift's dynamic exclusivity check on a class
/// property would only add cost (and, for a `Void` value, ThreadSanitizer
/// reports the check's zero-sized accesses as races).
package final class SleepingLock<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let value: UnsafeMutablePointer<Value>

    package init(_ value: Value) {
        self.value = .allocate(capacity: 1)
        self.value.initialize(to: value)
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        value.deinitialize(count: 1)
        value.deallocate()
    }

    @inline(__always)
    package func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }
}
