import Foundation
@testable import OverlapCore
import OverlapModel
import OverlapTestSupport
import Testing

/// One parsed trace file: its events, with the handler slices and flows picked out.
struct ParsedTrace {
    struct Handler {
        var op: String
        var tid: Int
        /// Microseconds since the server started.
        var pickedUp: Double
        var duration: Double
        var session: UInt64
        var mode: String
        var kernel: Double
        var notify: Double
    }

    let events: [[String: Any]]
    var handlers: [Handler] = []
    /// Lane names by tid (thread_name metadata).
    var lanes: [Int: String] = [:]
    /// Flow starts and ends by id: (ts, tid).
    var flowStarts: [Int: (Double, Int)] = [:]
    var flowEnds: [Int: (Double, Int)] = [:]
    /// Waits for completions by lane: (start, end) in microseconds, in order.
    var waits: [Int: [(start: Double, end: Double)]] = [:]

    init(path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let array = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw TestError("\(path) is not a JSON array of events")
        }
        events = array
        for e in array {
            guard let ph = e["ph"] as? String, e["pid"] is Int, let tid = e["tid"] as? Int, e["name"] is String else {
                throw TestError("event without ph, pid, tid or name: \(e)")
            }
            if ph != "M" && !(e["ts"] is Double || e["ts"] is Int) { throw TestError("event without ts: \(e)") }
            let ts = (e["ts"] as? Double) ?? Double(e["ts"] as? Int ?? 0)
            switch (ph, e["cat"] as? String) {
            case ("M", _):
                if e["name"] as? String == "thread_name", let args = e["args"] as? [String: Any],
                   let name = args["name"] as? String { lanes[tid] = name }
            case ("X", "handler"):
                guard let args = e["args"] as? [String: Any], let dur = e["dur"] as? Double ?? (e["dur"] as? Int).map(Double.init)
                else { throw TestError("handler without args or dur: \(e)") }
                handlers.append(Handler(op: e["name"] as! String, tid: tid, pickedUp: ts, duration: dur,
                                        session: UInt64(args["session"] as? Int ?? -1), mode: args["mode"] as? String ?? "",
                                        kernel: args["kernel_us"] as? Double ?? -1, notify: args["notify_us"] as? Double ?? -1))
            case ("X", "wait"):
                let dur = e["dur"] as? Double ?? Double(e["dur"] as? Int ?? 0)
                waits[tid, default: []].append((ts, ts + dur))
            case ("s", _): flowStarts[e["id"] as! Int] = (ts, tid)
            case ("f", _): flowEnds[e["id"] as! Int] = (ts, tid)
            default: break
            }
        }
        handlers.sort { $0.pickedUp < $1.pickedUp }
        for k in waits.keys { waits[k]!.sort { $0.start < $1.start } }
    }
}

/// Runs `traffic` against a server that samples every request and traces
/// it, then returns the parsed trace.
func tracedRun(_ engine: EngineKind, _ mode: NotificationMode, configure: (inout ServerConfig) -> Void = { _ in },
               _ traffic: (EchoServer) throws -> Void) throws -> ParsedTrace {
    let path = NSTemporaryDirectory() + "overlap-test-trace-\(getpid())-\(engine)-\(mode).json"
    defer { try? FileManager.default.removeItem(atPath: path) }
    try withServer(engine, mode: mode, configure: { c in
        c.sampleEvery = 1
        configure(&c)
    }) { server in
        #expect(try server.startTrace(path: path) == path)
        try traffic(server)
        server.registry.trace.finish(reason: Phrasing(.eventTraceStopped))
        #expect(server.snapshot(sessions: false).trace == TraceStatus(
            path: path, running: false, requests: server.snapshot(sessions: false).trace?.requests ?? 0,
            stopPhrasing: Phrasing(.eventTraceStopped)))
        #expect(server.snapshot(sessions: false).trace?.stopReason == "stopped")
    }
    return try ParsedTrace(path: path)
}
