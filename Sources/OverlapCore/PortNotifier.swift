import OverlapModel
import Synchronization

/// Port mode: every completion goes to one shared `CompletionPort`, drained by
/// a pool of worker threads; any worker can run any session's completion.
final class PortNotifier: CompletionSink {
    let port: CompletionPort<Overlapped>
    let threadCount: Int
    private let registry: StatsRegistry
    private let threads = ThreadList()

    init(threads: Int, concurrency: Int, registry: StatsRegistry) {
        // Workers sleep at once when idle: polling here was measured to steal
        // the CPU the engine thread and the clients need (docs/PERFORMANCE.md).
        self.port = CompletionPort(concurrency: concurrency)
        self.threadCount = threads
        self.registry = registry
    }

    func start() {
        for i in 0..<threadCount {
            let stats = registry.register(name: "port-\(i)", role: .portWorker, mode: .port)
            let worker = CompletionPort<Overlapped>.Worker(name: stats.name)
            threads.add(OSThread(name: stats.name) { [port] in
                Self.run(port: port, worker: worker, thread: IOThread(stats: stats))
            })
        }
    }

    func deliver(_ requests: inout [Overlapped], from thread: IOThread) {
        port.post(contentsOf: requests)
        requests.removeAll(keepingCapacity: true)
    }

    /// Posts one empty packet per worker and joins them all. Every request
    /// must have been delivered before (nothing is dropped, nothing is waited for).
    func stop() {
        port.postShutdown(workers: threadCount)
        threads.joinAll()
    }

    /// A worker's loop: `GetQueuedCompletionStatusEx`, run each completion
    /// routine, repeat until an empty packet arrives.
    private static func run(port: CompletionPort<Overlapped>, worker: CompletionPort<Overlapped>.Worker,
                            thread: IOThread) {
        var batch: [Overlapped?] = []
        batch.reserveCapacity(port.maxBatch)
        var exiting = false
        while !exiting {
            port.dequeue(worker, into: &batch)
            let start = monotonicNanos()
            thread.now = start
            for packet in batch {
                guard let request = packet else {
                    exiting = true
                    break
                }
                runCompletion(request, on: thread)
            }
            batch.removeAll(keepingCapacity: true)
            thread.stats.add(ThreadStats.Slot.busyNanos, monotonicNanos() &- start)
        }
        port.leave(worker)
        thread.stats.retire()
    }
}

/// Counts a completion as delivered and runs its routine on `thread`.
@inline(__always)
func runCompletion(_ request: Overlapped, on thread: IOThread) {
    thread.stats.countDelivered(request.kind, request.mode)
    guard let target = request.target else {
        preconditionFailure("completion of a \(request.kind) request that has no target")
    }
    request.target = nil
    target.complete(request, on: thread)
}

/// The threads a component started, to join at shutdown.
final class ThreadList: Sendable {
    private let list = Mutex<[OSThread]>([])

    func add(_ t: OSThread) { list.withLock { $0.append(t) } }

    func joinAll() {
        let all = list.withLock { l in
            defer { l.removeAll() }
            return l
        }
        for t in all { t.join() }
    }
}
