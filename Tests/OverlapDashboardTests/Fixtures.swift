import Foundation
import OverlapDashboard
import OverlapModel
import Synchronization
import Testing

/// Fixed snapshots: a server in callback mode just after a switch from port,
/// with skewed load over two APC threads, 30 sessions and a few events.
enum Fixtures {
    static let second: UInt64 = 1_000_000_000

    static func snapshot(at t: UInt64, scale: UInt64) -> StatsSnapshot {
        var pending = OpModeCounts()
        pending[.accept, .port] = 1
        pending[.recv, .callback] = 27
        pending[.send, .callback] = 2
        pending[.recv, .port] = 1
        let threads = [
            ThreadRow(id: 0, name: "uring-0", role: .engine, mode: nil, completions: 0, busyNanos: 300_000_000 * scale,
                      startedAtNanos: 0, alive: true),
            ThreadRow(id: 1, name: "port-0", role: .portWorker, mode: .port, completions: 1000 * scale,
                      busyNanos: 10_000_000 * scale, startedAtNanos: 0, alive: true),
            ThreadRow(id: 2, name: "apc-0", role: .apcThread(queueDepth: 3), mode: .callback,
                      completions: 90_000 * scale, busyNanos: 850_000_000 * scale, startedAtNanos: 0, alive: true),
            ThreadRow(id: 3, name: "apc-1", role: .apcThread(queueDepth: 0), mode: .callback,
                      completions: 2_000 * scale, busyNanos: 40_000_000 * scale, startedAtNanos: 0, alive: true),
        ]
        var rows: [SessionRow] = []
        for i in 1...30 {
            let n = UInt64(i)
            let state: SessionRow.State = i == 4 ? .sending : (i == 9 ? .waitingForBuffer : .receiving)
            let peer = "127.0.0.1:" + String(40000 + i * 7)
            let thread = i % 2 == 1 ? "apc-0" : "apc-1"
            let bytes: UInt64 = n * 1_000_003
            let age: UInt64 = n * 7 * second
            let idle: UInt64 = (n % 5) * second / 2
            rows.append(SessionRow(id: n, peer: peer, thread: thread, state: state, bytesIn: bytes, bytesOut: bytes,
                                   requests: n * 97, ageNanos: age, idleNanos: idle))
        }
        let events = [
            ServerEvent(atNanos: 0, level: .info, phrasing: Phrasing(.eventListening, "127.0.0.1:7777", "uring", "auto", "port")),
            ServerEvent(atNanos: t - 5 * second, level: .info,
                        phrasing: Phrasing(.eventModeSwitchMany, "port", "callback", "2", "")),
            ServerEvent(atNanos: t - 2 * second, level: .warning, phrasing: Phrasing(.eventRefusedMaxSessions, "30"), repeats: 3),
        ]
        var s = StatsSnapshot(
            takenAtNanos: t, startedAtNanos: 0, mode: .callback, engine: .uring, engineReason: "auto",
            listenAddress: "127.0.0.1:7777", modeSwitches: 1, sessions: 30, accepted: 33 * scale, closed: 3 * scale, refused: 3, closedBy: [3 * scale - 3, 3, 0, 0],
            bytesReceived: 50_000_000 * scale, bytesSent: 50_000_000 * scale,
            receives: 46_000 * scale, pending: pending, queued: [0, 3, 0], queuedPeak: [0, 41, 17],
            delivered: [0, 92_000 * scale, 1000 * scale], ringDepth: 2, ringOverflow: 0,
            threads: threads, sessionRows: rows, events: events)
        s.queuedPeakWindowSeconds = 60
        s.latency = latency
        s.threads[2].waits = 30_000 * scale  // apc-0: 3 routines per alertable wait
        s.threads[3].waits = 2_000 * scale   // apc-1: 1 per wait
        s.threads[2].notifyP99Nanos = 41_000_000  // apc-0, the busy one
        s.threads[3].notifyP99Nanos = 9_500
        s.threads[0].reaped = 93_000 * scale  // uring-0 reaps what the APC threads and port-0 run
        s.threads[1].waits = 200 * scale      // port-0, finishing port mode's last requests
        s.portConcurrency = 2
        s.portWaiting = ["port-0"]
        return s
    }

    /// Callback mode with a slow APC thread; port mode's last requests still finishing.
    static var latency: LatencyFigures {
        var l = LatencyFigures.empty(sampleEvery: 64)
        l.notify[NotificationMode.callback.index] = LatencyStage(windowCount: 1437, p50Nanos: 18_400, p99Nanos: 41_000_000)
        l.handler[NotificationMode.callback.index] = LatencyStage(windowCount: 1437, p50Nanos: 2_100, p99Nanos: 7_800)
        l.notify[NotificationMode.port.index] = LatencyStage(windowCount: 12, p50Nanos: 31_000, p99Nanos: 95_000)
        l.handler[NotificationMode.port.index] = LatencyStage(windowCount: 12, p50Nanos: 1_900, p99Nanos: 3_300)
        l.kernel[OpKind.recv.index] = LatencyStage(windowCount: 700, p50Nanos: 9_000, p99Nanos: 60_000)
        l.kernel[OpKind.send.index] = LatencyStage(windowCount: 749, p50Nanos: 3_200, p99Nanos: 11_000)
        return l
    }

    /// A frame built from two snapshots one second apart, with some history.
    static var frame: Frame {
        let a = snapshot(at: 100 * second, scale: 100)
        let b = snapshot(at: 101 * second, scale: 101)
        return Frame(snapshot: b, rates: SnapshotRates(from: a, to: b),
                     pendingHistory: [0, 4, 8, 15, 31, 31, 30, 29, 31, 28, 31],
                     queueHistory: [0, 0, 1, 5, 12, 41, 3, 0, 2, 3, 3])
    }
}

/// Compares the screen with a golden text file. With OVERLAP_RECORD_GOLDEN=1
/// the file is rewritten and the test fails, so a re-record is never silent.
func expectGolden(_ screen: GridScreen, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Golden").appendingPathComponent(name + ".txt")
    let actual = screen.lines.map { line in
        var l = line
        while l.last == " " { l.removeLast() }
        return l
    }.joined(separator: "\n") + "\n"
    if ProcessInfo.processInfo.environment["OVERLAP_RECORD_GOLDEN"] == "1" {
        try actual.write(to: url, atomically: true, encoding: .utf8)
        Issue.record("re-recorded \(name).txt: check the diff, then run again without OVERLAP_RECORD_GOLDEN",
                     sourceLocation: sourceLocation)
        return
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
        Issue.record("no golden file \(name).txt: run with OVERLAP_RECORD_GOLDEN=1 to create it",
                     sourceLocation: sourceLocation)
        return
    }
    #expect(actual == expected, "screen differs from \(name).txt:\n\(actual)", sourceLocation: sourceLocation)
}

/// A server stand-in for the view model: its sampler takes a new sample
/// (counters advanced by one second) at each `tick`, and it records the modes
/// and refresh intervals it was asked for.
final class AdvancingControl: ServerControl, Sendable {
    private struct State {
        var sample = Sample(first: Fixtures.snapshot(at: 100 * Fixtures.second, scale: 100))
        var mode = NotificationMode.port
        var switches: [NotificationMode] = []
        var refreshMs = 1000
        var hazards = HazardSettings()
        var lints: [Lint] = []
    }
    private let state = Mutex(State())

    /// Lints the next samples carry.
    func raise(_ lints: [Lint]) { state.withLock { $0.lints = lints } }
    var hazards: HazardSettings { state.withLock { $0.hazards } }
    func setHazards(_ hazards: HazardSettings) throws { state.withLock { $0.hazards = hazards } }
    var hazardThreadNames: [String] { HazardSettings.threadNames(threads: 2) }

    /// The sampler takes its next sample.
    func tick() {
        state.withLock { s in
            let n = s.sample.sequence + 1
            var snap = Fixtures.snapshot(at: (100 + n) * Fixtures.second, scale: 100 + n)
            snap.mode = s.mode
            snap.hazards = s.hazards
            snap.lints = s.lints
            s.sample = s.sample.followed(by: snap)
        }
    }

    func snapshot(sessions: Bool) -> StatsSnapshot { state.withLock { $0.sample.snapshot } }
    func latestSample() -> Sample { state.withLock { $0.sample } }
    var refreshMs: Int { state.withLock { $0.refreshMs } }
    func setRefresh(ms: Int) { state.withLock { $0.refreshMs = RefreshInterval.clamp(ms) } }

    func switchMode(to mode: NotificationMode) throws {
        state.withLock { s in
            s.mode = mode
            s.switches.append(mode)
        }
    }

    var switches: [NotificationMode] { state.withLock { $0.switches } }

    /// Trace captures asked for: a start records its path, a stop records nil.
    private let traces = Mutex<[String?]>([])
    var traceCalls: [String?] { traces.withLock { $0 } }

    func startTrace(path: String?) throws -> String {
        let file = path ?? "overlap-trace-test.json"
        traces.withLock { $0.append(file) }
        return file
    }

    func stopTrace() { traces.withLock { $0.append(nil) } }
}
