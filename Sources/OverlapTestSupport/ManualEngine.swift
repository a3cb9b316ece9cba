import OverlapCore
import OverlapModel
import OverlapSystem

/// A deterministic stand-in for an engine: it keeps what is posted and
/// completes it only when the test says so, as the engine thread would.
package final class ManualEngine: IOEngine, @unchecked Sendable {
    package let kind = EngineKind.epoll
    package let buffers: BufferPool
    package let posted = Locked<[Overlapped]>([])
    package private(set) var sink: ModeRouter?
    package private(set) var thread: IOThread?

    package init() throws {
        buffers = try BufferPool(count: 4, size: 4096)
    }

    package func start(sink: ModeRouter, registry: StatsRegistry) throws(EngineError) {
        self.sink = sink
        thread = IOThread(stats: registry.register(name: "manual-engine", role: .engine, mode: nil))
    }

    package func attach(fd: Int32) throws(EngineError) -> EngineSocket { EngineSocket(fd: fd) }
    package func detach(_ socket: EngineSocket) {}
    package func post(_ request: Overlapped, from thread: IOThread) { posted.withLock { $0.append(request) } }
    package func stop() {}
    package var ringDepth: Int64 { 0 }
    package var ringOverflow: UInt64 { 0 }

    /// Completes the oldest `n` posted requests with `result`, as one batch.
    package func complete(_ n: Int, result: Int32) {
        let oldest: [Overlapped] = posted.withLock { p in
            defer { p.removeFirst(min(n, p.count)) }
            return Array(p.prefix(n))
        }
        for r in oldest { r.result = result }
        deliver(oldest)
    }

    /// Counts `batch` completed and hands it to the router, as the engine thread would.
    private func deliver(_ batch: [Overlapped]) {
        var batch = batch
        for r in batch {
            r.stampCompleted(at: monotonicNanos())
            thread!.stats.countCompleted(r.kind, r.mode)
        }
        sink!.deliver(&batch, from: thread!)
    }
}

extension ManualEngine {
    /// Completes exactly these requests, as one batch, keeping the result each already has.
    package func complete(_ picked: [Overlapped]) {
        posted.withLock { p in p.removeAll { r in picked.contains { $0 === r } } }
        deliver(picked)
    }
}
