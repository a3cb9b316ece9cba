import CLinux
import Glibc
import Logging
import OverlapModel
import OverlapSystem
import Synchronization
import SystemPackage

/// The overlapped echo server: a listener, sessions, an engine and the
/// notifier of each mode, wired together. It is the `ServerControl` that
/// front ends read.
public final class EchoServer: ServerControl, SessionHost, ListenerHost, @unchecked Sendable {
    public let config: ServerConfig
    /// The address actually bound (with the real port when `config.port` is 0).
    public let address: SocketAddress
    public let engineKind: EngineKind
    public let engineReason: String
    /// `engineReason` as a phrase (the events log's listening line).
    private let engineWhy: Phrasing

    let engine: IOEngine
    /// Sessions waiting for a receive buffer.
    let bufferWaits: BufferWaitQueue
    /// The sampling interval now running: each sampling of the session rows
    /// ends one (the sessions table's `ran on` counts per interval).
    let sampleEpoch = SampleEpoch()
    let registry: StatsRegistry
    let log: EventLog
    let router: ModeRouter
    let posting: PostPath
    private let listenFd: Int32
    // Set in init right after the server exists; the listener needs `self`.
    private var listener: Listener!
    /// The control context: whoever starts, stops or sets hazards (those serialized by `hazardChanges`).
    let control: IOThread
    let hazardChanges = Locked(())
    private let stopping = Atomic<Bool>(false)
    /// Signalled while stopping, when the last session closes or the listener finishes.
    private let quiesced = Wakeup()
    private let started = Atomic<Bool>(false)
    private let live = Atomic<Int>(0)
    private let nextSessionID = Atomic<UInt64>(1)
    private let sessions = Locked<[UInt64: Session]>([:])
    private let startedAtNanos = monotonicNanos()
    // Set in init once the server exists; its snapshot function needs `self`.
    private var sampler: Sampler!

    /// `logger` receives the event log's lines and per-session debug records.
    public init(config: ServerConfig, logger: Logger = Logger(label: "overlap")) throws(ServerError) {
        log = EventLog(logger: logger)
        registry = StatsRegistry(sampleEvery: config.sampleEvery, origin: startedAtNanos, events: log)
        guard (0...65535).contains(config.port) else { throw .system("port \(config.port) out of range", .invalidArgument) }
        guard let addr = SocketAddress(host: config.host, port: config.port) else { throw .badHost(config.host) }
        let resolved = try resolveEngine(config.engine)
        self.config = config
        engineKind = resolved.kind
        engineReason = resolved.reason
        engineWhy = resolved.why
        do {
            switch resolved.kind {
            case .uring:
                engine = try UringEngine(bufferCount: config.bufferCount, bufferSize: config.bufferSize)
            case .epoll:
                engine = try EpollEngine(bufferCount: config.bufferCount, bufferSize: config.bufferSize)
            }
        } catch {
            throw .engine(error)
        }
        bufferWaits = BufferWaitQueue(pool: engine.buffers)
        listenFd = try openListener(addr)
        address = SocketAddress.local(of: listenFd) ?? addr
        router = ModeRouter(mode: config.mode, threads: config.threads, concurrency: config.concurrency,
                            engineJoinsPort: config.engineJoinsPort,
                            registry: registry)
        router.engineCreated(engine)
        posting = PostPath(router: router, engine: engine)
        control = IOThread(stats: registry.register(name: "control", role: .control, mode: nil), anyThread: true)
        do {
            listener = Listener(socket: try engine.attach(fd: listenFd), server: self)
        } catch {
            close(listenFd)
            throw .engine(error)
        }
        let rows = config.sampleSessionRows
        let log = log
        sampler = Sampler(intervalMs: config.refreshMs, registry: registry, lints: { change in
            for lint in change.raised {
                log.note(.warning, Phrasing(.eventLintRaised, "\(lint.kind.rawValue)",
                                            lint.phrasing.map { .phrase($0) } ?? .text(lint.message)))
            }
            for lint in change.cleared { log.note(.info, Phrasing(.eventLintCleared, "\(lint.kind.rawValue)")) }
        }) { [unowned self] in
            let s = snapshot(sessions: rows)
            if rows { sampleEpoch.advance() }  // the rows just read end their interval
            return s
        }
    }

    deinit {
        if !started.load(ordering: .relaxed) {
            engine.detach(listener.socket)
            close(listenFd)
        }
    }

    /// Starts the threads and posts the first accept. Call once, then `stop`.
    public func start() throws(ServerError) {
        precondition(!started.exchange(true, ordering: .acquiringAndReleasing), "start called twice")
        router.start()
        do {
            try engine.start(sink: router, registry: registry)
        } catch {
            router.stop()
            close(listenFd)
            throw .engine(error)
        }
        log.note(.info, Phrasing(.eventListening, "\(address)", "\(engineKind.rawValue)", .phrase(engineWhy), "\(mode.rawValue)"))
        listener.post(on: control)
        if config.hazards.anyOn { setHazards(config.hazards) }
        sampler.start()
    }

    /// The mode new requests are posted in.
    var mode: NotificationMode { router.current }

    var buffers: BufferPool { engine.buffers }

    func detach(_ socket: EngineSocket) { engine.detach(socket) }

    var isStopping: Bool { stopping.load(ordering: .acquiring) }
    var sessionCount: Int { live.load(ordering: .acquiring) }

    /// Takes a newly accepted descriptor: a session, or refused at the limit.
    func admit(fd: Int32, on thread: IOThread) {
        if live.load(ordering: .relaxed) >= config.maxSessions {
            close(fd)
            thread.stats.add(ThreadStats.Slot.refused)
            log.note(.warning, Phrasing(.eventRefusedMaxSessions, "\(config.maxSessions)"), key: "refused")
            return
        }
        setNoDelay(fd)
        let socket: EngineSocket
        do {
            socket = try engine.attach(fd: fd)
        } catch {
            close(fd)
            thread.stats.add(ThreadStats.Slot.acceptErrors)
            log.note(.error, Phrasing(.eventAttachFailed, "\(error)"), key: "attach")
            return
        }
        let peer = SocketAddress.peer(of: fd)?.description ?? "?"
        let session = Session(id: nextSessionID.wrappingAdd(1, ordering: .relaxed).oldValue, socket: socket,
                              peer: peer, home: router.homeThread(), host: self)
        live.wrappingAdd(1, ordering: .relaxed)
        sessions.withLock { $0[session.id] = session }
        thread.stats.add(ThreadStats.Slot.accepted)
        log.logger.debug("session \(session.id) opened from \(peer)")
        session.start(on: thread)
        // Admitted while `stop` was interrupting the others: it may have missed this one.
        if isStopping { session.interrupt() }
    }

    func sessionClosed(_ session: Session, reason: CloseReason, on thread: IOThread) {
        log.logger.debug("session \(session.id) closed: \(reason.rawValue)")
        sessions.withLock { _ = $0.removeValue(forKey: session.id) }
        thread.stats.add(ThreadStats.Slot.closedBase + reason.index)
        let left = live.wrappingSubtract(1, ordering: .releasing).newValue
        if left == 0 && isStopping { quiesced.signal() }
        listener.resume(on: thread)
    }

    func listenerClosed() {
        quiesced.signal()
    }

    /// Stops gracefully: no new connections, every session shut down and
    /// closed, every request delivered, then all threads joined. Returns false
    /// if requests were still in flight after `timeout` seconds (the threads
    /// are stopped anyway).
    @discardableResult
    public func stop(timeout: Double = 5) -> Bool {
        guard started.load(ordering: .acquiring) else { return true }
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return true }
        listener.interrupt()
        for s in sessions.withLock({ Array($0.values) }) { s.interrupt() }
        // Sessions waiting for a buffer have nothing in flight: close them here.
        for s in bufferWaits.close() { s.finish(.shutdown, on: control) }
        // Each session closes once its last request is delivered, and the
        // listener once its accept is: when both are done nothing is in flight.
        let deadline = monotonicNanos() + UInt64(timeout * 1e9)
        while !(listener.isClosed && sessionCount == 0) {
            let now = monotonicNanos()
            guard now < deadline else { break }
            _ = quiesced.wait(timeoutNanos: deadline - now)
        }
        let c = registry.requestCounts
        let clean = listener.isClosed && sessionCount == 0 && c.pending.total == 0 && c.queued.allSatisfy { $0 == 0 }
        sampler.stop()
        registry.trace.finish(reason: Phrasing(.traceServerStopped))
        listener.joinRetries()
        router.stop()
        engine.stop()
        engine.detach(listener.socket)
        close(listenFd)
        return clean
    }

    /// Threads of this server still running (the control context excluded):
    /// 0 once `stop` has returned.
    public var runningThreads: Int { registry.live.filter { $0.id != control.id }.count }

    /// Makes `mode` the mode of every request posted from now on. Requests
    /// already pending finish in their own mode (DESIGN.md §1).
    public func switchMode(to mode: NotificationMode) throws {
        let from = router.current
        guard router.switchMode(to: mode) else { return }
        // Callback mode's accept counts under event (AcceptEx takes no routine) but is callback's own.
        let elsewhere = router.notifier(from).pendingCountedElsewhere
        let left = registry.outstanding(from) + Int64(elsewhere)
        registry.trace.instant("mode \(from.rawValue) -> \(mode.rawValue)")
        // The listener's accept, posted before the switch, is the usual one
        // left: it finishes in its old mode when the next client connects.
        let accept: Phrasing.Argument = left > 0 && (elsewhere > 0 || registry.requestCounts.pending[.accept, from] > 0)
            ? .phrase(Phrasing(.eventModeSwitchAccept)) : ""
        log.note(.info, left == 1
            ? Phrasing(.eventModeSwitchOne, "\(from.rawValue)", "\(mode.rawValue)", accept)
            : Phrasing(.eventModeSwitchMany, "\(from.rawValue)", "\(mode.rawValue)", "\(left)", accept))
    }

    public func latestSample() -> Sample { sampler.latest }

    /// Starts a trace capture of the sampled requests into `path` (default:
    /// `config.tracePath`, else `overlap-trace-<time>.json` in the working
    /// directory; once that file exists, its name with `-2`, `-3`...) for
    /// `config.traceSeconds`. Returns the path. Throws `TraceError` (a file
    /// that cannot be written, a capture already running, sampling off).
    public func startTrace(path: String?) throws -> String {
        guard config.sampleEvery > 0 else {
            throw TraceError(description: "tracing needs sampled requests, and --sample 0 turned sampling off")
        }
        let file = path ?? Self.unused(config.tracePath ?? defaultTracePath())
        let (registry, log) = (registry, log)
        try registry.trace.start(path: file, seconds: config.traceSeconds, threadNames: { registry.threadNames }) { status in
            log.note(.info, Phrasing(.eventTraceEnded, "\(status.requests)", "\(status.path)",
                                     status.stopPhrasing.map { .phrase($0) } ?? .text(status.stopReason ?? "")))
        }
        log.note(.info, Phrasing(.eventTraceStarted, "\(file)", "\(Int(config.traceSeconds))"))
        return file
    }

    /// Stops a running trace capture (its file is completed in the background).
    public func stopTrace() {
        registry.trace.stop(reason: Phrasing(.eventTraceStopped))
    }

    /// `path` if no file is there yet, else the same name with `-2`, `-3`...
    /// before its extension: a capture from the key t never truncates the
    /// one `--trace` wrote.
    static func unused(_ path: String) -> String {
        guard access(path, F_OK) == 0 else { return path }
        var (stem, ext) = (path, "")
        // The extension: a dot in the file's name, not its first character.
        let nameStart = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        if let dot = path.lastIndex(of: "."), dot > nameStart {
            (stem, ext) = (String(path[..<dot]), String(path[dot...]))
        }
        return (2...).lazy.map { "\(stem)-\($0)\(ext)" }.first { access($0, F_OK) != 0 }!
    }

    private func defaultTracePath() -> String {
        var t = time(nil)
        var parts = tm()
        localtime_r(&t, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "overlap-trace-\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))-"
            + "\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec)).json"
    }

    public var refreshMs: Int { sampler.intervalMs }

    public func setRefresh(ms: Int) { sampler.setInterval(ms: ms) }

    /// Every running thread's counters, then the final counters of the
    /// threads that retired (the most recent `StatsRegistry.retiredRowsKept`):
    /// a benchmark's totals must count the threads of a mode that retired
    /// before it looked.
    public func allThreadRows() -> [ThreadRow] {
        registry.allRows(excluding: control.stats)
    }

    public func snapshot(sessions includeRows: Bool) -> StatsSnapshot {
        let now = monotonicNanos()
        typealias S = ThreadStats.Slot
        let roles = router.roles()
        // Every count from one view: a thread retiring meanwhile is counted once.
        var s = registry.withView { v in
            let counts = v.displayCounts()
            let closedBy = CloseReason.allCases.map { v.sum(S.closedBase + $0.index) }
            return StatsSnapshot(
                takenAtNanos: now, startedAtNanos: startedAtNanos, mode: mode, engine: engineKind,
                engineReason: engineReason, listenAddress: address.description, modeSwitches: router.switches,
                sessions: live.load(ordering: .acquiring), accepted: v.sum(S.accepted), closed: closedBy.reduce(0, +),
                refused: v.sum(S.refused), closedBy: closedBy, acceptErrors: v.sum(S.acceptErrors),
                bytesReceived: v.sum(S.bytesIn), bytesSent: v.sum(S.bytesOut), receives: v.sum(S.receives),
                pending: counts.pending, queued: counts.queued, queuedPeak: counts.queued,
                delivered: NotificationMode.allCases.map { UInt64(counts.delivered.total(mode: $0)) },
                ringDepth: engine.ringDepth, ringOverflow: engine.ringOverflow, bufferWaits: v.sum(S.bufferWaits),
                threads: v.live.filter { $0.id != control.id }.map { b in
                    var row = b.row()
                    if let role = roles[b.id] { row.role = role }
                    return row
                },
                events: log.events)
        }
        s.trace = registry.trace.status
        s.hazards = registry.hazards.settings
        let port = router.portLoad
        (s.portConcurrency, s.portRunning, s.portOverConcurrency) = (port.concurrency, port.running, port.overConcurrency)
        (s.portWaiting, s.portKernelWaiting) = (port.waiting, port.kernelWaiting)
        // Peers not reading, from the sessions' atomics (no rows built): what
        // peer_not_reading needs, on a headless server too.
        let stuckAfter = LintEngine.peerIdleNanos
        (s.peersNotReading, s.firstPeerNotReading) = self.sessions.withLock { all in
            var count = 0
            var first = UInt64.max
            for (id, session) in all where session.sendingLongerThan(stuckAfter, now: now) {
                count += 1
                first = min(first, id)
            }
            return (count, count > 0 ? first : 0)
        }
        if includeRows {
            let known = s.threads + registry.parkedRows + registry.retiredRows
            let names = Dictionary(known.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
            s.sessionRows = self.sessions.withLock { Array($0.values) }.map { $0.row(now: now, threadNames: names) }
            s.sessionRows.sort { $0.id < $1.id }
        }
        return s
    }
}
