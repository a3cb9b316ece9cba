/// A buffer lent by a `BufferPool`: its index and where its bytes live.
package struct BufferRef: Sendable, Equatable {
    let index: UInt16
    // The slab is mapped for the life of the engine, so the address stays valid.
    nonisolated(unsafe) let base: UnsafeMutableRawPointer
}
