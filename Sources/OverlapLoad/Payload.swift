/// The bytes of message `seq` on connection `conn`, and how an echo of them
/// is checked.
///
/// Layout (little-endian): 8-byte sequence number, 4-byte connection id,
/// 4-byte check of the two, then a body derived from all three. So an echo
/// can be told apart as the right message, a corrupted one, or a different
/// message (lost, duplicated or reordered), not merely "wrong".
public enum Payload {
    public static let headerSize = 16

    @inline(__always)
    static func check(_ seq: UInt64, _ conn: UInt32) -> UInt32 {
        let x = (seq &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(conn) &* 0xC2B2_AE3D_27D4_EB4F)
        return UInt32(truncatingIfNeeded: x ^ (x >> 29))
    }

    @inline(__always)
    static func bodyByte(_ seq: UInt64, _ conn: UInt32, _ i: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: seq &* 131 &+ UInt64(conn) &* 31 &+ UInt64(i) &* 7 &+ UInt64(i >> 8))
    }

    /// Writes message `seq` of `size` bytes at `p`.
    static func write(seq: UInt64, conn: UInt32, size: Int, to p: UnsafeMutableRawPointer) {
        p.storeBytes(of: seq.littleEndian, toByteOffset: 0, as: UInt64.self)
        p.storeBytes(of: conn.littleEndian, toByteOffset: 8, as: UInt32.self)
        p.storeBytes(of: check(seq, conn).littleEndian, toByteOffset: 12, as: UInt32.self)
        let b = p.assumingMemoryBound(to: UInt8.self)
        for i in headerSize..<size { b[i] = bodyByte(seq, conn, i) }
    }

    /// What an echoed message turned out to be.
    public enum Verdict: Equatable, Sendable {
        case ok
        /// The header is intact but names another message of this connection.
        case otherMessage(UInt64)
        /// Some byte differs from what was sent (its offset).
        case corrupt(offset: Int)
    }

    /// Checks `size` bytes at `p` against message `expected` of `conn`.
    static func verify(_ p: UnsafeRawPointer, expected: UInt64, conn: UInt32, size: Int) -> Verdict {
        let seq = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        let c = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        let chk = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
        guard c == conn && chk == check(seq, c) else {
            // A damaged header: find the first byte that differs from what was expected.
            var want = [UInt8](repeating: 0, count: headerSize)
            want.withUnsafeMutableBytes { write(seq: expected, conn: conn, size: headerSize, to: $0.baseAddress!) }
            let got = p.assumingMemoryBound(to: UInt8.self)
            return .corrupt(offset: (0..<headerSize).first { got[$0] != want[$0] } ?? 0)
        }
        if seq != expected { return .otherMessage(seq) }
        let b = p.assumingMemoryBound(to: UInt8.self)
        for i in headerSize..<size where b[i] != bodyByte(seq, conn, i) { return .corrupt(offset: i) }
        return .ok
    }
}
