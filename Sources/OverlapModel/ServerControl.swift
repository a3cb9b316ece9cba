/// What a front end (dashboard, headless printer, metrics) may ask of a server.
public protocol ServerControl: Sendable {
    /// Reads every figure now. `sessions: false` leaves out the per-session
    /// rows (cheaper). For counters that must be fresh (a metrics scrape);
    /// windowed figures come from `latestSample()`.
    func snapshot(sessions: Bool) -> StatsSnapshot
    /// The newest sample taken by the server's own sampler, every
    /// `refreshMs`: the snapshot and the rates over the window since the
    /// sample before. Every reader sees the same window, however many there
    /// are and however often they read. Never blocks for long (any thread).
    func latestSample() -> Sample
    /// The sampler's interval in milliseconds (`RefreshInterval.range`).
    var refreshMs: Int { get }
    /// Changes the sampler's interval (clamped to `RefreshInterval.range`);
    /// the next sample is taken one new interval after the last one.
    func setRefresh(ms: Int)
    /// Makes `mode` the mode of every request posted from now on. Throws if the
    /// server cannot run that mode.
    func switchMode(to mode: NotificationMode) throws
    /// Starts a trace capture of the sampled requests (Chrome trace-event
    /// JSON) into `path`, or the server's `--trace` file, or a default file
    /// name; returns the path. Throws
    /// an error worded for the user.
    func startTrace(path: String?) throws -> String
    /// Stops a running trace capture; its status shows in the snapshot.
    func stopTrace()
    /// Switches the hazard lab to `hazards` (DESIGN §7); the next samples
    /// show them in `StatsSnapshot.hazards`. Throws an error worded for the
    /// user where the lab is not available (an attached server).
    func setHazards(_ hazards: HazardSettings) throws
    /// Thread names `slow-handler` may name (`apc-0`, `port-1`, ...).
    var hazardThreadNames: [String] { get }
    /// The hazards on now (not as of the last sample).
    var hazards: HazardSettings { get }
}

extension ServerControl {
    public func setHazards(_ hazards: HazardSettings) throws {
        throw HazardError("the hazard lab is not available here")
    }
    public var hazardThreadNames: [String] { [] }
    public var hazards: HazardSettings { latestSample().snapshot.hazards }
}

/// One sample of the server's sampler.
public struct Sample: Sendable, Equatable {
    /// 0 for the first sample, then one more per sample.
    public var sequence: UInt64
    public var snapshot: StatsSnapshot
    /// Rates over the window from the previous sample to this one (zero
    /// for the first sample: no window yet).
    public var rates: SnapshotRates

    public init(sequence: UInt64, snapshot: StatsSnapshot, rates: SnapshotRates) {
        self.sequence = sequence
        self.snapshot = snapshot
        self.rates = rates
    }

    /// A sample with no window: `snapshot` against itself.
    public init(first snapshot: StatsSnapshot) {
        self.init(sequence: 0, snapshot: snapshot, rates: SnapshotRates(from: snapshot, to: snapshot))
    }

    /// The sample after `self`, taken at `next`, with the rates over the window between them.
    public func followed(by next: StatsSnapshot) -> Sample {
        Sample(sequence: sequence &+ 1, snapshot: next, rates: SnapshotRates(from: snapshot, to: next))
    }
}

/// The sampling interval's one owner: the range every front end accepts and
/// the steps `+` / `-` move through.
public enum RefreshInterval {
    /// Milliseconds.
    public static let range = 100...10_000
    /// The steps of `+` / `-`, milliseconds, fastest first.
    public static let steps = [100, 200, 250, 500, 1000, 2000, 5000, 10_000]

    public static func clamp(_ ms: Int) -> Int { min(range.upperBound, max(range.lowerBound, ms)) }

    /// The next step faster (shorter) or slower than `ms`.
    public static func step(from ms: Int, faster: Bool) -> Int {
        faster ? steps.last { $0 < ms } ?? steps[0] : steps.first { $0 > ms } ?? steps[steps.count - 1]
    }
}
