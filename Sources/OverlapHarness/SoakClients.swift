import Glibc
import OverlapSystem
import Synchronization
import SystemPackage

/// What the soak's clients verified and what went wrong (any thread).
final class SoakTally: Sendable {
    let bytes = Atomic<UInt64>(0)
    let errors = Mutex<[String]>([])
    let churned = Atomic<Int>(0)
    func add(_ n: Int) { bytes.wrappingAdd(UInt64(n), ordering: .relaxed) }
    /// Keeps the first 20.
    func fail(_ what: String) { errors.withLock { if $0.count < 20 { $0.append(what) } } }
}

/// The soak's hand-written clients: short sessions that churn, and slow readers.
enum SoakClients {
    /// One short session: send `size` bytes, then close cleanly (after the
    /// whole echo), half-close (the echo must still arrive, then end of
    /// stream), or reset half-way (no check: the server must just survive it).
    static func churnOnce(port: Int, kind: Int, size: Int, tally: SoakTally) {
        let client: TCPClient
        do {
            client = try TCPClient(port: port, timeoutSeconds: 10)
        } catch {
            tally.fail("churn: \(error)")
            return
        }
        let msg = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ size) }
        if kind == 2 {
            try? client.send(Array(msg[0..<(size / 2)]))
            client.armReset()
            tally.churned.wrappingAdd(1, ordering: .relaxed)
            return
        }
        do {
            try client.send(msg)
            if kind == 1 { client.shutdownWrite() }
            guard try client.receive(size) == msg else { tally.fail("churn: echo differs"); return }
        } catch {
            tally.fail("churn: \(error)")
            return
        }
        if kind == 1 && !client.readsEOF() { tally.fail("churn: no end of stream after a half-close"); return }
        tally.add(size)
        tally.churned.wrappingAdd(1, ordering: .relaxed)
    }

    /// Sends 1 MiB while reading the echo back 16 KiB at a time with pauses:
    /// the server must push back (not buffer), and every byte must come back in order.
    static func slowReader(port: Int, seed: Int, tally: SoakTally) {
        guard case .success(let fd) = TCPClient.connect(host: "127.0.0.1", port: port, nonBlocking: true) else {
            tally.fail("slow reader: connect failed")
            return
        }
        defer { close(fd) }
        let size = 1 << 20
        let msg = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ seed) }
        var sent = 0
        var got = 0
        var buf = [UInt8](repeating: 0, count: 16384)
        var idleRounds = 0
        while got < size {
            if sent < size {
                // A full socket (EAGAIN) sends nothing this round; an error shows on recv.
                let r = msg.withUnsafeBytes { m in systemCall { send(fd, m.baseAddress! + sent, size - sent, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) } }
                if case .success(let n) = r { sent += n }
            }
            switch systemCall({ recv(fd, &buf, buf.count, Int32(MSG_DONTWAIT)) }) {
            case .success(let n) where n > 0:
                idleRounds = 0
                if !buf[0..<n].elementsEqual(msg[got..<(got + n)]) { tally.fail("slow reader: echo differs near byte \(got)"); return }
                got += n
            case .success:
                tally.fail("slow reader: closed after \(got) bytes")
                return
            case .failure(.wouldBlock):
                idleRounds += 1
                if idleRounds > 5000 { tally.fail("slow reader: no echo for 10 s at byte \(got)"); return }
            case .failure(let e):
                tally.fail("slow reader: recv failed after \(got) bytes: \(e)")
                return
            }
            usleep(2000)  // slow: about 8 MB/s at best
        }
        tally.add(size)
    }
}
