import CLinux
import DequeModule
import Glibc
import OverlapSystem
import SystemPackage

/// One client connection of the load generator: what it has sent, what it
/// expects back next, and the partial message it is reading.
///
/// Owned by one worker thread; nothing here is shared.
final class LoadConnection {
    let index: Int
    /// Position in its worker's list (the epoll tag).
    var slot = 0
    let fd: Int32
    let size: Int
    /// Messages queued or sent and not yet echoed, oldest first, with the time
    /// each was due (CLOCK_MONOTONIC ns): closed loop, when it was queued,
    /// which is when it was sent; open loop, its slot in the schedule, however
    /// late the generator got to it. Latency is measured from it.
    var sendTimes = Deque<UInt64>()
    /// Open loop only: for each message whose first byte has been written and
    /// whose echo has not come, oldest first, the time (CLOCK_MONOTONIC ns)
    /// just before the `send` that wrote that byte. Service time is measured
    /// from it. Closed loop leaves it empty: there, it equals `sendTimes`.
    var writeTimes = Deque<UInt64>()
    /// Stamp `writeTimes` (open loop).
    let stampsWrites: Bool
    /// Bytes of the stream written so far, and messages stamped so far
    /// (message k starts at byte k × size).
    private var bytesWritten: UInt64 = 0
    private var messagesStamped: UInt64 = 0
    var nextSeq: UInt64 = 0
    var expected: UInt64 = 0
    /// Open loop: when the next message is due.
    var nextDue: UInt64 = 0
    var lastProgress: UInt64 = 0
    var failure: LoadError?
    /// A later message arrived where `expected` should have: lost or reordered,
    /// decided by the message after it.
    var skipped: (missing: UInt64, got: UInt64)?
    var writeArmed = false
    var closed = false

    // Bytes appended and not yet written: out[outHead..<outTail].
    let out: UnsafeMutableRawPointer
    let outCapacity: Int
    var outHead = 0
    var outTail = 0
    // The message being read: msg[0..<msgFill].
    let msg: UnsafeMutableRawPointer
    var msgFill = 0

    init(index: Int, fd: Int32, size: Int, window: Int, stampsWrites: Bool) {
        self.index = index
        self.fd = fd
        self.size = size
        self.stampsWrites = stampsWrites
        outCapacity = size * max(1, min(window, 64))
        out = .allocate(byteCount: outCapacity, alignment: 16)
        msg = .allocate(byteCount: size, alignment: 16)
    }

    deinit {
        out.deallocate()
        msg.deallocate()
        if fd >= 0 { close(fd) }
    }

    var inFlight: Int { sendTimes.count }

    /// Room for one more message in the output buffer (compacting it if that helps).
    func roomForMessage() -> Bool {
        if outTail + size <= outCapacity { return true }
        if outHead > 0 {
            let pending = outTail - outHead
            if pending > 0 { memmove(out, out + outHead, pending) }
            outHead = 0
            outTail = pending
        }
        return outTail + size <= outCapacity
    }

    /// Appends the next message, stamped with `at`.
    func queueMessage(at: UInt64) {
        Payload.write(seq: nextSeq, conn: UInt32(truncatingIfNeeded: index), size: size, to: out + outTail)
        outTail += size
        nextSeq += 1
        sendTimes.append(at)
    }

    /// Fails for a reason seen from outside the stream (close, reset, stall);
    /// a pending skip is the better explanation when there is one.
    func failFromOutside(_ kind: LoadErrorKind, _ detail: String) {
        if let s = skipped {
            fail(.lost, "message \(s.missing) never came back (message \(s.got) came in its place)")
        } else {
            fail(kind, detail)
        }
    }

    func fail(_ kind: LoadErrorKind, _ detail: String) {
        if failure == nil { failure = LoadError(connection: index, message: expected, kind: kind, detail: detail) }
    }

    /// Writes what it can. False if the socket failed.
    func flush() -> Bool {
        while outHead < outTail {
            let before = stampsWrites ? overlap_monotonic_ns() : 0
            let n: Int
            switch systemCall({ send(fd, out + outHead, outTail - outHead, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }) {
            case .success(let sent): n = sent
            case .failure(.wouldBlock): return true
            case .failure(let e):
                failFromOutside(e == .connectionReset || e == .brokenPipe ? .reset : .socket, "send: \(e)")
                return false
            }
            if n > 0 {
                outHead += n
                if stampsWrites {
                    bytesWritten += UInt64(n)
                    while messagesStamped &* UInt64(size) < bytesWritten {
                        writeTimes.append(before)
                        messagesStamped += 1
                    }
                }
                continue
            }
            failFromOutside(.socket, "send: the connection took nothing")
            return false
        }
        outHead = 0
        outTail = 0
        return true
    }

    var hasPendingOutput: Bool { outHead < outTail }

    enum Check {
        /// The expected message, intact; it was due at `dueAt` and its first
        /// byte written at `writtenAt` (open loop; closed loop: `dueAt`).
        case echoed(dueAt: UInt64, writtenAt: UInt64)
        /// A later message: lost or reordered, decided by the next one.
        case undecided
        case failed
    }

    /// Checks one complete echoed message.
    func checkMessage(_ message: UnsafeRawPointer) -> Check {
        let conn = UInt32(truncatingIfNeeded: index)
        let verdict = Payload.verify(message, expected: expected, conn: conn, size: size)
        if let s = skipped {
            // The message after a skip decides: the missing one now means reordered.
            if verdict == .ok {  // the missing message, intact, right after a later one
                fail(.reordered, "message \(s.got) came back before message \(s.missing)")
            } else {
                fail(.lost, "message \(s.missing) never came back (message \(s.got) came in its place)")
            }
            return .failed
        }
        switch verdict {
        case .ok:
            expected += 1
            let due = sendTimes.popFirst() ?? 0
            // An echo cannot come before the first byte went out, so open loop has its stamp.
            return .echoed(dueAt: due, writtenAt: stampsWrites ? writeTimes.popFirst() ?? due : due)
        case .corrupt(let offset):
            fail(.corrupted, "byte \(offset) of the echo differs from what was sent")
            return .failed
        case .otherMessage(let seq):
            if seq < expected {
                fail(.duplicated, "message \(seq) came back a second time")
                return .failed
            }
            if seq >= nextSeq {
                fail(.corrupted, "the echo names message \(seq), which was never sent")
                return .failed
            }
            skipped = (expected, seq)
            return .undecided
        }
    }
}
