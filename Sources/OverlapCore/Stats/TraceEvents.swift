import OverlapModel

/// The Chrome trace-event JSON of a capture (the "JSON Array Format" that
/// Perfetto and chrome://tracing open, even when a crash left it without
/// its closing bracket). Timestamps are microseconds since the server
/// started, with nanosecond decimals. Pure formatting: tested through real trace files (LatencyTests).
enum TraceEvents {
    /// Opens the array.
    static let header = "[\n"
    /// Closes it (after the metadata).
    static let footer = "\n]\n"

    /// The events of one sampled request `id`: a short "post" slice and the
    /// start of a flow on the posting thread's lane, then the end of the
    /// flow and the handler's slice on the lane of the thread that ran it.
    /// The handler's args carry the session, the mode and the three stages.
    static func request(_ s: LatencyStamps, id: UInt64, origin: UInt64) -> String {
        let name = s.op.rawValue
        let posted = micros(s.posted, origin)
        let picked = micros(s.pickedUp, origin)
        return """
            {"name":"post \(name)","cat":"post","ph":"X","ts":\(posted),"dur":0.001,"pid":1,"tid":\(s.postedBy)},
            {"name":"\(name)","cat":"request","ph":"s","id":\(id),"ts":\(posted),"pid":1,"tid":\(s.postedBy)},
            {"name":"\(name)","cat":"request","ph":"f","bp":"e","id":\(id),"ts":\(picked),"pid":1,"tid":\(s.ranOn)},
            {"name":"\(name)","cat":"handler","ph":"X","ts":\(picked),"dur":\(micros(s.handler, 0)),"pid":1,"tid":\(s.ranOn),\
            "args":{"session":\(s.session),"mode":"\(s.mode.rawValue)","kernel_us":\(micros(s.kernel, 0)),\
            "notify_us":\(micros(s.notify, 0)),"handler_us":\(micros(s.handler, 0))}}
            """
    }

    /// A thread's wait for completions, as a slice on its lane.
    static func wait(_ name: String, thread: Int, from start: UInt64, to end: UInt64, origin: UInt64) -> String {
        "{\"name\":\(quoted(name)),\"cat\":\"wait\",\"ph\":\"X\",\"ts\":\(micros(start, origin)),"
            + "\"dur\":\(micros(end &- start, 0)),\"pid\":1,\"tid\":\(thread)}"
    }

    /// A global instant event (a mode switch, the capture's start or end).
    static func instant(_ name: String, at ns: UInt64, origin: UInt64, thread: Int = 0) -> String {
        "{\"name\":\(quoted(name)),\"ph\":\"i\",\"s\":\"g\",\"ts\":\(micros(ns, origin)),\"pid\":1,\"tid\":\(thread)}"
    }

    /// Names a lane: the thread's name as the dashboard shows it.
    static func threadName(_ name: String, tid: Int) -> String {
        "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":\(tid),\"args\":{\"name\":\(quoted(name))}}"
    }

    /// Names the process.
    static func processName(_ name: String) -> String {
        "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,\"args\":{\"name\":\(quoted(name))}}"
    }

    /// `ns - origin` in microseconds, three decimals.
    static func micros(_ ns: UInt64, _ origin: UInt64) -> String {
        let d = ns &- origin
        let frac = d % 1000
        return "\(d / 1000).\(frac < 10 ? "00" : frac < 100 ? "0" : "")\(frac)"
    }

    /// A JSON string literal.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
