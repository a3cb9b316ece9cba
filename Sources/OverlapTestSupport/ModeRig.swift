import OverlapCore
import OverlapModel

/// A router over the manual engine, with a control thread that posts.
package struct ModeRig {
    package let registry: StatsRegistry
    package let engine: ManualEngine
    package let router: ModeRouter
    package let control: IOThread
    package let socket = EngineSocket(fd: -1)
    /// What the notifiers said (group opened, threads retired...).
    package let events = EventLog()

    /// `sampleEvery`: one request in this many is stamped for latency (1: all).
    package init(mode: NotificationMode, threads: Int = 2, sampleEvery: Int = 0) throws {
        registry = StatsRegistry(sampleEvery: sampleEvery, events: events)
        engine = try ManualEngine()
        router = ModeRouter(mode: mode, threads: threads, concurrency: threads, registry: registry)
        router.start()
        try engine.start(sink: router, registry: registry)
        control = IOThread(stats: registry.register(name: "control", role: .control, mode: nil))
    }

    /// Posts a recv in the current mode whose completion will carry `id`.
    @discardableResult
    package func post(id: Int32, home: Int = 0, target: CompletionTarget) -> Overlapped {
        let r = Overlapped(kind: .recv, socket: socket)
        PostPath(router: router, engine: engine).post(r, target: target, home: home, from: control)
        r.result = id
        return r
    }

    package var counts: RequestCounts { registry.requestCounts }
    package func alive(_ role: (ThreadRole) -> Bool) -> [String] {
        registry.live.filter { role($0.role) }.map(\.name)
    }
}
