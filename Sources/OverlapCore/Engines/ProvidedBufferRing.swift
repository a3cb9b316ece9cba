import CLibURing
import Glibc
import OverlapSystem
import SystemPackage

/// io_uring's provided-buffer ring (liburing 2.3 has no
/// `io_uring_setup_buf_ring`, so it is mapped and initialised by hand): the
/// buffers the kernel may pick from when a recv's data arrives. How many it
/// holds is the pool's business (`BufferPool`); this type only owns the
/// ring's memory and puts buffers into it.
///
/// Single producer: `add` must not run on two threads at once (the pool
/// calls it under its lock). The kernel is the consumer.
final class ProvidedBufferRing: @unchecked Sendable {
    let entries: Int
    /// Bytes each buffer put in the ring holds.
    let bufferSize: UInt32
    let ring: UnsafeMutablePointer<io_uring_buf_ring>
    private let bytes: Int
    private let mask: Int32

    /// Maps a ring of `entries` (a power of two) for buffers of `bufferSize` bytes.
    init(entries: Int, bufferSize: Int) throws(EngineError) {
        precondition(entries & (entries - 1) == 0, "ring entries must be a power of two")
        self.entries = entries
        self.bufferSize = UInt32(bufferSize)
        bytes = MemoryLayout<io_uring_buf>.stride * entries
        guard let mem = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              mem != MAP_FAILED
        else { throw .system("mmap of the buffer ring", Errno.last) }
        ring = mem.assumingMemoryBound(to: io_uring_buf_ring.self)
        mask = Int32(io_uring_buf_ring_mask(UInt32(entries)))
        io_uring_buf_ring_init(ring)
    }

    deinit {
        munmap(ring, bytes)
    }

    /// Makes `buffers` available to the kernel, in order, with one tail update.
    func add<C: Collection>(_ buffers: C) where C.Element == BufferRef {
        var offset: Int32 = 0
        for b in buffers {
            io_uring_buf_ring_add(ring, b.base, bufferSize, b.index, mask, offset)
            offset += 1
        }
        io_uring_buf_ring_advance(ring, offset)
    }

    /// Makes one buffer available to the kernel.
    func add(_ buffer: BufferRef) {
        io_uring_buf_ring_add(ring, buffer.base, bufferSize, buffer.index, mask, 0)
        io_uring_buf_ring_advance(ring, 1)
    }
}
