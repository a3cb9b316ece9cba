import Synchronization

/// Up to 64 event objects (`WSA_MAXIMUM_WAIT_EVENTS`) and the one thread that
/// waits on them with `WSAWaitForMultipleEvents`.
///
/// An event is manual-reset: a completion sets its bit and it stays set until
/// the waiter harvests it. The waiter takes *every* set event at each wake,
/// not only the lowest index, so no slot starves another.
final class EventGroup: @unchecked Sendable {
    static let capacity = 64

    let number: Int
    private struct Slots {
        /// Slots whose event belongs to a pending or signalled request.
        var used: UInt64 = 0
        /// False once the group is removed (its waiter exits).
        var open = true
    }
    /// The group's own lock for its slots, so that a waiter re-posting into its
    /// own group does not contend with the other waiters. Lock order: the
    /// notifier's list lock first, then a group's.
    private let slots = Locked(Slots())
    /// The waiter's thread id (set once, before the waiter runs).
    let waiterID = Atomic<Int>(-1)

    private struct Signals {
        var set: UInt64 = 0
        var requests = [Overlapped?](repeating: nil, count: EventGroup.capacity)
        var sleeping = false
        var stop = false
    }
    private let signals = Locked(Signals())
    private let wakeup = Wakeup()

    /// Set when the group's waiter is not a thread of its own but another
    /// thread's alertable wait (the AcceptEx event of callback mode): a
    /// signal calls it instead of waking a waiter.
    private let onSignal: (@Sendable () -> Void)?

    init(number: Int, onSignal: (@Sendable () -> Void)? = nil) {
        self.number = number
        self.onSignal = onSignal
    }

    /// Takes the lowest free slot, or nil if the group is full or removed.
    func takeSlot() -> Int? {
        slots.withLock { s in
            guard s.open, s.used != .max else { return nil }
            let slot = (~s.used).trailingZeroBitCount
            s.used |= 1 << UInt64(slot)
            return slot
        }
    }

    func freeSlots(_ bits: UInt64) { slots.withLock { $0.used &= ~bits } }

    /// Whether any event of the group is in use (a request waits on it).
    var inUse: Bool { slots.withLock { $0.used != 0 } }

    /// Closes the group if it has no event left; true if it did.
    func closeIfEmpty() -> Bool {
        slots.withLock { s in
            guard s.used == 0 else { return false }
            s.open = false
            return true
        }
    }

    var size: Int { slots.withLock { $0.used.nonzeroBitCount } }

    /// `WSASetEvent` by the completion of `request`, whose event is `slot`:
    /// wakes the waiter if it sleeps.
    func signal(_ request: Overlapped, slot: Int) {
        signal(CollectionOfOne((request, slot)))
    }

    /// Sets the events of several completions (one batch reaped together)
    /// under one lock, then wakes the waiter once: it finds them all set.
    func signal<C: Collection>(_ completions: C) where C.Element == (Overlapped, Int) {
        let wake = signals.withLock { s in
            for (request, slot) in completions {
                precondition(s.requests[slot] == nil, "event \(slot) of group \(number) signalled twice")
                s.requests[slot] = request
                s.set |= 1 << UInt64(slot)
            }
            defer { s.sleeping = false }
            return s.sleeping
        }
        if let onSignal {
            onSignal()
        } else if wake {
            wakeup.signal()
        }
    }

    /// Takes the completed request of every set event without waiting
    /// (`WaitForMultipleObjectsEx` returning an event's index to a thread that
    /// holds the group in its alertable wait), resets them and frees their
    /// slots. Returns how many.
    @discardableResult
    func takeSignalled(into batch: inout [Overlapped]) -> Int {
        let bits: UInt64 = signals.withLock { s in Self.take(s.set, from: &s, into: &batch) }
        if bits != 0 { freeSlots(bits) }
        return bits.nonzeroBitCount
    }

    /// Waits until at least one event is set, then takes the completed
    /// request of every set event, lowest slot first, and resets them.
    /// Returns false if told to stop instead.
    ///
    /// - Parameter lowestOnly: the `lowest-index` hazard: take only the
    ///   lowest set event, as a loop does that handles just the index
    ///   `WSAWaitForMultipleEvents` returns (the others stay set).
    func harvest(into batch: inout [Overlapped], lowestOnly: Bool = false) -> Bool {
        while true {
            let got: Bool? = signals.withLock { s in
                if s.set == 0 {
                    if s.stop { return nil }
                    s.sleeping = true
                    return false
                }
                Self.take(lowestOnly ? s.set & (~s.set &+ 1) : s.set, from: &s, into: &batch)
                return true
            }
            switch got {
            case .some(true): return true
            case .some(false): wakeup.wait()
            case .none: return false
            }
        }
    }

    /// Resets the set events in `bits` and moves their requests to `batch`,
    /// lowest slot first. Returns `bits`. Under `signals`' lock.
    @discardableResult
    private static func take(_ bits: UInt64, from s: inout Signals, into batch: inout [Overlapped]) -> UInt64 {
        s.set &= ~bits
        var rest = bits
        while rest != 0 {
            let i = rest.trailingZeroBitCount
            batch.append(s.requests[i]!)
            s.requests[i] = nil
            rest &= rest - 1
        }
        return bits
    }

    /// Events set and not yet harvested.
    var signalled: Int { signals.withLock { $0.set.nonzeroBitCount } }

    func stop() {
        let wake = signals.withLock { s in
            s.stop = true
            defer { s.sleeping = false }
            return s.sleeping
        }
        if wake { wakeup.signal() }
    }
}
