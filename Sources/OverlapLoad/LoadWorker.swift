import CLinux
import Glibc
import Histogram
import OverlapSystem
import Synchronization
import SystemPackage

/// One thread of the load generator: drives its share of the connections
/// with epoll, verifies every echo, and records latencies.
final class LoadWorker: @unchecked Sendable {
    let conns: [LoadConnection]
    let config: LoadConfig
    let warmupEnd: UInt64
    let sendEnd: UInt64
    /// Echoes verified so far, warm-up included (read by the progress line).
    let echoed = Atomic<UInt64>(0)
    // Results, read after the thread is joined.
    /// Round trips in µs from when each message was due (open loop: its slot
    /// in the schedule, so time it waited to go out counts: corrected for
    /// coordinated omission; closed loop: when it was sent).
    var histogram = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    /// Open loop only: round trips in µs from when each message's first byte
    /// was written (service time).
    var serviceHistogram = Histogram<UInt64>(highestTrackableValue: 3_600_000_000,
                                             numberOfSignificantValueDigits: .three)
    var measured: UInt64 = 0
    private let epfd: Int32
    /// Open loop: ns between two messages of a connection; 0 in closed loop.
    private let interval: UInt64
    /// Open loop only.
    private var pacer: LoadPacer?
    private let scratch: UnsafeMutableRawPointer
    private static let scratchSize = 256 * 1024

    init(conns: [LoadConnection], config: LoadConfig, start: UInt64, abortRef: AbortFlag) {
        self.conns = conns
        self.config = config
        interval = config.rate.map { UInt64(1e9 / $0) } ?? 0
        warmupEnd = start + UInt64(config.warmup * 1e9)
        sendEnd = warmupEnd + UInt64(config.duration * 1e9)
        self.abortRef = abortRef
        epfd = epoll_create1(Int32(EPOLL_CLOEXEC))
        scratch = .allocate(byteCount: Self.scratchSize, alignment: 16)
    }

    /// Raised by any worker that sees an error: every worker stops.
    private let abortRef: AbortFlag

    deinit {
        close(epfd)
        scratch.deallocate()
    }

    private func arm(_ c: LoadConnection, write: Bool) {
        var ev = epoll_event()
        ev.events = EPOLLIN.rawValue | EPOLLRDHUP.rawValue | (write ? EPOLLOUT.rawValue : 0)
        ev.data.u64 = UInt64(c.slot)
        _ = epoll_ctl(epfd, EPOLL_CTL_MOD, c.fd, &ev)
        c.writeArmed = write
    }

    /// Queues what the connection may send now, writes it, and watches for
    /// writability only while output is left over.
    private func topUp(_ c: LoadConnection, now: UInt64) {
        guard c.failure == nil && !c.closed else { return }
        if now < sendEnd {
            if interval > 0 {
                while c.nextDue <= now && c.inFlight < config.openLoopWindow && c.roomForMessage() {
                    c.queueMessage(at: c.nextDue)
                    c.nextDue += interval
                }
            } else {
                while c.inFlight < config.depth && c.roomForMessage() { c.queueMessage(at: now) }
            }
        }
        if !c.flush() { return }
        if c.hasPendingOutput != c.writeArmed { arm(c, write: c.hasPendingOutput) }
    }

    private func read(_ c: LoadConnection, now: UInt64) {
        while c.failure == nil {
            let n: Int
            switch systemCall({ recv(c.fd, scratch, Self.scratchSize, Int32(MSG_DONTWAIT)) }) {
            case .success(let got): n = got
            case .failure(.wouldBlock): return
            case .failure(let e):
                c.failFromOutside(e == .connectionReset ? .reset : .socket, "recv: \(e)")
                return
            }
            if n == 0 {
                c.closed = true
                if c.inFlight > 0 || c.skipped != nil {
                    c.failFromOutside(.closedEarly, "the server closed the connection with \(c.inFlight) message(s) not echoed")
                }
                return
            }
            if c.inFlight == 0 && c.skipped == nil {
                c.fail(.duplicated, "\(n) byte(s) came back that were never sent (or were already echoed)")
                return
            }
            c.lastProgress = now
            var off = 0
            let size = c.size
            while off < n && c.failure == nil {
                let message: UnsafeRawPointer
                if c.msgFill == 0 && n - off >= size {
                    message = UnsafeRawPointer(scratch + off)  // whole message in the buffer: check it in place
                    off += size
                } else {
                    let take = min(size - c.msgFill, n - off)
                    memcpy(c.msg + c.msgFill, scratch + off, take)
                    c.msgFill += take
                    off += take
                    if c.msgFill < size { break }
                    c.msgFill = 0
                    message = UnsafeRawPointer(c.msg)
                }
                switch c.checkMessage(message) {
                case .echoed(let dueAt, let writtenAt):
                    echoed.store(echoed.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
                    if now >= warmupEnd && now <= sendEnd {
                        measured += 1
                        _ = histogram.record(max(1, (now &- dueAt) / 1000))
                        if c.stampsWrites { _ = serviceHistogram.record(max(1, (now &- writtenAt) / 1000)) }
                    }
                case .undecided:
                    continue
                case .failed:
                    return
                }
                if off < n && c.inFlight == 0 && c.skipped == nil {
                    c.fail(.duplicated, "\(n - off) byte(s) came back beyond every message sent")
                    return
                }
            }
        }
    }

    /// Open loop: gives the pacer the time the connection's next message is
    /// due, if it can send it then.
    private func noteDue(_ c: LoadConnection, now: UInt64) {
        if interval > 0 && c.failure == nil && !c.closed && c.nextDue > now && c.nextDue < sendEnd {
            pacer?.note(c.nextDue)
        }
    }

    func run() {
        for (slot, c) in conns.enumerated() {
            c.slot = slot
            var ev = epoll_event()
            ev.events = EPOLLIN.rawValue | EPOLLRDHUP.rawValue
            ev.data.u64 = UInt64(slot)
            _ = epoll_ctl(epfd, EPOLL_CTL_ADD, c.fd, &ev)
        }
        if interval > 0 {
            pacer = LoadPacer(epfd: epfd, intervalNanos: interval)
            if pacer == nil {
                let why = Errno.last
                for c in conns { c.fail(.socket, "timerfd_create (the open-loop pacer): \(why)") }
            }
        }
        var events = [epoll_event](repeating: epoll_event(), count: 512)
        var now = overlap_monotonic_ns()
        for c in conns {
            c.lastProgress = now
            c.nextDue = now
            topUp(c, now: now)
            noteDue(c, now: now)
        }
        var lastSweep = now
        var failed = conns.contains { $0.failure != nil }
        let stallNanos = UInt64(config.stallSeconds * 1e9)
        while true {
            if abortRef.isSet || failed {
                abortRef.set()
                break
            }
            if now >= sendEnd && conns.allSatisfy({ $0.inFlight == 0 || $0.closed }) { break }
            let timeout = pacer?.timeout(now: now, idleMillis: 50) ?? 50
            // A failed wait (EINTR is retried inside systemCall) reads as no events.
            let n = Int((try? systemCall { epoll_wait(epfd, &events, Int32(events.count), timeout) }.get()) ?? 0)
            now = overlap_monotonic_ns()
            if n > 0 {
                for i in 0..<n {
                    if events[i].data.u64 == LoadPacer.tag {
                        pacer?.fired(now: now)
                        continue
                    }
                    let c = conns[Int(events[i].data.u64)]
                    let bits = events[i].events
                    if bits & (EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue | EPOLLRDHUP.rawValue) != 0 {
                        read(c, now: now)
                    }
                    topUp(c, now: now)
                    if c.failure != nil { failed = true }
                    noteDue(c, now: now)
                }
            }
            if now >= sendEnd {
                pacer?.startScan()  // nothing is due any more: disarm
            } else if let due = pacer?.earliestDue, now >= due {
                pacer?.startScan()
                for c in conns {
                    if c.nextDue <= now { topUp(c, now: now) }
                    noteDue(c, now: now)
                }
            }
            if now &- lastSweep >= 100_000_000 {
                lastSweep = now
                for c in conns where c.failure == nil && !c.closed && c.inFlight > 0 && now &- c.lastProgress > stallNanos {
                    c.failFromOutside(.stalled, "\(c.inFlight) message(s) in flight and no echo for \(config.stallSeconds) s")
                    failed = true
                }
            }
        }
    }
}

/// A flag every worker can raise to stop the run.
final class AbortFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .relaxed) }
    func set() { flag.store(true, ordering: .relaxed) }
}
