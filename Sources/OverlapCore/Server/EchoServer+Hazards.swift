import OverlapModel

/// The hazard lab on a running server (DESIGN §7): switches set from
/// `serve --hazard`, the dashboard's lab overlay or a test.
extension EchoServer {
    /// The hazards on now.
    public var hazards: HazardSettings { registry.hazards.settings }

    /// The thread names `slow-handler` may name on this server.
    public var hazardThreadNames: [String] { HazardSettings.threadNames(threads: config.threads) }

    /// Switches the hazard lab to `new`: each change takes effect for the
    /// next handler run (`buffers` for the next receive, `concurrency` for
    /// the next worker wake) and is written to the events log with what it
    /// imitates. Any thread; callers are serialized.
    public func setHazards(_ new: HazardSettings) {
        hazardChanges.withLock { _ in
            let old = registry.hazards.settings
            guard old != new else { return }
            registry.hazards.set(new)
            if old.buffers != new.buffers { buffers.setLimit(new.buffers, on: control) }
            if old.concurrency != new.concurrency { router.setPortConcurrency(new.concurrency ?? config.concurrency) }
            for kind in HazardKind.allCases where old.spec(kind) != new.spec(kind) {
                if let spec = new.spec(kind) {
                    log.note(.warning, Phrasing(.eventHazardOn, "\(spec)", .phrase(Phrasing(kind.imitates)), noEffect(kind)))
                } else {
                    log.note(.info, Phrasing(.eventHazardOff, "\(kind.rawValue)"))
                }
            }
        }
    }

    /// Where a hazard does nothing on this server, said when it is switched on.
    private func noEffect(_ kind: HazardKind) -> Phrasing.Argument {
        switch kind {
        case .skipOnSuccess where engineKind == .uring: .phrase(Phrasing(.hazardSkipOnUring))
        case .skipOnSuccess: .phrase(Phrasing(.hazardActsInPort))
        case .lowestIndex: .phrase(Phrasing(.hazardActsInEvent))
        case .concurrency: .phrase(Phrasing(.hazardActsInPort))
        default: ""
        }
    }

    /// Switches on one hazard written as `--hazard` takes it (`stall=200/1`).
    /// - Throws: `HazardError` naming what to change and what is valid.
    public func setHazard(_ spec: String) throws(HazardError) {
        var s = hazards
        try s.apply(spec, threads: hazardThreadNames, buffers: config.bufferCount)
        setHazards(s)
    }

    /// Handlers `skip-on-success` ran on the thread that posted their request
    /// (not through the port), since the server started: the threads' own
    /// counts (`ThreadRow.inlineRuns`), retired threads' included.
    public var inlineRuns: UInt64 { registry.withView { $0.sum(ThreadStats.Slot.inlineRuns) } }

    /// Port workers running now: the port's own count under its lock, cheap
    /// enough to poll every millisecond (a snapshot is not).
    public var portRunning: Int { router.portRunning }

    /// Switches one hazard off.
    public func clearHazard(_ kind: HazardKind) {
        var s = hazards
        s.clear(kind)
        setHazards(s)
    }
}
