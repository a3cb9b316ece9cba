import CLinux
import Glibc
import OverlapSystem
import SystemPackage

extension EpollEngine {
    /// Tries the operation now. True if it completed (result set); false if the
    /// socket was not ready (the ready flag is cleared and an edge will come).
    /// `shortageEnded` is set if a buffer given back unused ended a shortage.
    func perform(_ r: Overlapped, _ st: inout EpollSocket.State, _ shortageEnded: inout Bool) -> Bool {
        let fd = r.socket.fd
        switch r.kind {
        case .accept:
            switch systemCall({ overlap_accept_nonblocking(fd) }) {
            case .success(let nfd):
                r.result = nfd
                st.readReady = true  // more connections may be queued
                return true
            case .failure(.wouldBlock):
                st.readReady = false
                return false
            case .failure(let e):
                r.result = -e.rawValue
                return true
            }
        case .recv:
            guard let buf = buffers.take() else {
                // Nothing was read: the data (and its spent edge) are still there,
                // so the retry after a buffer comes back must try at once.
                st.readReady = true
                r.result = -ENOBUFS
                return true
            }
            // Read until the buffer is full or the socket says EAGAIN: only EAGAIN
            // proves it empty. A short read does not (the kernel stops a read at
            // a TCP urgent mark with more queued behind it), and edge-triggered
            // epoll sends no new edge for data already there. Reading on here,
            // under the lock this thread already holds, costs the one extra recv
            // that learns it; retrying at the next post instead made that post
            // take the lock while the engine thread handled the same socket's
            // edge (measured: 25-45% more instructions per echo, in lock spins).
            var got = 0
            st.readReady = true  // until EAGAIN says otherwise (a full buffer, or an end or error still to read)
            reading: while got < buffers.size {
                let end: Int32  // 0: end of stream, else -errno
                switch systemCall({ recv(fd, buf.base + got, buffers.size - got, Int32(MSG_DONTWAIT)) }) {
                case .success(let n) where n > 0:
                    got += n
                    continue
                case .success:
                    end = 0
                case .failure(.wouldBlock):
                    st.readReady = false
                    if got > 0 { break reading }
                    if buffers.untake(buf) { shortageEnded = true }
                    return false
                case .failure(let e):
                    end = -e.rawValue
                }
                if got > 0 { break }  // end of stream or an error, after data: the next recv sees it at once
                if buffers.untake(buf) { shortageEnded = true }
                r.result = end
                return true
            }
            r.buffer = buf
            r.result = Int32(got)
            return true
        case .send:
            guard let buf = r.buffer else { preconditionFailure("send without a buffer") }
            switch systemCall({ send(fd, buf.base + r.offset, r.length, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }) {
            case .success(let n):
                // Still ready: a short send does not prove the socket full (only
                // EAGAIN does); the rest is posted again and tried at once.
                r.result = Int32(n)
                st.writeReady = true
                return true
            case .failure(.wouldBlock):
                st.writeReady = false
                return false
            case .failure(let e):
                r.result = -e.rawValue
                return true
            }
        }
    }
}
