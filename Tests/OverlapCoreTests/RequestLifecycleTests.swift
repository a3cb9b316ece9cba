@testable import OverlapCore
import OverlapModel
import OverlapSystem
import OverlapTestSupport
import Synchronization
import Testing

extension CoreTests {
    @Suite
    struct RequestLifecycleTests {
        @Test("every stage of a request is counted exactly: posted, pending, completed, delivered")
        func stages() throws {
            let registry = StatsRegistry()
            let engine = try ManualEngine()
            let router = ModeRouter(mode: .port, threads: 1, concurrency: 1, registry: registry)
            router.start()
            try engine.start(sink: router, registry: registry)
            let control = IOThread(stats: registry.register(name: "control", role: .control, mode: nil))
            let socket = EngineSocket(fd: -1)
            let requests = (0..<3).map { _ in Overlapped(kind: .recv, socket: socket) }
            weak var weakTarget: LogTarget?
            do {
                let target = LogTarget(holdingEvery: true)
                weakTarget = target
                for r in requests { PostPath(router: router, engine: engine).post(r, target: target, home: 0, from: control) }
            }
            // The pending requests keep their target alive: nobody else holds it.
            #expect(weakTarget != nil)
            func counts() -> RequestCounts { registry.requestCounts }
            #expect(counts().pending[.recv, .port] == 3 && counts().queued == [0, 0, 0])

            engine.complete(2, result: 10)
            // One routine is running (delivered), the other waits in the port's queue.
            #expect(waitUntil { weakTarget?.entries.count == 1 })
            var c = counts()
            #expect(c.pending[.recv, .port] == 1)
            #expect(c.completed[.recv, .port] == 2 && c.delivered[.recv, .port] == 1)
            #expect(c.queued[NotificationMode.port.index] == 1)

            weakTarget?.gate.signal()
            #expect(waitUntil { counts().delivered[.recv, .port] == 2 })
            weakTarget?.gate.signal()
            engine.complete(1, result: 0)
            #expect(waitUntil { counts().delivered[.recv, .port] == 3 })
            c = counts()
            #expect(c.pending.total == 0 && c.queued == [0, 0, 0])
            #expect(weakTarget?.entries.map(\.thread) == ["port-0", "port-0", "port-0"])
            #expect(weakTarget?.entries.map(\.id) == [10, 10, 0])
            weakTarget?.gate.signal()
            #expect(waitUntil { weakTarget == nil }, "delivered requests release their target")
            router.stop()
            #expect(registry.live.filter { $0.role == .portWorker }.isEmpty)
        }
    }
}
