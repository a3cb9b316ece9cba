import Glibc
import OverlapSystem
import SystemPackage

/// The receive buffers' memory: `count` buffers of `size` bytes in one
/// anonymous mapping, for the life of the engine.
///
/// A buffer costs resident memory only once bytes are written into it, and
/// pages given back (`giveBack`) are zero again on their next write. The
/// mapping never moves, so a `BufferRef`'s address stays valid. Any thread.
final class BufferSlab: Sendable {
    let count: Int
    /// Bytes per buffer.
    let size: Int
    nonisolated(unsafe) let base: UnsafeMutableRawPointer

    init(count: Int, size: Int) throws(EngineError) {
        precondition(count > 0 && count <= Int(UInt16.max) + 1)
        let bytes = count * size
        guard let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
              p != MAP_FAILED
        else { throw EngineError.system("mmap of \(bytes) bytes of buffers", Errno.last) }
        base = p
        self.count = count
        self.size = size
    }

    deinit {
        munmap(base, count * size)
    }

    func ref(_ index: UInt16) -> BufferRef {
        BufferRef(index: index, base: base + Int(index) * size)
    }

    /// Gives the pages of `count` buffers from `first` back to the kernel
    /// (MADV_DONTNEED). No buffer in the range may be lent.
    @discardableResult
    func giveBack(first: Int = 0, count n: Int? = nil) -> Bool {
        madvise(base + first * size, (n ?? count) * size, MADV_DONTNEED) == 0
    }

    /// Bytes of the slab resident in memory (mincore), for the tests.
    var residentBytes: Int {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let pages = (count * size + page - 1) / page
        var vec = [UInt8](repeating: 0, count: pages)
        guard mincore(base, count * size, &vec) == 0 else { return -1 }
        return vec.reduce(0) { $0 + Int($1 & 1) } * page
    }
}
