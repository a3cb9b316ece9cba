import Glibc
import Synchronization

/// Lends the slab's receive buffers: who holds which, and nothing else
/// (memory: `BufferSlab`; giving pages back: `IdleTrim`; sessions waiting
/// for a buffer: the session layer's `BufferWaitQueue`).
///
/// An idle session holds no buffer at all (its recv takes one when data
/// arrives, as a zero-byte recv does on IOCP), and a session holds at most
/// one, from recv completion until its echo is fully sent, so memory stays
/// bounded whatever peers do. When all buffers are lent a recv completes with
/// ENOBUFS; the pool remembers the shortage and, when a buffer comes back,
/// calls `onShortageEnded` once so that whoever waits can try again.
///
/// Two ways to lend: the epoll engine takes buffers from a LIFO free list
/// (hot buffers are reused, so few pages are ever touched); io_uring picks
/// them itself from its provided-buffer ring (`kernelRing`). The kernel uses
/// its ring first-in, first-out, so it would cycle through (and make
/// resident) every buffer it holds: the ring holds only a working set
/// (`ringTarget`), topped up from the free list, and the target doubles
/// whenever a recv finds the ring empty, back to its base when the slab is
/// given back. Any thread.
package final class BufferPool: Sendable {
    let slab: BufferSlab
    var count: Int { slab.count }
    var size: Int { slab.size }

    private struct State {
        var free: [UInt16]
        var held = 0
        /// io_uring: buffers in the kernel's ring (neither lent nor free), and how many it should hold.
        var inRing = 0
        var ringTarget = 0
        /// A take found nothing free (or a waiter was told to wait) since the last return.
        var shortage = false
        /// At most this many lent or in the ring (the `buffers` hazard; else `count`).
        var limit: Int
    }
    /// The ring's working set after the slab is given back (io_uring).
    let baseRingTarget: Int

    private let state: SleepingLock<State>  // see SleepingLock: many threads release buffers
    private let trim = IdleTrim()
    private let kernelRing: (@Sendable (BufferRef) -> Void)?
    private let shortageEnded = Locked<(@Sendable (IOThread) -> Void)?>(nil)

    /// - Parameters:
    ///   - ringTarget: io_uring: how many buffers the ring starts with; the
    ///     engine puts buffers `0..<ringTarget` there, the rest are free.
    ///   - kernelRing: set when the kernel lends the buffers (io_uring): gives
    ///     one buffer to the kernel's ring. Called under the pool's lock, so
    ///     it may assume a single producer.
    package init(count: Int, size: Int, ringTarget: Int = 0,
         kernelRing: (@Sendable (BufferRef) -> Void)? = nil) throws(EngineError) {
        slab = try BufferSlab(count: count, size: size)
        self.kernelRing = kernelRing
        let inRing = kernelRing == nil ? 0 : min(count, ringTarget)
        baseRingTarget = inRing
        // LIFO: the lowest free index is lent (or put in the ring) first.
        var s = State(free: (inRing..<count).reversed().map { UInt16($0) }, limit: count)
        s.inRing = inRing
        s.ringTarget = inRing
        state = SleepingLock(s)
    }

    func ref(_ index: UInt16) -> BufferRef { slab.ref(index) }

    /// Called once per shortage, on the thread that returned a buffer, when
    /// a buffer comes back after a take found none. Set before the engine
    /// starts (the session layer resumes its waiters there).
    func onShortageEnded(_ body: @escaping @Sendable (IOThread) -> Void) {
        shortageEnded.withLock { $0 = body }
    }

    /// Lends a buffer from the free list (epoll engine), or nil if all are lent.
    func take() -> BufferRef? {
        let index: UInt16? = state.withLock { s in
            guard s.held < s.limit, let i = s.free.popLast() else {
                s.shortage = true
                return nil
            }
            s.held += 1
            return i
        }
        trim.markUsed()
        return index.map(ref)
    }

    /// Gives back a buffer taken with `take` that nothing was read into (the
    /// epoll engine found the socket empty). Returns true if this ended a
    /// shortage: the caller calls `endShortage(on:)` once it holds no lock.
    func untake(_ buffer: BufferRef) -> Bool {
        state.withLock { s in
            s.free.append(buffer.index)
            s.held -= 1
            return Self.endsShortage(&s)
        }
    }

    /// Records that the kernel lent `n` buffers (io_uring completions that carried one).
    func kernelLent(_ n: Int) {
        state.withLock { s in
            s.held += n
            s.inRing -= n
            topUp(&s)
        }
        trim.markUsed()
    }

    /// Returns a buffer; if that ends a shortage, tells whoever waits, on `thread`.
    func release(_ buffer: BufferRef, on thread: IOThread) {
        let ended: Bool = state.withLock { s in
            if let give = kernelRing, s.inRing < s.ringTarget, s.inRing + s.held <= s.limit {
                give(buffer)
                s.inRing += 1
            } else {
                s.free.append(buffer.index)
            }
            s.held -= 1
            return Self.endsShortage(&s)
        }
        if ended { endShortage(on: thread) }
    }

    /// Runs the shortage hook (after `untake` said a shortage ended).
    func endShortage(on thread: IOThread) {
        shortageEnded.withLock { $0 }?(thread)
    }

    /// A recv found no buffer. Returns true if every buffer is lent (wait for
    /// `onShortageEnded`), false if one is free now (post the recv again at
    /// once). On io_uring, a free buffer here means the ring ran dry: its
    /// working set doubles. The caller holds its wait queue's lock, so a
    /// return cannot slip between this answer and its wait.
    func shortage() -> Bool {
        state.withLock { s in
            if kernelRing != nil {
                // Under the buffers hazard's limit the ring cannot grow: the
                // working set stays small after the hazard is switched off.
                if !s.free.isEmpty && s.inRing + s.held < s.limit {
                    s.ringTarget = min(count, max(1, s.ringTarget) * 2)
                    topUp(&s)
                }
                // Only the ring can lend now: try again if it holds any (buffers
                // counted there may be the kernel's already, not yet reaped: a
                // retry finds that out, a wait might wait for a return that
                // never comes).
                if s.inRing > 0 { return false }
            } else if s.held < s.limit {
                return false
            }
            s.shortage = true
            return true
        }
    }

    private static func endsShortage(_ s: inout State) -> Bool {
        guard s.shortage else { return false }
        s.shortage = false
        return true
    }

    /// io_uring: refills the ring from the free list up to its target, hot
    /// (most recently returned) buffers first.
    private func topUp(_ s: inout State) {
        guard let give = kernelRing else { return }
        while s.inRing < s.ringTarget, s.inRing + s.held < s.limit, let i = s.free.popLast() {
            give(ref(i))
            s.inRing += 1
        }
    }

    /// How often an idle engine calls `trimIfUnused` (milliseconds).
    static var idleTrimMillis: Int32 { IdleTrim.intervalMillis }

    /// True while the slab may hold pages to give back (see `IdleTrim`).
    var touched: Bool { trim.touched }

    /// Gives pages back to the kernel if `IdleTrim` says the slab has been
    /// unused for an interval. Free-list buffers can go whenever that holds:
    /// nothing but this pool, under its lock, hands them out. Buffers in the
    /// io_uring ring only when `ringQuiet` (no recv in flight) and none is
    /// lent: the kernel writes into the ring's buffers with no lock of ours.
    /// Returns whether it gave anything back.
    @discardableResult
    func trimIfUnused(ringQuiet: Bool) -> Bool {
        state.withLock { s in
            switch trim.decide(held: s.held, inRing: s.inRing, ringQuiet: ringQuiet) {
            case .nothing:
                return false
            case .all:
                s.ringTarget = baseRingTarget
                return slab.giveBack()
            case .freeList:
                s.ringTarget = baseRingTarget
                // In runs of adjacent buffers.
                var run: (start: Int, count: Int)?
                for i in s.free.map(Int.init).sorted() {
                    if let r = run, r.start + r.count == i {
                        run = (r.start, r.count + 1)
                        continue
                    }
                    if let r = run { slab.giveBack(first: r.start, count: r.count) }
                    run = (i, 1)
                }
                if let r = run { slab.giveBack(first: r.start, count: r.count) }
                return run != nil
            }
        }
    }

    /// Lends at most `limit` buffers at once from now on (the `buffers`
    /// hazard; nil: all of them). On io_uring, buffers already in the ring
    /// stay there until used, so the limit holds once they have been. Raising
    /// it ends a shortage: whoever waits is told, on `thread`.
    func setLimit(_ limit: Int?, on thread: IOThread) {
        let ended: Bool = state.withLock { s in
            let old = s.limit
            s.limit = min(count, max(1, limit ?? count))
            topUp(&s)
            return s.limit > old && Self.endsShortage(&s)
        }
        if ended { endShortage(on: thread) }
    }

    var limit: Int { state.withLock { $0.limit } }

    var residentBytes: Int { slab.residentBytes }
    var lent: Int { state.withLock { $0.held } }
    /// io_uring: buffers in the kernel's ring now.
    var inRing: Int { state.withLock { $0.inRing } }
}
