import Synchronization

/// When an idle slab's pages go back to the kernel: once no buffer has been
/// lent for a whole interval between two looks, so a server that had a burst
/// of traffic and went idle returns to its idle footprint.
///
/// States: `clean` (given back, nothing lent since), `used` (a buffer was
/// lent since the last look), `resting` (pages resident, nothing lent since
/// the last look), `ringOnly` (the free list was given back; the io_uring
/// ring's buffers wait for a moment with no recv in flight). Lending calls
/// `markUsed`, which checks before it stores, so the hot path only writes
/// this shared cache line when the state changes. `decide` is called under
/// the pool's lock.
struct IdleTrim: ~Copyable {
    /// What to give back now.
    enum Action: Equatable {
        case nothing
        /// The whole slab: nothing is lent and the kernel holds no buffer it could write.
        case all
        /// The free list only (the ring's working set and lent buffers stay).
        case freeList
    }

    private let usage = Atomic<UInt8>(Usage.clean)
    private enum Usage {
        static let clean: UInt8 = 0
        static let used: UInt8 = 1
        static let resting: UInt8 = 2
        static let ringOnly: UInt8 = 3
    }

    /// How often an idle engine looks (milliseconds).
    static let intervalMillis: Int32 = 1000

    @inline(__always)
    func markUsed() {
        if usage.load(ordering: .relaxed) != Usage.used { usage.store(Usage.used, ordering: .relaxed) }
    }

    /// True while the slab may hold pages to give back: the engine should
    /// look every `intervalMillis` while idle.
    var touched: Bool { usage.load(ordering: .relaxed) != Usage.clean }

    /// One look. `held`: buffers lent now; `inRing`: buffers in the kernel's
    /// ring; `ringQuiet`: no recv in flight, so the kernel writes into none.
    func decide(held: Int, inRing: Int, ringQuiet: Bool) -> Action {
        switch usage.load(ordering: .relaxed) {
        case Usage.used:
            usage.store(Usage.resting, ordering: .relaxed)  // look again next interval
            return .nothing
        case Usage.ringOnly where ringQuiet && held == 0:
            usage.store(Usage.clean, ordering: .relaxed)
            return .all
        case Usage.resting:
            if ringQuiet && held == 0 {
                usage.store(Usage.clean, ordering: .relaxed)
                return .all
            }
            usage.store(inRing > 0 ? Usage.ringOnly : Usage.clean, ordering: .relaxed)
            return .freeList
        default:
            return .nothing
        }
    }
}
