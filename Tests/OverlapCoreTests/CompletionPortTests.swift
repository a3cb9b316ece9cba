@testable import OverlapCore
import OverlapSystem
import OverlapTestSupport
import Synchronization
import Testing

extension CoreTests {
    /// Completion-port semantics, driven deterministically: the test posts the
    /// packets (standing in for the engine) and waits for observable states.
    @Suite
    struct CompletionPortTests {
        @Test("packets are dequeued first-in, first-out")
        func fifo() {
            // Concurrency 1 lets one worker run at a time, so handling order is dequeue order.
            let h = PortHarness(concurrency: 1)
            for w in 0..<3 { h.startWorker("w\(w)") }
            var next = 0
            while next < 200 {
                var batch: [Int?] = (next..<min(200, next + 7)).map { $0 }
                next += batch.count
                h.port.post(&batch)
            }
            #expect(waitUntil { h.handled.count == 200 })
            #expect(h.handled.map(\.packet) == Array(0..<200))
            #expect(h.maxRunning.load(ordering: .relaxed) == 1)
            h.stop(workers: 3)
        }

        @Test("waiting workers are woken last-in, first-out")
        func lifo() {
            let h = PortHarness(concurrency: 3, gated: true)
            for (i, name) in ["w0", "w1", "w2"].enumerated() {
                h.startWorker(name)
                // Start the next only once this one waits, so the wait order is known.
                #expect(waitUntil { h.port.waitingWorkers.count == i + 1 })
            }
            #expect(h.port.waitingWorkers == ["w0", "w1", "w2"])
            for (i, expected) in ["w2", "w1", "w0"].enumerated() {
                h.port.post(i)
                #expect(waitUntil { h.handled.count == i + 1 })
                #expect(h.handled.last?.worker == expected, "packet \(i) went to \(h.handled.last?.worker ?? "-")")
            }
            for _ in 0..<3 { h.gate.signal() }
            #expect(waitUntil { h.port.waitingWorkers.count == 3 })
            // The most recently idle worker (warm cache) keeps getting the work.
            let top = h.port.waitingWorkers.last!
            for _ in 0..<5 { h.gate.signal() }
            for i in 10..<15 {
                h.port.post(i)
                #expect(waitUntil { h.handled.count == i - 6 && h.port.waitingWorkers.count == 3 })
                #expect(h.handled.last?.worker == top)
            }
            h.stop(workers: 3)
        }

        @Test("no more than `concurrency` workers run at once")
        func concurrencyCap() {
            let h = PortHarness(concurrency: 2, maxBatch: 1, gated: true)
            for w in 0..<4 {
                h.startWorker("w\(w)")
                #expect(waitUntil { h.port.waitingWorkers.count == w + 1 })
            }
            var packets: [Int?] = [1, 2, 3, 4]
            h.port.post(&packets)
            #expect(waitUntil { h.running.load(ordering: .relaxed) == 2 })
            // Two workers still wait although two packets are queued: the cap holds them back.
            #expect(h.port.running == 2)
            #expect(h.port.depth == 2)
            #expect(h.port.waitingWorkers.count == 2)
            h.gate.signal()  // one handler returns: its worker takes the next packet itself
            #expect(waitUntil { h.handled.count == 3 })
            #expect(h.port.depth == 1 && h.port.running == 2)
            for _ in 0..<3 { h.gate.signal() }
            #expect(waitUntil { h.handled.count == 4 && h.port.running == 0 })
            #expect(h.maxRunning.load(ordering: .relaxed) == 2)
            for _ in 0..<4 { h.gate.signal() }
            h.stop(workers: 4)
        }

        @Test("a worker that blocks gives its slot up; back, it runs above the value, and the port counts it")
        func overConcurrency() {
            let port = CompletionPort<Int>(concurrency: 1, maxBatch: 1)
            let a = CompletionPort<Int>.Worker(name: "a")
            let b = CompletionPort<Int>.Worker(name: "b")
            _ = port.enlist(upTo: 2)
            var packets: [Int?] = [1, 2]
            port.post(&packets)
            var batch: [Int?] = []
            #expect(!port.dequeue(a, into: &batch) && batch == [1])  // taken at once: no wait
            #expect(port.running == 1)
            port.blocked(a)  // a's handler sleeps: its slot is free for b
            #expect(port.running == 0)
            batch.removeAll()
            #expect(!port.dequeue(b, into: &batch) && batch == [2])
            port.unblocked(a)  // a is back while b runs: 2 running at a value of 1
            #expect(port.running == 2 && port.load.overConcurrency == 1)
            port.leave(a)
            port.leave(b)
            #expect(port.running == 0 && port.load.overConcurrency == 1)
        }

        @Test("one empty packet stops one worker, and a batch ends at it")
        func shutdownPackets() {
            let h = PortHarness(concurrency: 1)
            var packets: [Int?] = [1, nil, 2]
            h.port.post(&packets)
            h.startWorker("w0")
            #expect(waitUntil { h.exited.load(ordering: .relaxed) == 1 })
            #expect(h.handled.map(\.packet) == [1])
            #expect(h.port.depth == 1, "the packet behind the empty one stays queued")
            h.stop(workers: 0)  // joins the worker that exited

            let h3 = PortHarness(concurrency: 2)
            for w in 0..<3 { h3.startWorker("w\(w)") }
            #expect(waitUntil { h3.port.waitingWorkers.count == 3 })
            h3.port.postShutdown(workers: 3)
            #expect(waitUntil { h3.exited.load(ordering: .relaxed) == 3 })
            #expect(h3.port.depth == 0)
            h3.stop(workers: 0)
        }
    
        @Test("the engine's visit: it runs its share when a slot is free, never past the cap, never an empty packet")
        func engineVisit() {
            let h = PortHarness(concurrency: 2, gated: true)
            h.startWorker("w0")
            #expect(waitUntil { h.port.waitingWorkers == ["w0"] })
            let visitor = CompletionPort<Int>.Worker(name: "engine")

            // One packet, a slot free: the visitor takes it and the waiting worker stays asleep.
            var mine: [Int?] = []
            var r = h.port.postAndVisit(contentsOf: [1], visitor: visitor, into: &mine)
            #expect(r.served && r.took == 1 && mine == [1])
            #expect(h.port.running == 1 && h.port.waitingWorkers == ["w0"] && h.port.depth == 0)
            h.port.leave(visitor)
            #expect(h.port.running == 0)

            // Four packets: the visitor takes its share (half), the waiting worker is woken with the rest.
            mine.removeAll()
            r = h.port.postAndVisit(contentsOf: [2, 3, 4, 5], visitor: visitor, into: &mine)
            #expect(r.took == 2 && mine == [2, 3])
            #expect(waitUntil { h.handled.count == 1 })
            #expect(h.handled.first?.packet == 4 && h.port.running == 2)

            // Both slots taken: a second visit queues its packet and takes nothing.
            var more: [Int?] = []
            let v2 = CompletionPort<Int>.Worker(name: "engine-2")
            r = h.port.postAndVisit(contentsOf: [6], visitor: v2, into: &more)
            #expect(r.took == 0 && more.isEmpty && h.port.depth == 1 && h.port.running == 2)
            h.port.leave(visitor)  // the visitor's slot frees: nobody waits, the packet stays queued for w0
            #expect(h.port.running == 1 && h.port.depth == 1)
            for _ in 0..<3 { h.gate.signal() }
            #expect(waitUntil { h.handled.map(\.packet) == [4, 5, 6] && h.port.running == 0 })

            // An empty packet at the front is left for a member.
            h.port.postShutdown(workers: 1)
            #expect(waitUntil { h.exited.load(ordering: .relaxed) == 1 })
            mine.removeAll()
            r = h.port.postAndVisit(contentsOf: [7], visitor: visitor, into: &mine)
            #expect(!r.served, "no members left: the caller must start workers")
            #expect(r.took == 1 && mine == [7])
            h.port.leave(visitor)
            var empty: [Int?] = []
            let h2 = PortHarness(concurrency: 2)
            h2.port.postShutdown(workers: 1)
            r = h2.port.postAndVisit(contentsOf: [8], visitor: visitor, into: &empty)
            #expect(r.took == 0 && empty.isEmpty && h2.port.depth == 2)
            h.stop(workers: 0)
            h2.stop(workers: 0)
        }
    }
}
