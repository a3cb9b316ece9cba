import Glibc
import OverlapSystem

extension TCPClient {
    /// Sends `n` bytes and reads them back; true if they came back unchanged.
    public func echo(_ n: Int) -> Bool {
        let msg = randomBytes(n, seed: UInt64(n))
        guard (try? send(msg)) != nil, let back = try? receive(n) else { return false }
        return back == msg
    }

    /// Sends `text` as UTF-8; false if the connection would not take it.
    public func send(_ text: String) -> Bool { (try? send(Array(text.utf8))) != nil }

    /// Writes random bytes without reading until the connection stops taking
    /// them for 200 ms (both directions' buffers are full), and returns what
    /// was written. Bounded at 64 MiB.
    public func sendUntilBlocked(seed: UInt64) -> [UInt8] {
        let chunk = randomBytes(65536, seed: seed)
        var written: [UInt8] = []
        var idleSince = monotonicMillis()
        while written.count < 64 << 20 && monotonicMillis() - idleSince < 200 {
            let n = chunk.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            if n > 0 {
                written.append(contentsOf: chunk[0..<n])
                idleSince = monotonicMillis()
            } else {
                usleep(5000)
            }
        }
        return written
    }

    /// Reads until `text` has arrived whole or `seconds` pass; what came, or
    /// nil on a timeout or a close first.
    public func readUntil(contains text: String, seconds: Double = 5) -> String? {
        var got: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        let end = monotonicSeconds() + seconds
        while monotonicSeconds() < end {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard case .success(let ready) = systemCall({ poll(&p, 1, Int32(max(1, (end - monotonicSeconds()) * 1000))) }),
                  ready > 0 else { break }
            guard case .success(let n) = systemCall({ recv(fd, &buf, buf.count, 0) }), n > 0 else { return nil }
            got += buf[0..<n]
            let s = String(decoding: got, as: UTF8.self)
            if s.contains(text) { return s }
        }
        return nil
    }
}

/// Waits (with `poll`, up to `deadline` in monotonic seconds) until the
/// server ends each connection: an end of stream or a reset. Returns, per
/// connection, when that was seen, or nil if it was still open at the
/// deadline (or sent something, which the callers do not expect).
public func closeTimes(_ clients: [TCPClient], deadline: Double) -> [Double?] {
    var at = [Double?](repeating: nil, count: clients.count)
    var open = Set(clients.indices)
    var sink = [UInt8](repeating: 0, count: 4096)
    while !open.isEmpty && monotonicSeconds() < deadline {
        let order = open.sorted()
        // An end of stream reads as input; a reset is always reported.
        var pfds = order.map { pollfd(fd: clients[$0].fd, events: Int16(POLLIN), revents: 0) }
        _ = systemCall { poll(&pfds, nfds_t(pfds.count), Int32(max(1, min(100, (deadline - monotonicSeconds()) * 1000)))) }
        for (k, i) in order.enumerated() where pfds[k].revents != 0 {
            switch systemCall({ recv(clients[i].fd, &sink, sink.count, Int32(MSG_DONTWAIT)) }) {
            case .success(let n) where n > 0: open.remove(i)  // unexpected data: left nil
            case .failure(.wouldBlock): continue
            default:
                at[i] = monotonicSeconds()
                open.remove(i)
            }
        }
    }
    return at
}

/// Streams each payload to its connection while reading the echo back,
/// interleaved with poll so neither side can block the other, and checks
/// every byte as it arrives.
public func exchange(_ clients: [TCPClient], _ payloads: [[UInt8]], timeoutSeconds: Double = 30) throws {
    var sent = [Int](repeating: 0, count: clients.count)
    var got = [Int](repeating: 0, count: clients.count)
    var buf = [UInt8](repeating: 0, count: 65536)
    let deadline = monotonicSeconds() + timeoutSeconds
    while zip(got, payloads).contains(where: { $0 < $1.count }) {
        guard monotonicSeconds() < deadline else { throw TestError("timed out waiting for echoes") }
        var fds = clients.indices.map { i in
            var ev: Int16 = 0
            if got[i] < payloads[i].count { ev |= Int16(POLLIN) }
            if sent[i] < payloads[i].count { ev |= Int16(POLLOUT) }
            return pollfd(fd: clients[i].fd, events: ev, revents: 0)
        }
        guard case .success(let ready) = systemCall({ poll(&fds, nfds_t(fds.count), 100) }), ready > 0 else { continue }
        for i in clients.indices {
            let re = fds[i].revents
            if re & Int16(POLLOUT) != 0 {
                let chunk = min(payloads[i].count - sent[i], 256 * 1024)
                let r = systemCall {
                    payloads[i][sent[i]...].withUnsafeBytes { send(clients[i].fd, $0.baseAddress, chunk, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
                }
                switch r {
                case .success(let w): sent[i] += w
                case .failure(.wouldBlock): break
                case .failure(let e): throw TestError("send on connection \(i): \(e)")
                }
            }
            if re & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                let r = systemCall { recv(clients[i].fd, &buf, buf.count, Int32(MSG_DONTWAIT)) }
                switch r {
                case .success(0): throw TestError("connection \(i) closed after \(got[i]) bytes")
                case .success(let n):
                    guard got[i] + n <= payloads[i].count,
                          buf[0..<n].elementsEqual(payloads[i][got[i]..<(got[i] + n)])
                    else { throw TestError("connection \(i): echo differs from what was sent near byte \(got[i])") }
                    got[i] += n
                case .failure(.wouldBlock): continue
                case .failure(let e): throw TestError("recv on connection \(i): \(e)")
                }
            }
        }
    }
}
