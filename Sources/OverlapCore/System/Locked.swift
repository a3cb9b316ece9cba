import Synchronization

/// The lock around the core's shared state: `Synchronization.Mutex`, except
/// in a ThreadSanitizer build (`scripts/sanitize.sh thread` defines
/// OVERLAP_TSAN), where it is a pthread mutex. On Linux, Mutex sleeps with
/// futex calls that TSan does not intercept, so TSan would report every
/// access under a Mutex as a race and bury the real ones (docs/DEVELOPING.md).
#if OVERLAP_TSAN
package typealias Locked<Value> = SleepingLock<Value>
#else
package typealias Locked<Value> = Mutex<Value>
#endif
