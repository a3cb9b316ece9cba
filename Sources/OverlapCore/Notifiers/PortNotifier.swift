import OverlapModel
import OverlapSystem
import Synchronization

/// Port mode: every completion goes to one shared `CompletionPort`, drained by
/// a pool of worker threads; any worker can run any session's completion.
final class PortNotifier: Notifier {
    let mode = NotificationMode.port
    let port: CompletionPort<Overlapped>
    let threadCount: Int
    private let registry: StatsRegistry
    private let modes: ModeState
    private let threads = ThreadList()
    private let lifecycle = Locked(())
    /// Worker slots in use (port-K is slot K), under `lifecycle`.
    private let slots = Locked<Set<Int>>([])

    /// Whether an engine thread that delivers completions may run its share (`deliver`).
    private let engineJoins: Bool
    /// The engine threads' visits (io_uring), whose rows live with the workers.
    private let visits = Locked<[PortVisit]>([])


    /// The engine whose wait the workers share (epoll, when the engine
    /// joins the port: `EpollSharedWait.swift`); set by `engineCreated`,
    /// before any worker starts. Weak: the engine holds the router.
    nonisolated(unsafe) private weak var kernelWait: EpollEngine?

    init(threads: Int, concurrency: Int, engineJoins: Bool = true, registry: StatsRegistry, modes: ModeState) {
        self.engineJoins = engineJoins
        // Workers sleep at once when idle: polling here was measured to steal
        // the CPU the engine thread and the clients need (docs/PERFORMANCE.md).
        self.port = CompletionPort(concurrency: concurrency)
        self.threadCount = threads
        self.registry = registry
        self.modes = modes
    }

    func ticket(for request: Overlapped, home: Int, from thread: IOThread) -> Ticket { .port }

    /// On epoll (unless `--no-engine-joins-port`), workers wait in the
    /// engine's shared wait and the port rings its doorbell for them.
    func engineCreated(_ engine: any IOEngine) {
        guard engineJoins, let epoll = engine as? EpollEngine else { return }
        kernelWait = epoll
        port.useDoorbell { [weak epoll] in epoll?.ringDoorbell() }
    }

    /// An engine thread gets a place at the port for its visits (`deliver`),
    /// unless `--no-engine-joins-port` or the workers wait in the kernel.
    func engineThreadStarted(_ thread: IOThread) {
        guard engineJoins && kernelWait == nil else { return }
        let visit = PortVisit(engineThreadName: thread.name)
        thread.notifierState[mode.index] = visit
        lifecycle.withLock { _ in
            visits.withLock { $0.append(visit) }
            if port.members > 0 { openRow(visit) }  // the workers started first
        }
    }

    /// The visit's row retires with the engine thread.
    func engineThreadStopped(_ thread: IOThread) {
        guard let state = thread.notifierState[mode.index] else { return }
        let visit = unsafeDowncast(state, to: PortVisit.self)
        lifecycle.withLock { _ in
            retireRow(visit)
            visits.withLock { $0.removeAll { $0 === visit } }
        }
        thread.notifierState[mode.index] = nil
    }

    /// Starts workers until the pool is full, and the visits' rows with them.
    func activate() {
        lifecycle.withLock { _ in
            let n = port.enlist(upTo: threadCount)
            for _ in 0..<n { spawn() }
            if n > 0 {
                registry.events?.note(.info, n == 1 ? Phrasing(.eventPortStartedOne, "\(port.concurrency)")
                                      : Phrasing(.eventPortStartedMany, "\(n)", "\(port.concurrency)"),
                                      key: "port-started")
            }
            for visit in visits.withLock({ $0 }) { openRow(visit) }
        }
    }

    /// Under `lifecycle`. One row per engine thread for its whole life:
    /// shown while the port has workers, parked (off the panel, still
    /// counted) while it has none, because the engine thread may be inside a
    /// visit, counting into it, when the last worker retires it.
    private func openRow(_ visit: PortVisit) {
        visit.row.withLock { row in
            if let row {
                registry.unpark(row)
            } else {
                row = registry.register(name: PortVisit.rowName, role: .portVisits, mode: .port)
            }
        }
        visit.shown.store(true, ordering: .releasing)
        visit.rowVersion.wrappingAdd(1, ordering: .releasing)
    }

    /// Under `lifecycle`: takes the row off the panel (see `openRow`).
    private func parkRow(_ visit: PortVisit) {
        if let row = visit.row.withLock({ $0 }) { registry.park(row) }
        visit.shown.store(false, ordering: .releasing)
        visit.rowVersion.wrappingAdd(1, ordering: .releasing)
    }

    /// Under `lifecycle`, on the engine thread as it stops: no more counts.
    private func retireRow(_ visit: PortVisit) {
        if let row = visit.row.withLock({ r in defer { r = nil }; return r }) { registry.retire(row) }
        visit.rowVersion.wrappingAdd(1, ordering: .releasing)
    }

    /// Sends the workers away (one empty packet each, behind any queued
    /// completion) if port mode is not current and nothing is left in it.
    func retireIfDrained() {
        lifecycle.withLock { _ in
            if port.members > 0 && modes.drained(.port) {
                let n = port.retireMembers()
                registry.events?.note(.info, n == 1 ? Phrasing(.eventPortRetiredOne) : Phrasing(.eventPortRetiredMany, "\(n)"),
                                      key: "port-retired")
                for visit in visits.withLock({ $0 }) { parkRow(visit) }
            }
        }
    }

    /// Starts a worker in the lowest free slot: port-K keeps naming slot K
    /// across retirements, so a hazard or a reader can name a worker.
    private func spawn() {
        let slot: Int = slots.withLock { used in
            let k = (0...).first { !used.contains($0) }!
            used.insert(k)
            return k
        }
        let stats = registry.register(name: "port-\(slot)", role: .portWorker, mode: .port)
        let worker = CompletionPort<Overlapped>.Worker(name: stats.name)
        threads.add(OSThread(name: stats.name) { [self] in
            let thread = IOThread(stats: stats)
            if let engine = kernelWait {
                runInKernel(worker: worker, thread: thread, engine: engine)  // sets its own onBlocking
            } else {
                // A handler that blocks (the slow-handler hazard) gives its running slot up.
                thread.onBlocking = { [port] blocks in blocks ? port.blocked(worker) : port.unblocked(worker) }
                run(worker: worker, thread: thread)
            }
            slots.withLock { _ = $0.remove(slot) }
        })
    }

    /// Queues completions on the port. Returns how many `thread` ran itself.
    ///
    /// An engine thread (one with a `PortVisit`) posts and then calls the port
    /// once without waiting, as a worker that has just entered the wait: if a
    /// running slot is free it runs its share at once. With one session that
    /// is the whole difference between one thread wake-up per message (the
    /// kernel waking the engine) and two (the engine then waking a worker);
    /// under load the port hands the rest to the waiting workers as usual.
    @discardableResult
    func deliver(_ requests: ArraySlice<Overlapped>, from thread: IOThread) -> Int {
        guard let state = thread.notifierState[mode.index] else {
            if !port.post(contentsOf: requests) { activate() }  // a late completion after the workers retired
            return 0
        }
        // A worker waiting in the kernel or an engine's visit: told apart by the
        // class pointer itself, not a dynamic cast (swift_dynamicCastClass, per delivery).
        if ObjectIdentifier(type(of: state)) == ObjectIdentifier(PortKernelMember.self) {
            // Its handler completed a request at once: queued with the worker's next wait.
            unsafeDowncast(state, to: PortKernelMember.self).deferred.append(contentsOf: requests)
            return 0
        }
        let visit = unsafeDowncast(state, to: PortVisit.self)
        guard let context = visit.currentContext() else {
            // The workers retired: a late completion brings them back.
            if !port.post(contentsOf: requests) { activate() }
            return 0
        }
        if visit.active {
            // A request its handler posted completed at once (epoll engine):
            // queued after the visit's packets, not run inside the handler.
            visit.deferred.append(contentsOf: requests)
            return 0
        }
        visit.active = true
        context.now = thread.now
        let start = monotonicNanos()
        registry.engineVisitSince.store(start, ordering: .relaxed)
        let blockedBefore = context.blockedNanos
        var ran = runShare(of: requests, visit, on: context)
        // A few more rounds at most, so the engine gets back to its own work.
        for _ in 1..<4 where !visit.deferred.isEmpty {
            swap(&visit.deferred, &visit.posting)
            ran += runShare(of: visit.posting, visit, on: context)
            visit.posting.removeAll(keepingCapacity: true)
        }
        // The handlers' time is the visit row's; a visit that ran nothing took a
        // lock and left. Busy time is time on the CPU, as every other row's
        // (its thread's CPU clock): a hazard's sleep inside the visit is not.
        if ran > 0 {
            let wall = monotonicNanos() - start
            let blocked = context.blockedNanos &- blockedBefore
            thread.stats.lend(wall > blocked ? wall - blocked : 0, to: context.stats)
        }
        if !visit.deferred.isEmpty {
            if !port.post(contentsOf: visit.deferred) { activate() }
            visit.deferred.removeAll(keepingCapacity: true)
        }
        visit.active = false
        registry.engineVisitSince.store(0, ordering: .relaxed)
        // The workers may be waiting with nothing left to run: the drain check is ours.
        if ran > 0 && modes.current != .port { retireIfDrained() }
        return ran
    }

    /// One visit: posts `requests`, runs the share the port gives `visit`'s
    /// worker, hands its running slot back. Returns how many it ran.
    private func runShare<C: Collection>(of requests: C, _ visit: PortVisit, on thread: IOThread) -> Int
        where C.Element == Overlapped {
        let (served, took) = port.postAndVisit(contentsOf: requests, visitor: visit.worker, into: &visit.batch)
        if !served { activate() }
        guard took > 0 else { return 0 }
        for request in visit.batch { runCompletion(request!, on: thread) }
        visit.batch.removeAll(keepingCapacity: true)
        port.leave(visit.worker)
        return took
    }

    /// Port workers have no per-thread queue: their registered role says it all.
    func roles() -> [Int: ThreadRole] { [:] }

    /// Posts one empty packet per worker and joins them all. Every request
    /// must have been delivered before (nothing is dropped, nothing is waited for).
    func stop() {
        lifecycle.withLock { _ in _ = port.retireMembers() }
        threads.joinAll()
    }

    /// A worker's loop: `GetQueuedCompletionStatusEx`, run each completion
    /// routine, repeat until an empty packet arrives.
    private func run(worker: CompletionPort<Overlapped>.Worker, thread: IOThread) {
        thread.stats.bindCPUClock()  // busy share is this thread's CPU time
        var batch: [Overlapped?] = []
        batch.reserveCapacity(port.maxBatch)
        var exiting = false
        while !exiting {
            worker.stampsWait = thread.traceWaits
            if port.dequeue(worker, into: &batch) { thread.stats.add(ThreadStats.Slot.waits) }
            if worker.waitingSince != 0 { thread.stats.trace?.addWait("GetQueuedCompletionStatus", thread: thread.id, from: worker.waitingSince) }
            thread.now = monotonicNanos()
            for packet in batch {
                guard let request = packet else {
                    exiting = true
                    break
                }
                runCompletion(request, on: thread)
            }
            batch.removeAll(keepingCapacity: true)
            if !exiting && modes.current != .port { retireIfDrained() }
        }
        port.leave(worker)
        registry.retire(thread.stats)
    }

    /// A worker that waits in the kernel (epoll's shared wait) instead of on
    /// the port: packets queued in the port first (`GetQueuedCompletionStatusEx`
    /// returning at once), else the kernel's wait, which wakes it for the
    /// readiness a pending request needs; it performs the operation and runs
    /// the handler itself if a running slot is free, or queues it in the port
    /// at the cap. Empty packets reach it through the doorbell.
    private func runInKernel(worker: CompletionPort<Overlapped>.Worker, thread: IOThread, engine: EpollEngine) {
        thread.stats.bindCPUClock()  // busy share is this thread's CPU time
        let slot = engine.joinKernelWait()
        let member = PortKernelMember(worker: worker)
        thread.notifierState[mode.index] = member
        // A handler that blocks gives its running slot up; IOCP would have
        // queued its immediate completions when they happened, so they go to
        // the port first, where the freed slot lets another worker take them.
        // (Held to the handler's return instead, they stayed with this worker:
        // one slowed worker took every session, 380 msg/s instead of 30k.)
        thread.onBlocking = { [port] blocks in
            guard blocks else { return port.unblocked(worker) }
            if !member.deferred.isEmpty {
                if !port.post(contentsOf: member.deferred) { self.activate() }
                member.deferred.removeAll(keepingCapacity: true)
            }
            port.blocked(worker)
        }
        var completed: [Overlapped] = []
        var others: [Overlapped] = []
        var exiting = false
        while !exiting {
            let took = port.takeOrWaitInKernel(worker, posting: member.deferred, into: &member.batch)
            if !member.deferred.isEmpty { member.deferred.removeAll(keepingCapacity: true) }
            if took {
                thread.now = monotonicNanos()
                for packet in member.batch {
                    guard let request = packet else {
                        exiting = true
                        break
                    }
                    runCompletion(request, on: thread)
                }
                member.batch.removeAll(keepingCapacity: true)
            } else {
                let waitStart = thread.traceWaits ? monotonicNanos() : 0
                thread.stats.add(ThreadStats.Slot.waits)
                _ = engine.waitInKernel(slot, thread: thread, keep: { $0.mode == .port }, into: &completed,
                                        scratch: &others)
                port.leftKernelWait(worker)
                if waitStart != 0 { thread.stats.trace?.addWait("GetQueuedCompletionStatus", thread: thread.id, from: waitStart) }
                if !completed.isEmpty {
                    if port.claimRunning(worker) {
                        for request in completed { runCompletion(request, on: thread) }
                    } else if !port.post(contentsOf: completed) {
                        activate()  // cannot happen: this worker is a member
                    }
                    completed.removeAll(keepingCapacity: true)
                }
            }
            if !exiting && modes.current != .port { retireIfDrained() }
        }
        thread.notifierState[mode.index] = nil
        if !member.deferred.isEmpty && !port.post(contentsOf: member.deferred) { activate() }
        engine.leaveKernelWait(slot)
        port.leave(worker)
        registry.retire(thread.stats)
    }
}
