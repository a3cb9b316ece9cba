import Synchronization

/// A debug-build check of a thread rule: one thread at a time owns
/// something (a session between the start of its handler and the post that
/// hands it on). Free in release builds: the flag and the checks compile away.
struct SingleOwner: ~Copyable {
    #if DEBUG
    private let owned = Atomic<Bool>(false)
    #endif

    init() {}

    /// A thread takes ownership; traps if another thread owns it.
    @inline(__always)
    func enter(_ what: @autoclosure () -> String) {
        #if DEBUG
        precondition(!owned.exchange(true, ordering: .acquiring), "\(what()): two threads own it at once")
        #endif
    }

    /// The owner hands it on (the next handler may start from here).
    @inline(__always)
    func handOff() {
        #if DEBUG
        owned.store(false, ordering: .releasing)
        #endif
    }
}
