import CLinux
import Glibc
import OverlapSystem
import Synchronization

/// One thread's place in the epoll engine's shared wait: its events array
/// (owned by that thread) and its epoch for `EpochReclaimer`.
final class KernelWaitSlot: @unchecked Sendable {
    let capacity: Int
    let events: UnsafeMutablePointer<epoll_event>
    let epoch = EpochReclaimer<EpollSocket>.Epoch()
    /// The last wait found several sockets ready, or found one by looking
    /// without blocking: the server is under load.
    @exclusivity(unchecked) var underLoad = false  // the owning thread's only
    /// Non-blocking looks (each after `sched_yield`) before a wait blocks, under load.
    static let polls = 3

    init(capacity: Int) {
        self.capacity = capacity
        events = .allocate(capacity: capacity)
        events.initialize(repeating: epoll_event(), count: capacity)
    }

    deinit { events.deallocate() }
}

/// Port workers that wait in the kernel themselves (port mode on epoll).
///
/// Threads blocked in `epoll_wait` on one instance are woken one per event,
/// the most recent waiter first: the kernel's own LIFO wake. So a port
/// worker that waits there is woken by the readiness its completion needs,
/// performs the operation and runs the handler: one thread wake per
/// completion, the waking thread the most recently idle, as a completion
/// port does. While any worker waits here the engine thread steps out of
/// the wait (`EpollEngine.run` parks it; it comes back when the last worker
/// leaves): workers pass completions of other modes on to their notifiers
/// during a switch. The port's packets (empty packets, completions queued at
/// the concurrency cap) reach workers that wait in the kernel through the
/// doorbell, an eventfd in the same set. Sockets ask for EPOLLOUT only once a
/// send found them full: a writability edge nobody needs would wake a
/// waiter for nothing and put it back on top of the wait queue.
///
/// Measured against the engine visit (port mode on epoll, 3 pairs, one run):
/// throughput 1.00 / 1.09 / 1.03 / 1.07 at s1-s4, port workers running
/// 100% of completions instead of 0-61%, one wake per message at one
/// connection (docs/PERFORMANCE.md, `scripts/port-share.sh`).
extension EpollEngine {
    /// Joins the shared wait: the caller calls `waitInKernel` with the slot,
    /// then `leaveKernelWait` when it stops.
    func joinKernelWait(capacity: Int = 64) -> KernelWaitSlot {
        let slot = KernelWaitSlot(capacity: capacity)
        reclaimer.register(slot.epoch)
        kernelMembers.wrappingAdd(1, ordering: .acquiringAndReleasing)
        return slot
    }

    func leaveKernelWait(_ slot: KernelWaitSlot) {
        reclaimer.unregister(slot.epoch)
        if kernelMembers.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
            engineResume.signal()
        }
    }

    /// Wakes one thread waiting in the shared wait (a write to the
    /// edge-triggered doorbell is one edge: one waiter).
    func ringDoorbell() {
        var one: UInt64 = 1
        _ = Glibc.write(doorbellFd, &one, 8)
    }

    /// Blocks in the shared wait until readiness or the doorbell, performs
    /// what became ready, and sorts the completions: those `keep` accepts go
    /// to `kept` (the port's, which the caller runs), the others to their
    /// notifiers from this thread (`scratch` is reused for them). Returns
    /// whether the doorbell rang.
    func waitInKernel(_ slot: KernelWaitSlot, thread: IOThread, keep: (Overlapped) -> Bool,
                      into kept: inout [Overlapped], scratch: inout [Overlapped]) -> Bool {
        reclaimer.announce(slot.epoch)
        helpersWaiting.wrappingAdd(1, ordering: .acquiringAndReleasing)
        var n = 0
        var polled = false
        if slot.underLoad {
            // Under load (the last wait found several sockets ready, or found
            // one without blocking) the next
            // readiness is microseconds away: yielding the CPU (to the peers,
            // on a busy machine) and looking again costs less than sleeping
            // and being woken. At light load a worker blocks at once: a look
            // that takes an event another waiter was woken for sends that
            // waiter back to the top of the kernel's LIFO wait queue.
            for _ in 0..<KernelWaitSlot.polls {
                sched_yield()
                n = wait(slot, timeoutMs: 0)
                if n > 0 {
                    polled = true
                    break
                }
            }
        }
        if n == 0 { n = wait(slot, timeoutMs: -1) }
        slot.underLoad = polled || n >= 2
        helpersWaiting.wrappingSubtract(1, ordering: .acquiringAndReleasing)
        thread.now = monotonicNanos()
        let first = kept.count
        let (_, doorbell) = process(slot, count: n, thread: thread, into: &kept)
        // Completions of other modes (during a switch) go to their notifiers.
        var i = first
        while i < kept.count {
            if keep(kept[i]) {
                i += 1
            } else {
                scratch.append(kept.remove(at: i))
            }
        }
        if !scratch.isEmpty {
            sink?.deliver(&scratch, from: thread)
            scratch.removeAll(keepingCapacity: true)
        }
        return doorbell
    }
}
