import OverlapCore
import OverlapSystem
import Synchronization

/// Worker threads over a `CompletionPort<Int>` that record who handled what.
/// With `gated`, each handler waits for the test to open the gate once.
package final class PortHarness: Sendable {
    package let port: CompletionPort<Int>
    package let log = Locked<[(worker: String, packet: Int)]>([])
    package let running = Atomic<Int>(0)
    package let maxRunning = Atomic<Int>(0)
    package let exited = Atomic<Int>(0)
    package let gate = Wakeup()
    package let gated: Bool
    private let threads = ThreadList()

    package init(concurrency: Int, maxBatch: Int = 64, gated: Bool = false) {
        port = CompletionPort(concurrency: concurrency, maxBatch: maxBatch)
        self.gated = gated
    }

    package func startWorker(_ name: String) {
        let worker = CompletionPort<Int>.Worker(name: name)
        _ = port.enlist(upTo: port.members + 1)
        threads.add(OSThread(name: name) { [self] in
            var batch: [Int?] = []
            loop: while true {
                port.dequeue(worker, into: &batch)
                for p in batch {
                    guard let p else { break loop }
                    let now = running.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
                    _ = maxRunning.max(now, ordering: .sequentiallyConsistent)
                    log.withLock { $0.append((name, p)) }
                    if gated { gate.wait() }
                    running.wrappingSubtract(1, ordering: .sequentiallyConsistent)
                }
                batch.removeAll()
            }
            port.leave(worker)
            exited.wrappingAdd(1, ordering: .sequentiallyConsistent)
        })
    }

    package var handled: [(worker: String, packet: Int)] { log.withLock { $0 } }

    package func stop(workers: Int) {
        port.postShutdown(workers: workers)
        threads.joinAll()
    }
}
